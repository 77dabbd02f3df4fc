package uk.linkwell.gateway.consent;

import ca.uhn.fhir.context.ConfigurationException;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.MatchUrlService;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * Counts the matches of a search that the requester may see, for {@code _summary=count} and
 * {@code _total=accurate}: HAPI's consent layer refuses both (a database count would include what consent hides),
 * so the gateway runs the (already caseload-narrowed) search itself and puts every match through the engine.
 * Bounded: a search matching more than {@link #MAX_COUNTED} records is refused with advice to narrow it.
 */
public final class ConsentAwareCount {

    public static final int MAX_COUNTED = 10_000;
    /** Parameters that shape the response, not the set of matches. */
    private static final Set<String> NOT_CRITERIA = Set.of(
            "_summary",
            "_total",
            "_count",
            "_sort",
            "_include",
            "_revinclude",
            "_elements",
            "_format",
            "_pretty",
            "_offset",
            "_getpagesoffset",
            "_getpages");

    private final FhirContext fhirContext;
    private final DaoRegistry daos;
    private final MatchUrlService matchUrls;

    public ConsentAwareCount(FhirContext fhirContext, DaoRegistry daos, MatchUrlService matchUrls) {
        this.fhirContext = fhirContext;
        this.daos = daos;
        this.matchUrls = matchUrls;
    }

    /** How many matches of this type-level search pass {@code visible}. */
    public int count(RequestDetails request, Predicate<IBaseResource> visible) {
        String type = request.getResourceName();
        StringBuilder url = new StringBuilder(type).append('?');
        for (Map.Entry<String, String[]> p : request.getParameters().entrySet()) {
            if (NOT_CRITERIA.contains(p.getKey())) {
                continue;
            }
            for (String value : p.getValue()) {
                url.append(URLEncoder.encode(p.getKey(), StandardCharsets.UTF_8))
                        .append('=')
                        .append(URLEncoder.encode(value, StandardCharsets.UTF_8))
                        .append('&');
            }
        }
        SearchParameterMap map;
        try {
            map = matchUrls.translateMatchUrl(url.toString(), fhirContext.getResourceDefinition(type));
        } catch (ConfigurationException e) {
            // HAPI cannot parse some of the base specification's composite parameters (three components where its
            // parser takes two): the client asked for something this server does not support, not a server fault.
            throw new InvalidRequestException("A search parameter of this search is not supported by this server: "
                    + request.getParameters().keySet().stream()
                            .filter(name -> !NOT_CRITERIA.contains(name))
                            .filter(name -> String.valueOf(e.getMessage()).contains(" " + name.split(":")[0] + " "))
                            .sorted()
                            .collect(java.util.stream.Collectors.joining(", ")));
        }
        map.setLoadSynchronousUpTo(MAX_COUNTED + 1);
        List<IBaseResource> matches = daos.getResourceDao(type).searchForResources(map, new SystemRequestDetails());
        if (matches.size() > MAX_COUNTED) {
            throw new InvalidRequestException("More than " + MAX_COUNTED + " records match; a count under consent "
                    + "checks each one, so narrow the search (e.g. by subject or date) to count it");
        }
        return (int) matches.stream().filter(visible).count();
    }
}
