package uk.linkwell.gateway.consent.audit;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.model.primitive.InstantDt;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Read;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.annotation.Sort;
import ca.uhn.fhir.rest.api.SortOrderEnum;
import ca.uhn.fhir.rest.api.SortSpec;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.DateRangeParam;
import ca.uhn.fhir.rest.param.ReferenceAndListParam;
import ca.uhn.fhir.rest.param.ReferenceOrListParam;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.StringAndListParam;
import ca.uhn.fhir.rest.param.StringOrListParam;
import ca.uhn.fhir.rest.param.StringParam;
import ca.uhn.fhir.rest.param.TokenAndListParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IPrimitiveType;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.IdType;
import uk.linkwell.gateway.consent.audit.TrailQuery.TrailColumn;

/**
 * Serves the disclosure trail as FHIR {@code AuditEvent}: read, and search by the parameters the trail's users
 * ask by (patient, also chained by NHS number; entity; agent; altid; date; outcome; subtype, a channel such as
 * {@code access-grant}; type, disclosures or access grants; the break-glass review tag; entity-name for the request
 * id; _id), sorted by date, paged. The trail is written by the gateway alone, so AuditEvent takes no create, update
 * or delete. Any other parameter is refused (400) rather than ignored. Who may read it at all (admin and
 * information governance) is decided before this provider is reached, by {@code security.DisclosureTrailAudience}.
 */
public class AuditEventProvider implements IResourceProvider {

    private final DisclosureTrail trail;
    private final Function<String, List<String>> patientsByIdentifier;

    /**
     * @param patientsByIdentifier {@code system|value} to the references ({@code Patient/1}) of the patients
     *                             bearing that identifier
     */
    public AuditEventProvider(DisclosureTrail trail, Function<String, List<String>> patientsByIdentifier) {
        this.trail = trail;
        this.patientsByIdentifier = patientsByIdentifier;
    }

    /** Finds patients by identifier through HAPI's Patient store (system request: no access rules, no audit). */
    public static Function<String, List<String>> patientsByIdentifier(DaoRegistry daos) {
        return token -> {
            int bar = token.indexOf('|');
            TokenParam identifier =
                    bar < 0 ? new TokenParam(token) : new TokenParam(token.substring(0, bar), token.substring(bar + 1));
            List<String> patients = new ArrayList<>();
            for (IBaseResource patient : daos.getResourceDao("Patient")
                    .search(SearchParameterMap.newSynchronous("identifier", identifier), new SystemRequestDetails())
                    .getAllResources()) {
                patients.add(patient.getIdElement().toUnqualifiedVersionless().getValue());
            }
            return patients;
        };
    }

    @Override
    public Class<AuditEvent> getResourceType() {
        return AuditEvent.class;
    }

    @Read
    public AuditEvent read(@IdParam IdType id) {
        if (id.hasVersionIdPart() && !"1".equals(id.getVersionIdPart())) {
            throw new ResourceNotFoundException(id);
        }
        return trail.read(id.getIdPart()).orElseThrow(() -> new ResourceNotFoundException(id));
    }

    @Search(allowUnknownParams = false)
    public IBundleProvider search(
            @OptionalParam(
                            name = "patient",
                            chainWhitelist = {"", "identifier"})
                    ReferenceAndListParam patient,
            @OptionalParam(name = "entity") ReferenceAndListParam entity,
            @OptionalParam(name = "agent") ReferenceAndListParam agent,
            @OptionalParam(name = "altid") TokenAndListParam altid,
            @OptionalParam(name = "date") DateRangeParam date,
            @OptionalParam(name = "outcome") TokenAndListParam outcome,
            @OptionalParam(name = "subtype") TokenAndListParam subtype,
            @OptionalParam(name = "type") TokenAndListParam type,
            @OptionalParam(name = "_tag") TokenAndListParam tag,
            @OptionalParam(name = "entity-name") StringAndListParam entityName,
            @OptionalParam(name = "_id") TokenAndListParam ids,
            @Sort SortSpec sort) {
        TrailQuery query = new TrailQuery();
        if (patient != null) {
            for (ReferenceOrListParam any : patient.getValuesAsQueryTokens()) {
                query.anyOf(TrailColumn.PATIENT, patients(any));
            }
        }
        if (entity != null) {
            for (ReferenceOrListParam any : entity.getValuesAsQueryTokens()) {
                query.aboutAnyOf(references(any, null, "entity"));
            }
        }
        if (agent != null) {
            for (ReferenceOrListParam any : agent.getValuesAsQueryTokens()) {
                query.anyOf(TrailColumn.PRACTITIONER, references(any, "Practitioner", "agent"));
            }
        }
        forEachAnyOf(altid, "altid", tokens -> query.anyOf(TrailColumn.CLIENT_ID, codes(tokens, null)));
        forEachAnyOf(
                outcome,
                "outcome",
                tokens -> query.anyOf(TrailColumn.OUTCOME, codes(tokens, "http://hl7.org/fhir/audit-event-outcome")));
        forEachAnyOf(subtype, "subtype", tokens -> query.anyOf(TrailColumn.CHANNEL, channels(tokens)));
        // 110106 Export: the disclosures; 110136 Security Roles Changed: the access grants (a channel of their own).
        forEachAnyOf(type, "type", tokens -> {
            List<String> types = codes(tokens, DisclosureAuditEvents.DICOM);
            boolean disclosures = types.contains("110106");
            boolean grants = types.contains("110136");
            if (!disclosures && !grants) {
                query.nothing();
            } else if (!disclosures) {
                query.anyOf(TrailColumn.CHANNEL, List.of(DisclosureAuditEvents.ACCESS_GRANT));
            } else if (!grants) {
                query.noneOf(TrailColumn.CHANNEL, List.of(DisclosureAuditEvents.ACCESS_GRANT));
            }
        });
        forEachAnyOf(tag, "_tag", tokens -> {
            if (codes(tokens, DisclosureAuditEvents.REVIEW_TAG_SYSTEM)
                    .contains(DisclosureAuditEvents.BREAK_GLASS_TAG)) {
                query.breakGlass();
            } else {
                query.nothing();
            }
        });
        forEachAnyOf(ids, "_id", tokens -> query.anyOf(TrailColumn.ID, codes(tokens, null)));
        if (entityName != null) {
            entityName.getValuesAsQueryTokens().forEach(any -> requestIdIsAnyOf(query, any));
        }
        if (date != null) {
            Date from = date.getLowerBoundAsInstant();
            Date upTo = date.getUpperBoundAsInstant();
            if (from != null) {
                query.recordedFrom(from.toInstant());
            }
            if (upTo != null) {
                query.recordedUpTo(upTo.toInstant());
            }
        }
        query.newestFirst(newestFirst(sort));
        return new TrailSearch(trail, query);
    }

    /** entity-name, which names the request id: plain values match its start (ignoring case), :exact ones all of it. */
    private static void requestIdIsAnyOf(TrailQuery query, StringOrListParam any) {
        List<String> exact = new ArrayList<>();
        List<String> prefixes = new ArrayList<>();
        for (StringParam value : any.getValuesAsQueryTokens()) {
            if (value.isContains()) {
                throw new InvalidRequestException("entity-name:contains is not supported on AuditEvent");
            }
            (value.isExact() ? exact : prefixes).add(value.getValue());
        }
        if (!exact.isEmpty() && !prefixes.isEmpty()) {
            throw new InvalidRequestException("entity-name: give either :exact values or plain ones");
        }
        if (exact.isEmpty()) {
            query.requestIdStartsWithAnyOf(prefixes);
        } else {
            query.anyOf(TrailColumn.REQUEST_ID, exact);
        }
    }

    private static boolean newestFirst(SortSpec sort) {
        if (sort == null) {
            return false;
        }
        if (sort.getChain() != null
                || !("date".equals(sort.getParamName()) || "_lastUpdated".equals(sort.getParamName()))) {
            throw new InvalidRequestException("AuditEvent can be sorted by date (or _lastUpdated) only");
        }
        return sort.getOrder() == SortOrderEnum.DESC;
    }

    private List<String> patients(ReferenceOrListParam any) {
        Set<String> patients = new LinkedHashSet<>();
        for (ReferenceParam value : any.getValuesAsQueryTokens()) {
            if ("identifier".equals(value.getChain())) {
                patients.addAll(patientsByIdentifier.apply(value.getValue()));
            } else {
                patients.add(reference(value, "Patient", "patient"));
            }
        }
        return List.copyOf(patients);
    }

    private static List<String> references(ReferenceOrListParam any, String defaultType, String parameter) {
        List<String> references = new ArrayList<>();
        for (ReferenceParam value : any.getValuesAsQueryTokens()) {
            if (value.getChain() != null && !value.getChain().isBlank()) {
                throw new InvalidRequestException(
                        parameter + "." + value.getChain() + " is not supported on AuditEvent");
            }
            references.add(reference(value, defaultType, parameter));
        }
        return references;
    }

    /** {@code Type/id}, versionless; a bare id takes the parameter's only type, if it has one. */
    private static String reference(ReferenceParam value, String defaultType, String parameter) {
        String type = value.getResourceType() != null ? value.getResourceType() : defaultType;
        if (type == null || value.getIdPart() == null || value.getIdPart().isBlank()) {
            throw new InvalidRequestException(parameter + " needs a reference with its type, e.g. CarePlan/123");
        }
        return type + "/" + value.getIdPart();
    }

    private interface TokenCondition {
        void add(List<TokenParam> anyOf);
    }

    private static void forEachAnyOf(TokenAndListParam param, String name, TokenCondition condition) {
        if (param == null) {
            return;
        }
        for (TokenOrListParam any : param.getValuesAsQueryTokens()) {
            for (TokenParam token : any.getValuesAsQueryTokens()) {
                if (token.getModifier() != null) {
                    throw new InvalidRequestException(
                            name + token.getModifier().getValue() + " is not supported on AuditEvent");
                }
            }
            condition.add(any.getValuesAsQueryTokens());
        }
    }

    /** The codes of the tokens whose system is the expected one (or not given). */
    private static List<String> codes(List<TokenParam> tokens, String system) {
        List<String> codes = new ArrayList<>();
        for (TokenParam token : tokens) {
            if (token.getSystem() == null
                    || token.getSystem().isEmpty()
                    || token.getSystem().equals(system)) {
                codes.add(token.getValue());
            }
        }
        return codes;
    }

    /** subtype codes to channels: the REST interaction codes and the channel codes both name a channel. */
    private static List<String> channels(List<TokenParam> tokens) {
        List<String> channels = new ArrayList<>();
        for (TokenParam token : tokens) {
            String system = token.getSystem() == null || token.getSystem().isEmpty() ? null : token.getSystem();
            if (system == null || DisclosureAuditEvents.CHANNEL_SYSTEM.equals(system)) {
                channels.add(token.getValue());
            }
            if (system == null || DisclosureAuditEvents.RESTFUL_INTERACTION.equals(system)) {
                switch (token.getValue()) {
                    case "read" -> channels.add("fhir-read");
                    case "search-type" -> channels.add("fhir-search");
                    case "operation" -> channels.add("fhir-operation");
                    default -> {}
                }
            }
        }
        return channels;
    }

    /** The results of one trail search, read a page at a time; kept by {@link DisclosureTrailPaging} for paging. */
    static final class TrailSearch implements IBundleProvider {

        private final DisclosureTrail trail;
        private final TrailQuery query;
        private final InstantDt published = InstantDt.withCurrentTime();
        private Integer size;

        TrailSearch(DisclosureTrail trail, TrailQuery query) {
            this.trail = trail;
            this.query = query;
        }

        @Override
        public IPrimitiveType<Date> getPublished() {
            return published;
        }

        @Override
        public List<IBaseResource> getResources(int fromIndex, int toIndex) {
            return new ArrayList<>(trail.page(query, fromIndex, toIndex - fromIndex));
        }

        @Override
        public String getUuid() {
            return null;
        }

        @Override
        public Integer preferredPageSize() {
            return null;
        }

        @Override
        public synchronized Integer size() {
            if (size == null) {
                size = trail.count(query);
            }
            return size;
        }
    }
}
