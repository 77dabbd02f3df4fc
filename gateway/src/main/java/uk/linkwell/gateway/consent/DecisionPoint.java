package uk.linkwell.gateway.consent;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.MatchUrlService;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.IPreResourceAccessDetails;
import ca.uhn.fhir.rest.api.server.IPreResourceShowDetails;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.ResponseDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import ca.uhn.fhir.util.UrlUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import uk.linkwell.gateway.fhir.ProfileValidation;
import uk.linkwell.gateway.hapi.HapiTables;
import uk.linkwell.gateway.security.FhirRequesters;
import uk.linkwell.gateway.security.Requester;
import uk.linkwell.gateway.security.RoleRefusal;
import uk.linkwell.gateway.security.SmartScope;

/**
 * The FHIR door's one decision point ({@link AccessDecisions}) on every interaction of a client other than an
 * operator, wherever something could leave: before a request runs (searches on the allow-list, break-glass naming
 * one person, writes authorised on the record as it stands, conditional creates matched among the records the
 * client may see), while HAPI loads what it would show (each resource, includes and history versions too, dropped
 * unless reached), on the way out (the body of a write the client may not read is left out, as with
 * {@code Prefer: return=minimal}), and on errors (a hidden record answers exactly as a missing one; no error text
 * carries SQL or schema names). Consent's own part of the decision (permit, redact, audit) runs in
 * {@link FhirConsentAdapter}, through the same {@link AccessDecisions}.
 */
@Interceptor
public class DecisionPoint {

    /** Request user-data key: the one patient a break-glass request names ({@code Patient/<id>}). */
    public static final String BREAK_GLASS_PATIENT = "linkwell.break-glass-patient";
    /** Request user-data key: the request is a conditional create (its criteria narrowed). */
    private static final String CONDITIONAL_CREATE = "linkwell.decision-point.conditional-create";
    /** Request user-data key: set once the request is past its checks and HAPI handles it. */
    private static final String HANDLING = "linkwell.decision-point.handling";
    /** A break-glass patient no record has: paging a break-glass search goes on under the window it opened. */
    static final String NO_PATIENT = "Patient/(none)";

    private static final Logger log = LoggerFactory.getLogger(DecisionPoint.class);
    /** SQL, the schema and the driver, as HAPI's conflict and internal errors quote them. */
    private static final Pattern SQL = Pattern.compile(
            "(?i)(\\binsert into\\b|\\bupdate\\s+\\w+\\s+set\\b|"
                    + "\\bdelete from\\b|\\bselect\\b.{0,200}\\bfrom\\b|\\bLW_[A-Z_]+|duplicate key|"
                    + "violates (foreign key|unique|not-null|check) constraint|SQLState|JDBC|could not execute (statement|batch))");

    private final AccessDecisions access;
    private final FhirConsentAdapter adapter;
    private final SearchAllowList searches;
    private final FhirContext fhirContext;
    private final DaoRegistry daos;
    private final MatchUrlService matchUrls;
    private final ProfileValidation validation;

    public DecisionPoint(
            AccessDecisions access,
            FhirConsentAdapter adapter,
            FhirContext fhirContext,
            DaoRegistry daos,
            MatchUrlService matchUrls,
            ProfileValidation validation,
            ISearchParamRegistry searchParameters) {
        this.access = access;
        this.adapter = adapter;
        this.searches = new SearchAllowList(fhirContext, searchParameters);
        this.fhirContext = fhirContext;
        this.daos = daos;
        this.matchUrls = matchUrls;
        this.validation = validation;
    }

    private Optional<Requester> bound(RequestDetails request) {
        return FhirRequesters.of(request)
                .filter(r -> !access.policy().isExempt(r.role().code()));
    }

    /**
     * Whether this request's client would see the record, as it is now, by reading it directly: the test for
     * anything the gateway computes from records for a client (a Measure's counts), so a figure never counts what
     * its reader could not read. Clients exempt from consent (operators) are asked about their reach only.
     */
    public boolean wouldShow(RequestDetails request, IBaseResource current) {
        Optional<Requester> requester = FhirRequesters.of(request);
        if (requester.isEmpty()) {
            return false;
        }
        Optional<Requester> found = bound(request);
        return found.isEmpty()
                ? access.reaches(requester.get(), current)
                : access.visible(found.get(), adapter.who(request), current);
    }

    // ---- before the request runs --------------------------------------------------------------------------

    /** After the scope checks, before consent's own and HAPI's. */
    @Hook(value = Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED, order = -60)
    public void beforeHandling(RequestDetails request, RestOperationTypeEnum operation) {
        if (operation == RestOperationTypeEnum.METADATA) {
            return;
        }
        Optional<Requester> found = bound(request);
        if (found.isEmpty()) {
            return;
        }
        Requester requester = found.get();
        breakGlassNamesOnePerson(request, operation);
        switch (operation) {
            case SEARCH_TYPE -> searches.check(request.getResourceName(), request.getParameters());
            case SEARCH_SYSTEM -> searches.check(null, request.getParameters());
            case UPDATE, PATCH, DELETE -> onRecordAsItStands(request, requester, operation);
            case CREATE -> {
                if (Boolean.TRUE.equals(request.getUserData().get(CONDITIONAL_CREATE))
                        && request.getResource() != null) {
                    // A match answers without the body being stored, so the body is validated before any match.
                    validateFirst(request.getResource());
                }
            }
                // HAPI may report an operation on one record ($everything) as type level: the id decides.
            case EXTENDED_OPERATION_INSTANCE, EXTENDED_OPERATION_TYPE, HISTORY_INSTANCE -> instanceAsItStands(
                    request, requester);
            case HISTORY_TYPE, HISTORY_SYSTEM -> throw new RoleRefusal("The history of a whole type is available to "
                    + "operators only: it cannot be narrowed to the records you may see. Ask for the history of one "
                    + "record (Type/id/_history)");
            case TRANSACTION -> entries(request, requester);
            default -> {}
        }
    }

    /** The last of the checks: from here on, a refusal of one record is decided on stored data. */
    @Hook(value = Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED, order = 10_000)
    public void handling(RequestDetails request) {
        request.getUserData().put(HANDLING, Boolean.TRUE);
    }

    /**
     * A write addressed to one record is authorised on that record as it stands: a record the client may not see,
     * and one that does not exist, are both "not known" (no update-as-create, no version or patch test revealed).
     * Conditional updates, patches and deletes would match records the client may not see: operators only.
     */
    private void onRecordAsItStands(RequestDetails request, Requester requester, RestOperationTypeEnum operation) {
        IIdType id = request.getId();
        if (id == null || !id.hasIdPart()) {
            throw new RoleRefusal("Conditional " + operation.getCode() + " is available to operators only; "
                    + "address the record by its id");
        }
        IIdType typed = id.hasResourceType() ? id : id.withResourceType(request.getResourceName());
        IBaseResource current = access.current(typed);
        if (current == null || !access.visible(requester, adapter.who(request), current)) {
            throw notKnown(typed);
        }
    }

    /** An operation on one record ({@code Patient/1/$everything}) is for a record the client may see. */
    private void instanceAsItStands(RequestDetails request, Requester requester) {
        IIdType id = request.getId();
        if (id == null || !id.hasIdPart()) {
            return;
        }
        IIdType typed = id.hasResourceType() ? id : id.withResourceType(request.getResourceName());
        IBaseResource current = access.current(typed);
        if (current == null || !access.visible(requester, adapter.who(request), current)) {
            throw notKnown(typed);
        }
    }

    /**
     * If-None-Exist is matched among the records the client may see: a record hidden from it counts as no match
     * (HAPI would otherwise answer with it, or say that it exists). The body is validated first, match or not.
     */
    /**
     * A conditional create matches only among the records the client may see. HAPI binds the {@code If-None-Exist}
     * criteria to the create before the pre-handled hooks run, so they are narrowed here, as HAPI's own search
     * narrowing does: the criteria become the ids of the visible matches, or nothing (a plain create).
     */
    @Hook(value = Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED, order = 100)
    public void conditionalCreate(RequestDetails request) {
        if (request.getRestOperationType() != RestOperationTypeEnum.CREATE) {
            return;
        }
        String criteria = request.getHeader(Constants.HEADER_IF_NONE_EXIST);
        Optional<Requester> found = bound(request);
        if (criteria == null || criteria.isBlank() || found.isEmpty() || request.getResourceName() == null) {
            return;
        }
        request.getUserData().put(CONDITIONAL_CREATE, Boolean.TRUE);
        String visible = visibleMatch(request, found.get(), request.getResourceName(), criteria);
        request.setHeaders(Constants.HEADER_IF_NONE_EXIST, visible == null ? List.of() : List.of(visible));
    }

    private void entries(RequestDetails request, Requester requester) {
        if (!(request.getResource() instanceof Bundle bundle)) {
            return;
        }
        for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
            Bundle.BundleEntryRequestComponent entryRequest = entry.getRequest();
            if (entryRequest.getMethod() == null) {
                continue;
            }
            String url = entryRequest.getUrl() == null ? "" : entryRequest.getUrl();
            switch (entryRequest.getMethod()) {
                case GET, HEAD -> searchEntry(url);
                case POST -> {
                    if (entryRequest.hasIfNoneExist() && entry.hasResource()) {
                        validateFirst(entry.getResource());
                        String visible = visibleMatch(
                                request, requester, entry.getResource().fhirType(), entryRequest.getIfNoneExist());
                        entryRequest.setIfNoneExist(visible);
                    }
                }
                case PUT, PATCH, DELETE -> {
                    String path = url.split("\\?", 2)[0];
                    String[] parts = path.startsWith("/") ? path.substring(1).split("/") : path.split("/");
                    if (url.contains("?") || parts.length < 2) {
                        throw new RoleRefusal(
                                "Conditional " + entryRequest.getMethod().toCode()
                                        + " entries are available to operators only; address records by their id");
                    }
                    IdType id = new IdType(parts[0], parts[1]);
                    IBaseResource current = access.current(id);
                    if (current == null || !access.visible(requester, adapter.who(request), current)) {
                        throw notKnown(id);
                    }
                }
                default -> {}
            }
        }
    }

    private void searchEntry(String url) {
        int query = url.indexOf('?');
        String path = query < 0 ? url : url.substring(0, query);
        if (path.startsWith("/")) {
            path = path.substring(1);
        }
        if (query < 0) {
            return;
        }
        String type = path.isEmpty()
                        || path.contains("/")
                        || !fhirContext.getResourceTypes().contains(path)
                ? null
                : path;
        searches.check(type, UrlUtil.parseQueryString(url.substring(query)));
    }

    /** The match criteria narrowed to what the client may see: {@code _id=...}, or null for no match at all. */
    private String visibleMatch(RequestDetails request, Requester requester, String type, String criteria) {
        String url = criteria.contains("?") ? criteria.substring(criteria.indexOf('?')) : "?" + criteria;
        SearchParameterMap map = matchUrls.translateMatchUrl(type + url, fhirContext.getResourceDefinition(type));
        map.setLoadSynchronous(true);
        map.setLoadSynchronousUpTo(20);
        List<String> visible = new ArrayList<>();
        for (Object found : daos.getResourceDao(type).searchForResourceIds(map, new SystemRequestDetails())) {
            IIdType id = (IIdType) found;
            IBaseResource current = access.current(new IdType(type, id.getIdPart()));
            if (current != null && access.visible(requester, adapter.who(request), current)) {
                visible.add(id.getIdPart());
            }
        }
        return visible.isEmpty() ? null : "_id=" + String.join(",", visible);
    }

    /** A body that breaks its profile is refused before any match, so a match cannot hide it. */
    private void validateFirst(IBaseResource resource) {
        validation.violations(resource).ifPresent(outcome -> {
            throw new UnprocessableEntityException(fhirContext, outcome);
        });
    }

    /**
     * Break-glass is for one named person: a read of one of their records, a search naming them
     * ({@code patient}, {@code subject}, or {@code _id} on Patient, one value), or their {@code $everything}.
     */
    private void breakGlassNamesOnePerson(RequestDetails request, RestOperationTypeEnum operation) {
        String purpose = request.getHeader(FhirConsentAdapter.PURPOSE_HEADER);
        if (!AccessRequest.BREAK_GLASS_PURPOSE.equals(purpose == null ? null : purpose.trim())) {
            return;
        }
        String patient =
                switch (operation) {
                    case READ, VREAD, HISTORY_INSTANCE, EXTENDED_OPERATION_INSTANCE -> patientOfRecord(request);
                    case SEARCH_TYPE -> namedInSearch(request);
                    case GET_PAGE -> NO_PATIENT;
                    default -> null;
                };
        if (patient == null) {
            throw new RoleRefusal("Break-glass refused: " + FhirConsentAdapter.PURPOSE_HEADER + ": ETREAT must name "
                    + "one person: read one of their records, or search with patient=, subject= (or _id= on "
                    + "Patient) naming one Patient");
        }
        request.getUserData().put(BREAK_GLASS_PATIENT, patient);
    }

    private String patientOfRecord(RequestDetails request) {
        IIdType id = request.getId();
        if (id == null || !id.hasIdPart()) {
            return null;
        }
        String type = request.getResourceName();
        if ("Patient".equals(type)) {
            return "Patient/" + id.getIdPart();
        }
        IBaseResource current = access.current(new IdType(type, id.getIdPart()));
        // A record that does not exist names nobody; the read then answers as for any missing record.
        return current == null
                ? NO_PATIENT
                : Optional.ofNullable(adapter.patientOf(current)).orElse(NO_PATIENT);
    }

    /**
     * The one Patient a search names: by reference ({@code patient=}, {@code subject=}; {@code _id=} on Patient) or
     * by NHS number through the patient ({@code subject:Patient.identifier=}, {@code patient.identifier=};
     * {@code identifier=} on Patient), resolved to its record; null unless exactly one is named.
     */
    private String namedInSearch(RequestDetails request) {
        Map<String, String[]> parameters = request.getParameters();
        boolean patientType = "Patient".equals(request.getResourceName());
        List<String> named = new ArrayList<>();
        for (Map.Entry<String, String[]> parameter : parameters.entrySet()) {
            String name = parameter.getKey();
            String[] values = parameter.getValue();
            boolean byReference = patientType ? name.equals("_id") : name.equals("patient") || name.equals("subject");
            boolean byIdentifier =
                    patientType ? name.equals("identifier") : name.matches("(patient|subject)(:Patient)?\\.identifier");
            if (!byReference && !byIdentifier) {
                continue;
            }
            if (values.length != 1 || values[0].contains(",")) {
                return null;
            }
            if (byReference) {
                named.add(values[0].startsWith("Patient/") ? values[0] : "Patient/" + values[0]);
            } else {
                SearchParameterMap map = matchUrls.translateMatchUrl(
                        "Patient?identifier=" + UrlUtil.escapeUrlParam(values[0]),
                        fhirContext.getResourceDefinition("Patient"));
                map.setLoadSynchronousUpTo(2);
                List<?> ids = daos.getResourceDao("Patient").searchForResourceIds(map, new SystemRequestDetails());
                if (ids.size() != 1) {
                    return ids.isEmpty() ? NO_PATIENT : null;
                }
                named.add("Patient/" + ((IIdType) ids.get(0)).getIdPart());
            }
        }
        return named.stream().distinct().count() == 1 ? named.get(0) : null;
    }

    // ---- while HAPI loads what it would show -------------------------------------------------------------

    /**
     * Drops (from searches, includes, history, paging) what the client does not reach, as HAPI loads it and before
     * its own authorization rules see it, which would refuse the whole response with 403 and so say that something
     * hidden matched. A history version is reached only if the record as it is now is reached too. One record
     * asked for by id that is not reached is "not known".
     */
    @Hook(value = Pointcut.STORAGE_PREACCESS_RESOURCES, order = -10)
    public void reach(RequestDetails request, IPreResourceAccessDetails details) {
        Optional<Requester> found = request == null ? Optional.empty() : bound(request);
        if (found.isEmpty()) {
            return;
        }
        RestOperationTypeEnum operation = request.getRestOperationType();
        if (operation == RestOperationTypeEnum.CREATE
                || operation == RestOperationTypeEnum.UPDATE
                || operation == RestOperationTypeEnum.PATCH) {
            // HAPI shows a write's own resource here, inside the write's transaction, where deciding could read
            // the store through the same persistence context mid-write; the body is decided in writeResponse.
            return;
        }
        if (loadedLazily(operation)) {
            // Asking for a search page's resources here makes HAPI load them a second time (they are not reused
            // for the response); they are decided as HAPI shows them, in reachShown.
            return;
        }
        boolean history = operation == RestOperationTypeEnum.VREAD
                || operation == RestOperationTypeEnum.HISTORY_INSTANCE
                || operation == RestOperationTypeEnum.HISTORY_TYPE
                || operation == RestOperationTypeEnum.HISTORY_SYSTEM;
        for (int i = 0; i < details.size(); i++) {
            IBaseResource resource = details.getResource(i);
            if (resource == null) {
                continue;
            }
            boolean reached = access.reaches(found.get(), resource);
            if (reached && history) {
                IBaseResource current = access.current(resource.getIdElement().withResourceType(resource.fhirType()));
                reached = current == null || access.reaches(found.get(), current);
            }
            if (!reached) {
                // HAPI answers a read whose one resource is not to be returned as not found.
                details.setDontReturnResourceAtIndex(i);
            }
        }
    }

    /**
     * A search page's resources (matches and includes), decided as HAPI is about to show them and before its own
     * authorization rules see them: what the client does not reach is taken out of the page, as {@link #reach} does
     * for everything else. So is a resource of a type its scopes do not let it read ({@code _include} and
     * {@code _revinclude} reach other types than the one searched): SMART scopes are permissions, and an operator
     * signed in to an app, whose token names only types about no one, must not reach people's records that way.
     */
    @Hook(value = Pointcut.STORAGE_PRESHOW_RESOURCES, order = -10)
    public void reachShown(RequestDetails request, IPreResourceShowDetails details) {
        if (request == null || !loadedLazily(request.getRestOperationType())) {
            return;
        }
        Optional<Requester> found = bound(request);
        if (found.isEmpty()) {
            return;
        }
        for (int i = 0; i < details.size(); i++) {
            IBaseResource resource = details.getResource(i);
            if (resource != null
                    && (!mayRead(found.get(), resource.fhirType()) || !access.reaches(found.get(), resource))) {
                details.setResource(i, null);
            }
        }
    }

    private static boolean mayRead(Requester requester, String type) {
        return requester.isGranted(type, SmartScope.Permission.READ)
                || requester.isGranted(type, SmartScope.Permission.SEARCH);
    }

    /** Searches and their pages: HAPI loads the resources of a page only when asked for them. */
    private static boolean loadedLazily(RestOperationTypeEnum operation) {
        return operation == RestOperationTypeEnum.SEARCH_TYPE
                || operation == RestOperationTypeEnum.SEARCH_SYSTEM
                || operation == RestOperationTypeEnum.GET_PAGE;
    }

    // ---- on the way out ----------------------------------------------------------------------------------

    /**
     * The body of a write is a read: one the client may not see (a record it may write but not read, or one the
     * write took out of its sight) goes without it, as with {@code Prefer: return=minimal}. Transaction and batch
     * responses likewise, entry by entry (search results inside them are decided by consent's layer).
     */
    @Hook(value = Pointcut.SERVER_OUTGOING_RESPONSE, order = -10)
    public void writeResponse(RequestDetails request, ResponseDetails response) {
        Optional<Requester> found = bound(request);
        RestOperationTypeEnum operation = request.getRestOperationType();
        if (found.isEmpty() || response.getResponseResource() == null || operation == null) {
            return;
        }
        switch (operation) {
            case CREATE, UPDATE, PATCH -> {
                if (!access.visible(found.get(), adapter.who(request), response.getResponseResource())) {
                    response.setResponseResource(null);
                }
            }
            case TRANSACTION -> {
                if (response.getResponseResource() instanceof Bundle bundle) {
                    List<Bundle.BundleEntryComponent> asked =
                            request.getResource() instanceof Bundle sent ? sent.getEntry() : List.of();
                    for (int i = 0; i < bundle.getEntry().size(); i++) {
                        Bundle.BundleEntryComponent entry = bundle.getEntry().get(i);
                        String status = entry.getResponse().getStatus();
                        if (status != null
                                && (status.startsWith("403") || status.startsWith("404") || status.startsWith("410"))) {
                            // A batch entry's refusal of one record, past the request's own checks, a deleted record
                            // and a missing one all read alike, as the same request alone would.
                            String type = i < asked.size()
                                            && asked.get(i).getRequest().hasUrl()
                                    ? typeOf(asked.get(i).getRequest().getUrl())
                                    : null;
                            entry.getResponse().setStatus("404 Not Found");
                            entry.getResponse()
                                    .setOutcome(new org.hl7.fhir.r4.model.OperationOutcome()
                                            .addIssue(
                                                    new org.hl7.fhir.r4.model.OperationOutcome
                                                                    .OperationOutcomeIssueComponent()
                                                            .setSeverity(
                                                                    org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity
                                                                            .ERROR)
                                                            .setCode(
                                                                    org.hl7.fhir.r4.model.OperationOutcome.IssueType
                                                                            .NOTFOUND)
                                                            .setDiagnostics(
                                                                    "Resource " + (type == null ? "" : type + " ")
                                                                            + "with this id is not known")));
                        }
                        if (entry.hasResource()
                                && !(entry.getResource() instanceof Bundle)
                                && !(entry.getResource() instanceof org.hl7.fhir.r4.model.OperationOutcome)
                                && !access.visible(found.get(), adapter.who(request), entry.getResource())) {
                            entry.setResource(null);
                        }
                    }
                }
            }
            default -> {}
        }
    }

    /**
     * Last on the way out: an entry that consent's layer emptied of its resource (it withholds a resource inside a
     * response by blanking it) would still carry the record's URL and id, so it goes entirely.
     */
    @Hook(value = Pointcut.SERVER_OUTGOING_RESPONSE, order = 5000)
    public void withoutEmptiedEntries(RequestDetails request, ResponseDetails response) {
        if (bound(request).isEmpty()
                || request.getRestOperationType() == RestOperationTypeEnum.TRANSACTION
                || !(response.getResponseResource() instanceof Bundle bundle)) {
            return;
        }
        dropEmptied(bundle);
    }

    private static void dropEmptied(Bundle bundle) {
        bundle.getEntry().removeIf(entry -> !entry.hasResource() && !entry.hasResponse());
        for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
            if (entry.getResource() instanceof Bundle nested) {
                dropEmptied(nested);
            }
        }
    }

    /**
     * A refusal of one record, once the request is past the checks that depend on no record, and the record's
     * absence or deletion, all answer alike: "not known". Error texts that quote SQL or the schema (HAPI's
     * conflict and internal errors do) say what happened in plain words instead; the log keeps the detail.
     */
    @Hook(Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION)
    public BaseServerResponseException uniformErrors(RequestDetails request, Throwable error) {
        if (request != null && bound(request).isPresent() && oneRecord(request)) {
            boolean afterChecks = Boolean.TRUE.equals(request.getUserData().get(HANDLING));
            boolean recordDependent = error instanceof ResourceNotFoundException
                    || error instanceof ResourceGoneException
                    || (error instanceof ForbiddenOperationException && !(error instanceof RoleRefusal) && afterChecks);
            if (recordDependent && request.getId() != null && request.getId().hasIdPart()) {
                log.debug(
                        "Request {} answered as not known: {}",
                        requestId(request),
                        uk.linkwell.gateway.ingest.SafeErrorText.of(error));
                return notKnown(
                        request.getId().hasResourceType()
                                ? request.getId()
                                : request.getId().withResourceType(request.getResourceName()));
            }
        }
        if (error instanceof BaseServerResponseException hapi
                && (hapi.getStatusCode() == 409 || hapi.getStatusCode() == 412 || hapi.getStatusCode() >= 500)
                && hapi.getMessage() != null
                && (SQL.matcher(hapi.getMessage()).find() || HapiTables.isSchemaText(hapi.getMessage()))) {
            log.info(
                    "FHIR request {} refused ({}): details withheld from the response",
                    requestId(request),
                    hapi.getStatusCode());
            return BaseServerResponseException.newInstance(hapi.getStatusCode(), plainWords(hapi.getStatusCode()));
        }
        return null;
    }

    private static String requestId(RequestDetails request) {
        return request == null ? "?" : request.getRequestId();
    }

    private static String plainWords(int status) {
        return switch (status) {
            case 409 -> "The record was changed by another request at the same time; send the request again";
            case 412 -> "The request's conditions could not be met";
            default -> "The request could not be completed; the gateway's log has the details";
        };
    }

    /** The resource type a batch entry's URL names, if it names one. */
    private static String typeOf(String url) {
        String path = url.split("[?#]", 2)[0];
        path = path.startsWith("/") ? path.substring(1) : path;
        String first = path.split("/", 2)[0];
        return first.matches("[A-Z][A-Za-z]+") ? first : null;
    }

    /** An interaction on one record, addressed by its id. */
    private static boolean oneRecord(RequestDetails request) {
        RestOperationTypeEnum operation = request.getRestOperationType();
        boolean byId = request.getId() != null && request.getId().hasIdPart();
        return byId
                && (operation == RestOperationTypeEnum.READ
                        || operation == RestOperationTypeEnum.VREAD
                        || operation == RestOperationTypeEnum.HISTORY_INSTANCE
                        || operation == RestOperationTypeEnum.UPDATE
                        || operation == RestOperationTypeEnum.PATCH
                        || operation == RestOperationTypeEnum.DELETE
                        || operation == RestOperationTypeEnum.EXTENDED_OPERATION_INSTANCE
                        || operation == RestOperationTypeEnum.EXTENDED_OPERATION_TYPE);
    }

    /**
     * What a missing record answers: the same status and text whether it is missing, deleted or hidden (the id is
     * not repeated: the client sent it).
     */
    static ResourceNotFoundException notKnown(IIdType id) {
        return new ResourceNotFoundException("Resource " + id.getResourceType() + " with this id is not known");
    }
}
