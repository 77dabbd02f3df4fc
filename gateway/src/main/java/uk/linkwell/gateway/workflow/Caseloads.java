package uk.linkwell.gateway.workflow;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.DateParam;
import ca.uhn.fhir.rest.param.DateRangeParam;
import ca.uhn.fhir.rest.param.ParamPrefixEnum;
import ca.uhn.fhir.rest.param.ReferenceOrListParam;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.PositiveIntType;
import org.hl7.fhir.r4.model.PractitionerRole;
import org.hl7.fhir.r4.model.Task;
import uk.linkwell.profiles.LinkwellProfiles;

/**
 * Workers' caseloads as the store holds them: the active cases each manages as care manager, their cap, and the
 * care-process Tasks around them. Read as the gateway itself ({@code SystemRequestDetails}): the answers feed the
 * gateway's own checks and counts, and no record read here is shown to a client.
 */
public class Caseloads {

    static final String ALLOCATION = "allocation";
    static final String REVIEW = "review";
    /** The complexity codes, in the order $caseload reports them; cases without one count as "unrated". */
    static final List<String> COMPLEXITIES = List.of("red", "amber", "green");

    static final String UNRATED = "unrated";

    private final DaoRegistry daos;
    private final CaseloadProperties properties;

    public Caseloads(DaoRegistry daos, CaseloadProperties properties) {
        this.daos = daos;
        this.properties = properties;
    }

    /** The active cases whose care manager is the {@code practitioner} ({@code Practitioner/1}). */
    List<EpisodeOfCare> activeCases(String practitioner) {
        SearchParameterMap map = SearchParameterMap.newSynchronous()
                .add(EpisodeOfCare.SP_CARE_MANAGER, new ReferenceParam(practitioner))
                .add(EpisodeOfCare.SP_STATUS, new TokenParam("active"));
        return dao("EpisodeOfCare").searchForResources(map, system()).stream()
                .map(EpisodeOfCare.class::cast)
                .toList();
    }

    /**
     * The person behind a worker reference: the Practitioner itself, or a PractitionerRole's practitioner. Cases
     * name the person as care manager (the R4 {@code care-manager} search parameter indexes Practitioners only),
     * so a worker's caseload and cap are the person's across their roles.
     */
    Optional<String> practitionerOf(String worker) {
        IdType id = new IdType(worker);
        if ("Practitioner".equals(id.getResourceType())) {
            return read(id, org.hl7.fhir.r4.model.Practitioner.class).map(p -> worker);
        }
        return read(id, PractitionerRole.class).flatMap(Caseloads::practitionerOf);
    }

    /** The role's practitioner ({@code Practitioner/1}), if it names one by id. */
    static Optional<String> practitionerOf(PractitionerRole role) {
        IIdType practitioner = role.getPractitioner().getReferenceElement();
        return "Practitioner".equals(practitioner.getResourceType()) && practitioner.hasIdPart()
                ? Optional.of(practitioner.toUnqualifiedVersionless().getValue())
                : Optional.empty();
    }

    /**
     * The worker's cap: configured for the reference allocations name them by or for the person
     * ({@code linkwell.caseload.caps}), else on their PractitionerRole (extension caseload-cap), else the service's
     * ({@code linkwell.caseload.cap}). Configuration wins so that an operator can correct a cap without writing to
     * the directory.
     */
    int capOf(String worker, String practitioner) {
        IdType id = new IdType(worker);
        return capOf(
                worker,
                practitioner,
                "PractitionerRole".equals(id.getResourceType())
                        ? read(id, PractitionerRole.class).orElse(null)
                        : null);
    }

    /** As {@link #capOf(String, String)}, with the worker's PractitionerRole already read (null: none). */
    int capOf(String worker, String practitioner, PractitionerRole role) {
        Integer configured =
                properties.caps().getOrDefault(worker, properties.caps().get(practitioner));
        if (configured != null) {
            return configured;
        }
        if (role != null) {
            Optional<Integer> own = Optional.of(role)
                    .flatMap(r -> r.getExtensionsByUrl(LinkwellProfiles.CASELOAD_CAP_EXTENSION).stream()
                            .map(Extension::getValue)
                            .filter(PositiveIntType.class::isInstance)
                            .map(v -> ((PositiveIntType) v).getValue())
                            .findFirst());
            if (own.isPresent()) {
                return own.get();
            }
        }
        return properties.cap();
    }

    /** Open (requested) care-process Tasks of a kind owned by any of {@code owners}, optionally due within a range. */
    List<Task> openTasks(String kind, List<String> owners, Date dueFrom, Date dueBefore) {
        return tasks(openTasksQuery(kind, owners, dueFrom, dueBefore));
    }

    /** How many {@link #openTasks} there are, without loading them. */
    int countOpenTasks(String kind, List<String> owners, Date dueFrom, Date dueBefore) {
        return dao("Task")
                .searchForResourceIds(openTasksQuery(kind, owners, dueFrom, dueBefore), system())
                .size();
    }

    private static SearchParameterMap openTasksQuery(String kind, List<String> owners, Date dueFrom, Date dueBefore) {
        SearchParameterMap map = SearchParameterMap.newSynchronous()
                .add(Task.SP_CODE, new TokenParam(LinkwellProfiles.CARE_TASK_SYSTEM, kind))
                .add(Task.SP_STATUS, new TokenParam("requested"))
                .add(Task.SP_OWNER, anyOf(owners));
        if (dueFrom != null || dueBefore != null) {
            map.add(
                    "due-date",
                    new DateRangeParam(
                            dueFrom == null ? null : new DateParam(ParamPrefixEnum.GREATERTHAN_OR_EQUALS, dueFrom),
                            dueBefore == null ? null : new DateParam(ParamPrefixEnum.LESSTHAN, dueBefore)));
        }
        return map;
    }

    /** Completed allocation Tasks naming any of {@code owners}. */
    List<Task> allocationsTo(List<String> owners) {
        SearchParameterMap map = SearchParameterMap.newSynchronous()
                .add(Task.SP_CODE, new TokenParam(LinkwellProfiles.CARE_TASK_SYSTEM, ALLOCATION))
                .add(Task.SP_STATUS, new TokenParam("completed"))
                .add(Task.SP_OWNER, anyOf(owners));
        return tasks(map);
    }

    private static ReferenceOrListParam anyOf(List<String> references) {
        ReferenceOrListParam any = new ReferenceOrListParam();
        references.forEach(r -> any.addOr(new ReferenceParam(r)));
        return any;
    }

    /** The red/amber/green code of a case or Task's complexity-rating extension, or "unrated". */
    static String complexityOf(DomainResource resource) {
        return complexity(resource)
                .map(Extension::getValue)
                .filter(CodeableConcept.class::isInstance)
                .flatMap(v -> ((CodeableConcept) v)
                        .getCoding().stream()
                                .filter(c -> LinkwellProfiles.COMPLEXITY_RATING_SYSTEM.equals(c.getSystem()))
                                .map(c -> c.getCode())
                                .filter(COMPLEXITIES::contains)
                                .findFirst())
                .orElse(UNRATED);
    }

    static Optional<Extension> complexity(DomainResource resource) {
        return resource.getExtensionsByUrl(LinkwellProfiles.COMPLEXITY_RATING_EXTENSION).stream()
                .filter(Extension::hasValue)
                .findFirst();
    }

    <T extends IBaseResource> Optional<T> read(IdType id, Class<T> type) {
        try {
            return Optional.of(type.cast(daos.getResourceDao(type).read(id.toUnqualifiedVersionless(), system())));
        } catch (ResourceNotFoundException | ResourceGoneException e) {
            return Optional.empty();
        }
    }

    private List<Task> tasks(SearchParameterMap map) {
        return dao("Task").searchForResources(map, system()).stream()
                .map(Task.class::cast)
                .toList();
    }

    @SuppressWarnings("unchecked")
    private IFhirResourceDao<IBaseResource> dao(String type) {
        return daos.getResourceDao(type);
    }

    private static SystemRequestDetails system() {
        return new SystemRequestDetails();
    }
}
