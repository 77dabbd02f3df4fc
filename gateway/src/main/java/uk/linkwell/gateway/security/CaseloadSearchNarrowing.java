package uk.linkwell.gateway.security;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeResourceDefinition;
import ca.uhn.fhir.context.RuntimeSearchParam;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.interceptor.auth.AuthorizedList;
import ca.uhn.fhir.rest.server.interceptor.auth.SearchNarrowingInterceptor;
import ca.uhn.fhir.util.BundleUtil;
import ca.uhn.fhir.util.UrlUtil;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.hl7.fhir.instance.model.api.IBaseBundle;

/**
 * Narrows every search to the requester's {@link Caseload}, so the database returns only reachable records and
 * paging and totals stay right.
 *
 * <p>A GP system's caseload is its registered list, which can run to tens of thousands of patients; rather
 * than a list of every one, its searches gain one chained clause, {@code patient:Patient.general-practitioner=
 * Organization/<practice>}, the same rule the list is computed by. (HAPI stores a search's parameters with the
 * search and reads them back for every page and total, so a list that long was paid for several times per
 * request.) Other roles' caseloads are short lists, which HAPI adds as {@code patient=...} or {@code _id=...}.
 * Task, outside FHIR's Patient compartment, HAPI does not narrow; it is narrowed here through its
 * {@code patient}.
 */
public class CaseloadSearchNarrowing extends SearchNarrowingInterceptor {

    static final String GENERAL_PRACTITIONER = "general-practitioner";

    private final CaseloadResolver caseloads;
    private final FhirContext fhirContext;
    private final PatientCompartment compartment;

    public CaseloadSearchNarrowing(
            CaseloadResolver caseloads, FhirContext fhirContext, PatientCompartment compartment) {
        this.caseloads = caseloads;
        this.fhirContext = fhirContext;
        this.compartment = compartment;
    }

    @Override
    protected AuthorizedList buildAuthorizedList(RequestDetails request) {
        Optional<Requester> requester = FhirRequesters.of(request);
        if (requester.isEmpty()) {
            return new AuthorizedList().addCompartment(Caseload.NOBODY.getValue());
        }
        if (requester.get().role() == ClientRole.HOSPITAL) {
            // Hospitals cannot search at all (SmartScopeInterceptor); nothing to narrow.
            return null;
        }
        if (requester.get().role() == ClientRole.GP_SYSTEM && !isOperation(request)) {
            // Searches are narrowed by registration below; reads are checked by the authorization rules.
            return null;
        }
        Caseload caseload = caseloads.caseloadOf(requester.get());
        if (caseload.everyone()) {
            return null;
        }
        return new AuthorizedList().addCompartments(caseload.patientReferences());
    }

    private static boolean isOperation(RequestDetails request) {
        RestOperationTypeEnum type = request.getRestOperationType();
        return type == RestOperationTypeEnum.EXTENDED_OPERATION_INSTANCE
                || type == RestOperationTypeEnum.EXTENDED_OPERATION_TYPE
                || type == RestOperationTypeEnum.EXTENDED_OPERATION_SERVER;
    }

    /**
     * Adds the caseload clause a type search needs beyond HAPI's own narrowing: the registration chain for a GP
     * system, the patient list for a Task search. Repeated parameters are ANDed, so a client's own clauses are
     * intersected with the caseload rather than replaced.
     */
    @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
    public void narrowSearch(RequestDetails request) {
        if (request.getRestOperationType() != RestOperationTypeEnum.SEARCH_TYPE) {
            return;
        }
        if (namesOnlyRegisteredPatients(request) || namesOnlyOwnTeamsTasks(request)) {
            return;
        }
        clause(request, request.getResourceName()).ifPresent(clause -> {
            Map<String, String[]> parameters = new LinkedHashMap<>(request.getParameters());
            String[] clauses = parameters.getOrDefault(clause.name(), new String[0]);
            String[] narrowed = Arrays.copyOf(clauses, clauses.length + 1);
            narrowed[clauses.length] = clause.value();
            parameters.put(clause.name(), narrowed);
            request.setParameters(parameters);
        });
    }

    /** The same for the searches inside a batch or transaction Bundle (HAPI narrows its own clauses there). */
    @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
    public void narrowBundleSearches(RequestDetails request, RestOperationTypeEnum operation) {
        if (operation != RestOperationTypeEnum.TRANSACTION || !(request.getResource() instanceof IBaseBundle bundle)) {
            return;
        }
        BundleUtil.processEntries(fhirContext, bundle, entry -> {
            String url = entry.getRequestUrl();
            if (entry.getRequestMethod() != RequestTypeEnum.GET || url == null) {
                return;
            }
            int query = url.indexOf('?');
            String path = query < 0 ? url : url.substring(0, query);
            if (path.startsWith("/")) {
                path = path.substring(1);
            }
            if (path.isEmpty()
                    || path.contains("/")
                    || !fhirContext.getResourceTypes().contains(path)) {
                return; // a read, history or operation: checked by the authorization rules, not narrowed
            }
            String type = path;
            clause(request, type)
                    .ifPresent(clause -> entry.setRequestUrl(
                            fhirContext,
                            url + (query < 0 ? "?" : "&") + UrlUtil.escapeUrlParam(clause.name()) + "="
                                    + UrlUtil.escapeUrlParam(clause.value())));
        });
    }

    /**
     * Whether a GP system's search already names the patients it is about ({@code CarePlan?patient=Patient/5},
     * {@code Patient?_id=5}) and every one is registered at the practice: the search is then inside the
     * registered list as it stands, and the registration chain would only make the database join through every
     * registered patient to find the one it was given.
     */
    private boolean namesOnlyRegisteredPatients(RequestDetails request) {
        Optional<Requester> requester = FhirRequesters.of(request);
        String type = request.getResourceName();
        if (requester.isEmpty()
                || requester.get().role() != ClientRole.GP_SYSTEM
                || type == null
                || !compartment.contains(type)) {
            return false;
        }
        boolean patientType = type.equals(PatientCompartment.NAME);
        String parameter = patientType ? "_id" : patientParameter(type);
        String[] clauses = parameter == null ? null : request.getParameters().get(parameter);
        if (clauses == null) {
            return false;
        }
        Set<String> registered = caseloads.caseloadOf(requester.get()).references();
        for (String clause : clauses) {
            boolean allRegistered = !clause.isBlank();
            for (String value : clause.split(",")) {
                String reference = patientType || (parameter.equals("patient") && !value.contains("/"))
                        ? PatientCompartment.NAME + "/" + value
                        : value;
                allRegistered &= registered.contains(reference);
            }
            if (allRegistered) {
                return true; // one ANDed clause confined to registered patients confines the whole search
            }
        }
        return false;
    }

    /**
     * Whether a Task search is confined to Tasks the requester's own organisation owns ({@code Task?owner=
     * Organization/<its id>}): the referrals addressed to its team, which it reaches before the person is on its
     * caseload ({@link AddressedReferrals}), so its worklist of incoming referrals is one search. Each Task found
     * still passes the read rules and the decision point.
     */
    private boolean namesOnlyOwnTeamsTasks(RequestDetails request) {
        Optional<Requester> requester = FhirRequesters.of(request);
        String[] clauses = request.getParameters().get("owner");
        if (!"Task".equals(request.getResourceName())
                || clauses == null
                || requester.isEmpty()
                || requester.get().organisation() == null
                || requester.get().role() == ClientRole.HOSPITAL) {
            return false;
        }
        Set<String> ours = caseloads.organisationIds(requester.get().organisation());
        for (String clause : clauses) {
            boolean allOurs = !clause.isBlank();
            for (String value : clause.split(",")) {
                allOurs &= ours.contains(value.contains("/") ? value : "Organization/" + value);
            }
            if (allOurs) {
                return true; // one ANDed clause confined to the team's own Tasks confines the whole search
            }
        }
        return false;
    }

    /** One search parameter and its value. */
    record Clause(String name, String value) {}

    private Optional<Clause> clause(RequestDetails request, String type) {
        if (type == null || !compartment.contains(type)) {
            return Optional.empty();
        }
        Optional<Requester> requester = FhirRequesters.of(request);
        if (requester.isPresent() && requester.get().role() == ClientRole.GP_SYSTEM) {
            return registrationClause(requester.get(), type);
        }
        if (!PatientCompartment.ADDED.containsKey(type)) {
            return Optional.empty(); // HAPI's narrowing covers the compartment's own types
        }
        String[] reachable;
        if (requester.isEmpty()) {
            reachable = new String[] {Caseload.NOBODY.getValue()};
        } else if (requester.get().role() == ClientRole.HOSPITAL) {
            return Optional.empty();
        } else {
            Caseload caseload = caseloads.caseloadOf(requester.get());
            if (caseload.everyone()) {
                return Optional.empty();
            }
            reachable = caseload.patientReferences();
        }
        return Optional.of(new Clause(PatientCompartment.ADDED.get(type), String.join(",", reachable)));
    }

    /**
     * A GP system reaches the patients registered at its practice: {@code Patient?general-practitioner=} the
     * practice's Organization, and the other types through their patient parameter chained to that.
     */
    private Optional<Clause> registrationClause(Requester requester, String type) {
        Set<String> practices = requester.organisation() == null
                ? Set.of()
                : new TreeSet<>(caseloads.organisationIds(requester.organisation()));
        String parameter = patientParameter(type);
        if (practices.isEmpty()) {
            // No such practice on the server: nobody is registered there.
            return Optional.of(
                    type.equals(PatientCompartment.NAME) || parameter == null
                            ? new Clause("_id", Caseload.NOBODY.getIdPart())
                            : new Clause(parameter, Caseload.NOBODY.getValue()));
        }
        String value = String.join(",", practices);
        if (type.equals(PatientCompartment.NAME)) {
            return Optional.of(new Clause(GENERAL_PRACTITIONER, value));
        }
        if (parameter == null) {
            // A compartment type with neither patient nor subject (none Linkwell holds): the explicit list.
            RuntimeResourceDefinition definition = fhirContext.getResourceDefinition(type);
            RuntimeSearchParam first = definition
                    .getSearchParamsForCompartmentName(PatientCompartment.NAME)
                    .get(0);
            return Optional.of(new Clause(
                    first.getName(),
                    String.join(",", caseloads.caseloadOf(requester).patientReferences())));
        }
        return Optional.of(new Clause(parameter + ":" + PatientCompartment.NAME + "." + GENERAL_PRACTITIONER, value));
    }

    /** The type's parameter naming the patient the record is about: {@code patient}, else {@code subject}. */
    private String patientParameter(String type) {
        RuntimeResourceDefinition definition = fhirContext.getResourceDefinition(type);
        for (String name : new String[] {"patient", "subject"}) {
            RuntimeSearchParam param = definition.getSearchParam(name);
            if (param != null
                    && (param.getTargets().isEmpty() || param.getTargets().contains(PatientCompartment.NAME))) {
                return name;
            }
        }
        return null;
    }
}
