package uk.linkwell.gateway.consent;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Flag;
import org.hl7.fhir.r4.model.Identifier;
import uk.linkwell.gateway.fhir.WriteGeneration;
import uk.linkwell.gateway.security.FhirRequesters;
import uk.linkwell.gateway.security.Requester;

/**
 * The Section 42 safeguarding enquiries a council has open about a patient, which the {@code safeguarding-s42}
 * legal basis needs (see {@link ConsentProperties.LegalBasis#requiresOpenEnquiry()}): an active Flag carrying the
 * council's enquiry identifier ({@code https://fhir.linkwell.example/Id/socialcare/<council>/safeguarding-enquiry}),
 * written from the council's case events. Read from the FHIR store once per patient and reused until any Flag is
 * written (then at once, so a closed enquiry stops the purpose with the next request) or the TTL passes (writes
 * through another gateway instance).
 *
 * <p>Only the case-event door and operators write enquiries: a FHIR write of such a Flag by any other client is
 * refused, since it would let a council open the S42 purpose for itself.
 */
@Interceptor
public class SafeguardingEnquiries {

    private static final Pattern ENQUIRY_SYSTEM =
            Pattern.compile("^https://fhir\\.linkwell\\.example/Id/socialcare/([^/]+)/safeguarding-enquiry$");

    private final Function<String, Set<String>> store;
    private final Set<String> exemptRoles;
    private final long ttlMillis;
    private final Clock clock;
    private final WriteGeneration generation = new WriteGeneration(Set.of("Flag"));
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    private record Cached(Set<String> councils, long generation, long expires) {}

    /**
     * @param store       the ODS codes of the councils with an open enquiry about a patient ({@code Patient/<id>}), as
     *                    the FHIR store holds them now
     * @param exemptRoles roles that may write enquiries over FHIR (operators)
     */
    public SafeguardingEnquiries(
            Function<String, Set<String>> store, Set<String> exemptRoles, Duration ttl, Clock clock) {
        this.store = store;
        this.exemptRoles = Set.copyOf(exemptRoles);
        this.ttlMillis = ttl.toMillis();
        this.clock = clock;
    }

    /** Whether the council (ODS code) has an enquiry open about the patient. */
    public boolean openBy(String council, String patient) {
        if (council == null || patient == null) {
            return false;
        }
        long now = clock.millis();
        long current = generation.current();
        Cached cached = cache.get(patient);
        if (cached == null || cached.generation() != current || now >= cached.expires()) {
            Set<String> councils = Set.copyOf(store.apply(patient));
            if (cache.size() > 50_000) {
                cache.clear();
            }
            cached = new Cached(councils, current, now + ttlMillis);
            cache.put(patient, cached);
        }
        return cached.councils().contains(council);
    }

    /** The council whose Section 42 enquiry a Flag is (open or closed), if it is one: from its identifier system. */
    public static Optional<String> councilOf(Flag flag) {
        for (Identifier identifier : flag.getIdentifier()) {
            Matcher m = identifier.getSystem() == null ? null : ENQUIRY_SYSTEM.matcher(identifier.getSystem());
            if (m != null && m.matches()) {
                return Optional.of(m.group(1));
            }
        }
        return Optional.empty();
    }

    /** The council whose open enquiry a Flag is, if it is one and is open. */
    public static Optional<String> openEnquiryOf(Flag flag) {
        return flag.getStatus() == Flag.FlagStatus.ACTIVE ? councilOf(flag) : Optional.empty();
    }

    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
    public void creating(IBaseResource resource, RequestDetails request) {
        refuseOverFhir(resource, request);
    }

    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
    public void updating(IBaseResource previous, IBaseResource resource, RequestDetails request) {
        refuseOverFhir(resource, request);
    }

    private void refuseOverFhir(IBaseResource resource, RequestDetails request) {
        if (!(resource instanceof Flag flag) || councilOf(flag).isEmpty() || request == null) {
            return;
        }
        Optional<Requester> writer = FhirRequesters.of(request);
        if (writer.isPresent() && !exemptRoles.contains(writer.get().role().code())) {
            throw new ForbiddenOperationException("A Section 42 safeguarding enquiry is recorded only from the "
                    + "council's case events (safeguarding-enquiry-opened and -closed), not over FHIR");
        }
    }

    /** A Flag was written: open enquiries are read again. */
    void changed(IBaseResource resource) {
        generation.written(resource);
    }
}
