package uk.linkwell.gateway.consent;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.interceptor.consent.ConsentInterceptor;
import ca.uhn.fhir.rest.server.interceptor.consent.ConsentOperationStatusEnum;
import ca.uhn.fhir.rest.server.interceptor.consent.ConsentOutcome;
import ca.uhn.fhir.rest.server.interceptor.consent.IConsentContextServices;
import ca.uhn.fhir.rest.server.interceptor.consent.IConsentService;
import java.time.Clock;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import uk.linkwell.gateway.security.FhirRequesters;
import uk.linkwell.gateway.security.Requester;

/**
 * Puts every FHIR read through the {@link ConsentPolicy}: HAPI's {@link ConsentInterceptor} calls it for each
 * resource a response would show (reads, searches, {@code _include}/{@code _revinclude}, history, paging,
 * {@code $everything}, batch and transaction reads). Reads are decided in {@code canSeeResource} (before HAPI
 * answers a conditional read); everything else in {@code willSeeResource}, after the organisation and caseload
 * rules and after paging (so a page can come back short), where a redacted copy can stand in for the resource.
 *
 * <p>The purpose of use comes from the {@code X-Purpose-Of-Use} header (v3-ActReason; default {@code TREAT});
 * break-glass is {@code X-Purpose-Of-Use: ETREAT} with {@code X-Break-Glass-Reason}. Operators (exempt roles)
 * skip the consent layer entirely.
 */
@Interceptor
public class FhirConsentAdapter implements IConsentService {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(FhirConsentAdapter.class);

    public static final String PURPOSE_HEADER = "X-Purpose-Of-Use";
    public static final String REASON_HEADER = "X-Break-Glass-Reason";
    private static final String STATE = FhirConsentAdapter.class.getName();
    private static final String COUNT = FhirConsentAdapter.class.getName() + ".count";

    private final ConsentPolicy policy;
    private final ResourceFactsReader facts;
    private final PatientConsents consents;
    private final ActorDirectory directory;
    private final BreakGlassWindows windows;
    private final ConsentedDisclosures disclosures;
    private final Redaction redaction;
    private final Clock clock;
    private final ConsentAwareCount counter;
    private final FhirContext fhirContext;
    private AccessDecisions access;

    public FhirConsentAdapter(
            ConsentPolicy policy,
            ResourceFactsReader facts,
            PatientConsents consents,
            ActorDirectory directory,
            BreakGlassWindows windows,
            ConsentedDisclosures disclosures,
            Redaction redaction,
            Clock clock,
            ConsentAwareCount counter,
            FhirContext fhirContext) {
        this.counter = counter;
        this.fhirContext = fhirContext;
        this.policy = policy;
        this.facts = facts;
        this.consents = consents;
        this.directory = directory;
        this.windows = windows;
        this.disclosures = disclosures;
        this.redaction = redaction;
        this.clock = clock;
    }

    /** The one decision point's consent half: set once, by the configuration that builds both. */
    void decidingThrough(AccessDecisions access) {
        this.access = access;
    }

    /** Who asks and why, for this request (the requester, purpose and break-glass from its headers). */
    public AccessRequest who(RequestDetails request) {
        return state(request).who;
    }

    /** The patient a resource is about ({@code Patient/<id>}), or null. */
    public String patientOf(IBaseResource resource) {
        return facts.read(resource, directory).patient();
    }

    /** One request's requester, purpose, memo of decisions and disclosures to audit. */
    private final class State {
        final AccessRequest who;
        final ConsentedDisclosures.Batch batch;
        // HAPI runs a batch's entries on a pool of threads, all within the one request: the state is shared.
        final Map<IBaseResource, Decided> memo = java.util.Collections.synchronizedMap(new IdentityHashMap<>());
        /** Copies this request shows in place of a decided resource (redacted, contained records withheld). */
        final Set<IBaseResource> standIns =
                java.util.Collections.synchronizedSet(java.util.Collections.newSetFromMap(new IdentityHashMap<>()));

        State(AccessRequest who, String channel, String requestId) {
            this.who = who;
            this.batch = disclosures.start(who, channel, requestId);
        }
    }

    private record Decided(ResourceFacts facts, ConsentDecision decision) {}

    /**
     * Before HAPI's ConsentInterceptor: operators skip consent; a break-glass without a reason, or from a role
     * that may not break the glass, is refused with an OperationOutcome saying so.
     */
    @Hook(value = Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED, order = -50)
    public void beforeHandling(RequestDetails request, RestOperationTypeEnum operation) {
        if (operation == RestOperationTypeEnum.METADATA) {
            return;
        }
        Optional<Requester> requester = FhirRequesters.of(request);
        if (requester.isPresent() && policy.isExempt(requester.get().role().code())) {
            ConsentInterceptor.skipAllConsentForRequest(request);
            return;
        }
        String purpose = header(request, PURPOSE_HEADER);
        if (AccessRequest.BREAK_GLASS_PURPOSE.equals(purpose)) {
            if (header(request, REASON_HEADER) == null) {
                throw new ForbiddenOperationException("Break-glass refused: " + PURPOSE_HEADER + ": ETREAT needs a "
                        + REASON_HEADER + " header stating the imminent risk; the reason is audited and reviewed");
            }
            if (requester.isPresent()
                    && !policy.mayBreakGlass(requester.get().role().code())) {
                throw new ForbiddenOperationException(
                        "Break-glass refused: role " + requester.get().role().code()
                                + " may not break the glass (linkwell.consent.break-glass.roles)");
            }
        }
        if (purpose != null && !purpose.matches("[A-Za-z0-9-]{1,32}")) {
            throw new InvalidRequestException(PURPOSE_HEADER + " must be a v3-ActReason code such as TREAT");
        }
        if (operation == RestOperationTypeEnum.SEARCH_TYPE
                && (has(request, "_summary", "count") || has(request, "_total", "accurate"))) {
            // HAPI's consent layer refuses both (the database would count what consent hides); count it ourselves.
            boolean summaryCount = has(request, "_summary", "count");
            int visible = counter.count(
                    request,
                    r -> access.reaches(requester.get(), r)
                            && decide(request, r, false).decision().permitted());
            request.getUserData().put(COUNT, visible);
            request.removeParameter("_total");
            if (summaryCount) {
                request.removeParameter("_summary");
                request.removeParameter("_count");
                request.addParameter("_count", new String[] {"0"});
            }
        }
    }

    /** Puts the consent-aware count in the Bundle, after HAPI's consent layer has dropped its own. */
    @Hook(value = Pointcut.SERVER_OUTGOING_RESPONSE, order = 1000)
    public void withConsentAwareTotal(RequestDetails request, IBaseResource response) {
        if (request.getUserData().get(COUNT) instanceof Integer count
                && response instanceof org.hl7.fhir.r4.model.Bundle bundle) {
            bundle.setTotal(count);
        }
    }

    private static boolean has(RequestDetails request, String name, String value) {
        String[] values = request.getParameters().get(name);
        return values != null && java.util.Arrays.asList(values).contains(value);
    }

    @Hook(Pointcut.SERVER_PROCESSING_COMPLETED)
    public void afterHandling(RequestDetails request) {
        Object state = request.getUserData().get(STATE);
        if (state instanceof State s) {
            s.batch.flush();
        }
    }

    @Override
    public ConsentOutcome startOperation(RequestDetails request, IConsentContextServices context) {
        return FhirRequesters.of(request).isPresent() ? ConsentOutcome.PROCEED : ConsentOutcome.REJECT;
    }

    /**
     * Reads and history decide before the response is built: a conditional read ({@code If-None-Match}) would
     * otherwise answer 304 for a record the requester may not see, and HAPI's history bundle cannot take a resource
     * withdrawn later (it fails on the gap). Everything else is decided in {@link #willSeeResource}, after the
     * organisation and caseload rules have had their say (so a record outside the caseload is still refused by
     * them, as before), and after paging.
     */
    @Override
    public boolean shouldProcessCanSeeResource(RequestDetails request, IConsentContextServices context) {
        return decidedEarly(request.getRestOperationType());
    }

    private static boolean decidedEarly(RestOperationTypeEnum operation) {
        return operation == RestOperationTypeEnum.READ
                || operation == RestOperationTypeEnum.VREAD
                || operation == RestOperationTypeEnum.HISTORY_INSTANCE
                || operation == RestOperationTypeEnum.HISTORY_TYPE
                || operation == RestOperationTypeEnum.HISTORY_SYSTEM;
    }

    /** One record asked for by id: refused outright, as the caseload rules refuse one. */
    private static boolean oneRecord(RestOperationTypeEnum operation) {
        return operation == RestOperationTypeEnum.READ
                || operation == RestOperationTypeEnum.VREAD
                || operation == RestOperationTypeEnum.HISTORY_INSTANCE;
    }

    @Override
    public ConsentOutcome canSeeResource(
            RequestDetails request, IBaseResource resource, IConsentContextServices context) {
        if (decide(request, resource, true).decision().permitted()) {
            return ConsentOutcome.PROCEED;
        }
        if (oneRecord(request.getRestOperationType())) {
            log.debug(
                    "Request {}: {} withheld from {} ({})",
                    request.getRequestId(),
                    resource.getIdElement().toUnqualifiedVersionless().getValue(),
                    state(request).who.clientId(),
                    decide(request, resource, true).decision().basis());
            throw withheld();
        }
        return ConsentOutcome.REJECT;
    }

    private static ForbiddenOperationException withheld() {
        return new ForbiddenOperationException("Access denied: this record is not shared with you (no consent or "
                + "other basis for sharing it covers your organisation, role and purpose)");
    }

    @Override
    public ConsentOutcome willSeeResource(
            RequestDetails request, IBaseResource resource, IConsentContextServices context) {
        if (resource instanceof org.hl7.fhir.r4.model.Bundle bundle && everyEntryDecided(request, bundle)) {
            return ConsentOutcome.AUTHORIZED;
        }
        if (resource instanceof org.hl7.fhir.r4.model.Bundle
                || resource instanceof org.hl7.fhir.r4.model.OperationOutcome
                || resource instanceof org.hl7.fhir.r4.model.Parameters) {
            // Containers: their entries are seen one by one.
            return ConsentOutcome.PROCEED;
        }
        State state = state(request);
        if (state.standIns.contains(resource)) {
            // A copy made below, already decided with everything it contains.
            return ConsentOutcome.AUTHORIZED;
        }
        Decided decided = decide(request, resource, true);
        state.batch.disclose(decided.facts(), decided.decision(), disclosedAs(resource, decided.facts()));
        IBaseResource shown =
                switch (decided.decision().outcome()) {
                    case DENY -> {
                        if (oneRecord(request.getRestOperationType())) {
                            throw withheld();
                        }
                        yield null;
                    }
                    case PERMIT -> withContainedDecided(request, resource);
                    case PERMIT_REDACTED -> withContainedDecided(
                            request,
                            redaction.apply(resource, decided.decision().redactions()));
                };
        if (shown == null) {
            return ConsentOutcome.REJECT;
        }
        if (shown == resource) {
            return ConsentOutcome.PROCEED;
        }
        state.standIns.add(shown);
        return new ConsentOutcome(ConsentOperationStatusEnum.PROCEED, shown);
    }

    /**
     * The resource with each resource it contains decided on its own: withheld ones removed, redacted ones
     * replaced. Decided here rather than left to HAPI's consent layer, which finds contained resources by walking
     * the response and, on withholding one, replaces it inside the list it is walking (a
     * ConcurrentModificationException: the whole response failed with a 500).
     */
    private IBaseResource withContainedDecided(RequestDetails request, IBaseResource resource) {
        if (!(resource instanceof org.hl7.fhir.r4.model.DomainResource domain) || !domain.hasContained()) {
            return resource;
        }
        java.util.List<org.hl7.fhir.r4.model.Resource> kept = new java.util.ArrayList<>();
        boolean changed = false;
        for (org.hl7.fhir.r4.model.Resource contained : domain.getContained()) {
            ConsentDecision decision = decide(request, contained, false).decision();
            switch (decision.outcome()) {
                case DENY -> changed = true;
                case PERMIT -> kept.add(contained);
                case PERMIT_REDACTED -> {
                    kept.add((org.hl7.fhir.r4.model.Resource) redaction.apply(contained, decision.redactions()));
                    changed = true;
                }
            }
        }
        if (!changed) {
            return resource;
        }
        org.hl7.fhir.r4.model.DomainResource copy = domain.copy();
        copy.setContained(kept);
        return copy;
    }

    /**
     * Whether a search or history page holds only resources this request has already decided, one by one (with
     * what they contain), as HAPI showed them: the page's matches and includes. HAPI's consent layer then has
     * nothing left to ask about, and answering AUTHORIZED for the page spares its walk through every element of
     * every entry looking for nested resources. Any other Bundle (a batch's responses, an operation's result, a
     * page holding a Bundle) is walked as before.
     */
    private boolean everyEntryDecided(RequestDetails request, org.hl7.fhir.r4.model.Bundle bundle) {
        RestOperationTypeEnum operation = request.getRestOperationType();
        boolean page = operation == RestOperationTypeEnum.SEARCH_TYPE
                || operation == RestOperationTypeEnum.SEARCH_SYSTEM
                || operation == RestOperationTypeEnum.GET_PAGE
                || operation == RestOperationTypeEnum.HISTORY_INSTANCE
                || operation == RestOperationTypeEnum.HISTORY_TYPE
                || operation == RestOperationTypeEnum.HISTORY_SYSTEM;
        if (!page || !(request.getUserData().get(STATE) instanceof State state)) {
            return false;
        }
        for (org.hl7.fhir.r4.model.Bundle.BundleEntryComponent entry : bundle.getEntry()) {
            org.hl7.fhir.r4.model.Resource shown = entry.getResource();
            if (shown == null) {
                continue;
            }
            boolean decided = state.memo.containsKey(shown) || state.standIns.contains(shown);
            if (!decided
                    || shown instanceof org.hl7.fhir.r4.model.Bundle
                    || shown instanceof org.hl7.fhir.r4.model.Parameters) {
                return false;
            }
        }
        return true;
    }

    /** The resource's reference with the version being served, when it carries one (a stored resource does). */
    private static String disclosedAs(IBaseResource resource, ResourceFacts facts) {
        String version = resource.getIdElement().getVersionIdPart();
        return version == null || facts.reference().indexOf('/') < 0
                ? facts.reference()
                : facts.reference() + "/_history/" + version;
    }

    /** @param disclosing false when only counting: no metric, no break-glass window opened */
    private Decided decide(RequestDetails request, IBaseResource resource, boolean disclosing) {
        State state = state(request);
        Decided known = state.memo.get(resource);
        if (known != null) {
            return known;
        }
        AccessRequest who = state.who;
        AccessDecisions.Decided both = versionShown(request.getRestOperationType())
                ? access.consentOfVersion(who, resource)
                : access.consent(who, resource);
        ResourceFacts what = both.facts();
        ConsentDecision decision = both.decision();
        Decided decided = new Decided(what, decision);
        if (!disclosing) {
            return decided;
        }
        if (decision.breakGlass() && who.breaksGlass()) {
            windows.open(who.clientId(), who.practitioner(), what.patient(), who.breakGlassReason());
        }
        disclosures.count(decision);
        state.memo.put(resource, decided);
        return decided;
    }

    /** Operations that may show an older version of a record, which is then judged with the record as it is now. */
    private static boolean versionShown(RestOperationTypeEnum operation) {
        return operation == RestOperationTypeEnum.VREAD
                || operation == RestOperationTypeEnum.HISTORY_INSTANCE
                || operation == RestOperationTypeEnum.HISTORY_TYPE
                || operation == RestOperationTypeEnum.HISTORY_SYSTEM;
    }

    private State state(RequestDetails request) {
        Object known = request.getUserData().get(STATE);
        if (known instanceof State s) {
            return s;
        }
        Requester requester = FhirRequesters.of(request)
                .orElseThrow(() -> new ForbiddenOperationException("Access denied: no Linkwell identity"));
        String purpose = header(request, PURPOSE_HEADER);
        String reason = header(request, REASON_HEADER);
        AccessRequest who = new AccessRequest(
                requester.clientId(),
                requester.role().code(),
                requester.organisation(),
                requester.practitioner(),
                purpose,
                reason,
                clock.instant(),
                patient -> windows.openFor(requester.clientId(), requester.practitioner(), patient)
                        .isPresent(),
                (String) request.getUserData().get(DecisionPoint.BREAK_GLASS_PATIENT));
        State state = new State(who, channel(request.getRestOperationType()), request.getRequestId());
        request.getUserData().put(STATE, state);
        return state;
    }

    private static String channel(RestOperationTypeEnum operation) {
        if (operation == null) {
            return "fhir-operation";
        }
        return switch (operation) {
            case READ, VREAD -> "fhir-read";
            case SEARCH_TYPE, SEARCH_SYSTEM, GET_PAGE, HISTORY_INSTANCE, HISTORY_TYPE, HISTORY_SYSTEM -> "fhir-search";
            default -> "fhir-operation";
        };
    }

    private static String header(RequestDetails request, String name) {
        String value = request.getHeader(name);
        return value == null || value.isBlank() ? null : value.trim();
    }
}
