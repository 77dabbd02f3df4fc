package uk.linkwell.gateway.workflow;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Task;
import uk.linkwell.profiles.LinkwellProfiles;

/**
 * What case reviews read and write in the store, as the gateway itself ({@code SystemRequestDetails}), inside the
 * transaction of the write that triggered them: nothing read here is shown to the requester.
 */
final class ReviewRecords {

    private final DaoRegistry daos;

    ReviewRecords(DaoRegistry daos) {
        this.daos = daos;
    }

    /** The person's cases with status active. */
    List<EpisodeOfCare> activeCases(String patient) {
        SearchParameterMap map = SearchParameterMap.newSynchronous()
                .add(EpisodeOfCare.SP_PATIENT, new ReferenceParam(patient))
                .add(EpisodeOfCare.SP_STATUS, new TokenParam("active"));
        return search(EpisodeOfCare.class, map);
    }

    /** The case's review Tasks in this status ({@code requested}: the open ones). */
    List<Task> reviews(String episode, Task.TaskStatus status) {
        SearchParameterMap map = SearchParameterMap.newSynchronous()
                .add(Task.SP_FOCUS, new ReferenceParam(episode))
                .add(Task.SP_CODE, new TokenParam(LinkwellProfiles.CARE_TASK_SYSTEM, CaseReviews.REVIEW_CODE))
                .add(Task.SP_STATUS, new TokenParam(status.toCode()));
        // The index is written before the pre-commit hooks run; the status is checked again on what it found.
        return search(Task.class, map).stream()
                .filter(t -> t.getStatus() == status)
                .toList();
    }

    /** The case's last completed review, by the day it was done (its execution end, else when it was written). */
    Optional<Task> lastCompleted(String episode) {
        return reviews(episode, Task.TaskStatus.COMPLETED).stream().max(Comparator.comparing(ReviewRecords::doneAt));
    }

    static java.util.Date doneAt(Task review) {
        if (review.getExecutionPeriod().hasEnd()) {
            return review.getExecutionPeriod().getEnd();
        }
        return review.getMeta().hasLastUpdated() ? review.getMeta().getLastUpdated() : review.getAuthoredOn();
    }

    /** A review Task, created unless one with its identifier already exists (a repeated trigger adds nothing). */
    void open(Task review) {
        Identifier id = review.getIdentifierFirstRep();
        daos.getResourceDao(Task.class)
                .create(review, "Task?identifier=" + id.getSystem() + "|" + id.getValue(), system());
    }

    void update(IBaseResource resource) {
        @SuppressWarnings("unchecked")
        IFhirResourceDao<IBaseResource> dao = daos.getResourceDao(resource.fhirType());
        dao.update(resource, system());
    }

    /** The case a review Task is about (its focus), if it is a stored EpisodeOfCare. */
    Optional<EpisodeOfCare> caseOf(Task review) {
        return read(review.getFocus(), "EpisodeOfCare", EpisodeOfCare.class);
    }

    /** The ODS code of an Organization reference, if it names a stored one that has one. */
    Optional<String> odsCode(Reference organisation) {
        return read(organisation, "Organization", Organization.class).flatMap(o -> o.getIdentifier().stream()
                .filter(i -> LinkwellProfiles.ODS_CODE_SYSTEM.equals(i.getSystem()) && i.hasValue())
                .map(Identifier::getValue)
                .findFirst());
    }

    /**
     * The care plans a review is of: those the review Task names ({@code basedOn}), else the person's active plans
     * written by the team managing the case or by its care manager.
     */
    List<CarePlan> plansOf(Task review, EpisodeOfCare episode) {
        List<String> authors = new java.util.ArrayList<>();
        if (episode.hasManagingOrganization()) {
            authors.add(versionless(episode.getManagingOrganization()));
        }
        if (episode.hasCareManager()) {
            authors.add(versionless(episode.getCareManager()));
        }
        SearchParameterMap map = SearchParameterMap.newSynchronous()
                .add(CarePlan.SP_SUBJECT, new ReferenceParam(versionless(episode.getPatient())))
                .add(CarePlan.SP_STATUS, new TokenParam("active"));
        // Only the person's plans by the team or the care manager, even when the review names others: a review
        // never changes another organisation's plan, or another person's.
        List<CarePlan> teams = search(CarePlan.class, map).stream()
                .filter(plan -> plan.hasAuthor() && authors.contains(versionless(plan.getAuthor())))
                .toList();
        List<String> named = review.getBasedOn().stream()
                .map(ReviewRecords::versionless)
                .filter(r -> r.startsWith("CarePlan/"))
                .toList();
        if (named.isEmpty()) {
            return teams;
        }
        return teams.stream()
                .filter(plan -> named.contains(
                        plan.getIdElement().toUnqualifiedVersionless().getValue()))
                .toList();
    }

    static String versionless(Reference reference) {
        IIdType id = reference.getReferenceElement();
        return id.hasResourceType() && id.hasIdPart() ? id.getResourceType() + "/" + id.getIdPart() : "";
    }

    private <T extends IBaseResource> Optional<T> read(Reference reference, String type, Class<T> as) {
        IIdType id = reference == null ? null : reference.getReferenceElement();
        if (id == null || !type.equals(id.getResourceType()) || !id.hasIdPart()) {
            return Optional.empty();
        }
        try {
            return Optional.of(daos.getResourceDao(as).read(new IdType(type, id.getIdPart()), system()));
        } catch (ResourceNotFoundException | ResourceGoneException e) {
            return Optional.empty();
        }
    }

    private <T extends IBaseResource> List<T> search(Class<T> type, SearchParameterMap map) {
        return daos.getResourceDao(type).searchForResources(map, system()).stream()
                .map(type::cast)
                .toList();
    }

    private static SystemRequestDetails system() {
        return new SystemRequestDetails();
    }
}
