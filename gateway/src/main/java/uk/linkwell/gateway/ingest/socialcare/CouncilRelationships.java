package uk.linkwell.gateway.ingest.socialcare;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceOrListParam;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.Task;
import org.springframework.stereotype.Component;
import uk.linkwell.gateway.consent.AuthorOrganisationStamp;
import uk.linkwell.profiles.LinkwellProfiles;

/**
 * Whether a council has a legitimate relationship with a person, which its case events need before they are
 * applied: an EpisodeOfCare managed by the council or one of its teams, or a referral addressed to one of them (a
 * ServiceRequest's performer, a Task's owner, e.g. a GP's referral or a hospital's discharge follow-up to the care
 * management team) that another organisation made. The council's own records do not count (those its case
 * events, CLD returns or FHIR writes made): otherwise it could address a referral to itself and gain the person.
 */
@Component
public class CouncilRelationships {

    static final String NHS_NUMBER_SYSTEM = LinkwellProfiles.NHS_NUMBER_SYSTEM;
    static final String LA_PERSON_SYSTEM_PREFIX = "https://fhir.linkwell.example/Id/la-person/";
    /** Identifiers of what a council's own case events and CLD returns write: {@code <prefix><council>/<kind>}. */
    static final String SOCIALCARE_ID_PREFIX = "https://fhir.linkwell.example/Id/socialcare/";

    /** A person with more Patients than this is a matching problem the worker reports anyway; none is looked at. */
    private static final int MAX_PATIENTS = 5;

    private final DaoRegistry daos;
    private final SocialCareProperties properties;

    public CouncilRelationships(DaoRegistry daos, SocialCareProperties properties) {
        this.daos = daos;
        this.properties = properties;
    }

    /**
     * What the store says of a council and a person.
     *
     * @param personKnown whether a Patient has the person's identifier
     * @param via         the record the relationship rests on ({@code ServiceRequest/12}), null when there is none
     */
    public record Finding(boolean personKnown, String via) {

        public boolean related() {
            return via != null;
        }
    }

    /**
     * Looks the person up by identifier ({@code system}, {@code value}: an NHS number, or the council's person id)
     * and the council's relationship with them, as the store holds it now.
     */
    public Finding between(String council, String system, String value) {
        List<String> patients = patients(system, value);
        if (patients.isEmpty()) {
            return new Finding(false, null);
        }
        Set<String> codes = properties.codesOf(council);
        List<String> organisations = organisations(codes);
        if (organisations.isEmpty()) {
            return new Finding(true, null);
        }
        Optional<String> via = managedEpisode(patients, organisations)
                .or(() -> addressed("ServiceRequest", "subject", "performer", patients, organisations, codes))
                .or(() -> addressed("Task", "patient", "owner", patients, organisations, codes));
        return new Finding(true, via.orElse(null));
    }

    /** The ODS codes whose referrals count for the council: its own and its teams' (for the reason the log gives). */
    public Set<String> codesOf(String council) {
        return properties.codesOf(council);
    }

    private List<String> patients(String system, String value) {
        SearchParameterMap map = SearchParameterMap.newSynchronous();
        map.setLoadSynchronousUpTo(MAX_PATIENTS);
        map.add("identifier", new TokenParam(system, value));
        return dao("Patient").searchForResourceIds(map, system()).stream()
                .map(id -> "Patient/" + id.getIdPart())
                .toList();
    }

    private List<String> organisations(Collection<String> codes) {
        TokenOrListParam any = new TokenOrListParam();
        codes.forEach(code -> any.add(new TokenParam(LinkwellProfiles.ODS_CODE_SYSTEM, code)));
        SearchParameterMap map = SearchParameterMap.newSynchronous().add("identifier", any);
        return dao("Organization").searchForResourceIds(map, system()).stream()
                .map(id -> "Organization/" + id.getIdPart())
                .toList();
    }

    private Optional<String> managedEpisode(List<String> patients, List<String> organisations) {
        SearchParameterMap map = SearchParameterMap.newSynchronous()
                .add(EpisodeOfCare.SP_PATIENT, anyOf(patients))
                .add(EpisodeOfCare.SP_ORGANIZATION, anyOf(organisations));
        for (IBaseResource r : dao("EpisodeOfCare").searchForResources(map, system())) {
            EpisodeOfCare episode = (EpisodeOfCare) r;
            if (episode.getStatus() != EpisodeOfCare.EpisodeOfCareStatus.ENTEREDINERROR) {
                return Optional.of(reference(episode));
            }
        }
        return Optional.empty();
    }

    /** A ServiceRequest or Task about the person addressed to the council or a team, made by someone else. */
    private Optional<String> addressed(
            String type,
            String patientParameter,
            String addresseeParameter,
            List<String> patients,
            List<String> organisations,
            Set<String> codes) {
        SearchParameterMap map = SearchParameterMap.newSynchronous()
                .add(patientParameter, anyOf(patients))
                .add(addresseeParameter, anyOf(organisations));
        for (IBaseResource r : dao(type).searchForResources(map, system())) {
            Resource resource = (Resource) r;
            boolean inError = resource instanceof ServiceRequest request
                            && request.getStatus() == ServiceRequest.ServiceRequestStatus.ENTEREDINERROR
                    || resource instanceof Task task && task.getStatus() == Task.TaskStatus.ENTEREDINERROR;
            if (!inError && !recordedByCouncil(resource, codes)) {
                return Optional.of(reference(resource));
            }
        }
        return Optional.empty();
    }

    /** Written by the council or one of its teams: tagged as their FHIR write, or one of their own identifiers. */
    private static boolean recordedByCouncil(Resource resource, Set<String> codes) {
        boolean tagged = resource.getMeta().getTag().stream()
                .anyMatch(t -> AuthorOrganisationStamp.TAG_SYSTEM.equals(t.getSystem()) && codes.contains(t.getCode()));
        if (tagged) {
            return true;
        }
        List<Identifier> identifiers = resource instanceof ServiceRequest request
                ? request.getIdentifier()
                : resource instanceof Task task ? task.getIdentifier() : List.of();
        return identifiers.stream()
                .map(Identifier::getSystem)
                .anyMatch(system -> system != null
                        && codes.stream().anyMatch(code -> system.startsWith(SOCIALCARE_ID_PREFIX + code + "/")));
    }

    private static ReferenceOrListParam anyOf(List<String> references) {
        ReferenceOrListParam any = new ReferenceOrListParam();
        references.forEach(ref -> any.add(new ReferenceParam(ref)));
        return any;
    }

    private static String reference(IBaseResource resource) {
        return resource.getIdElement().toUnqualifiedVersionless().getValue();
    }

    @SuppressWarnings("unchecked")
    private IFhirResourceDao<IBaseResource> dao(String type) {
        return daos.getResourceDao(type);
    }

    private static SystemRequestDetails system() {
        return new SystemRequestDetails();
    }
}
