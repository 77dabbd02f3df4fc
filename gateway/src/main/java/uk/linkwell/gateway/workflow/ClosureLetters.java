package uk.linkwell.gateway.workflow;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import java.time.Clock;
import java.util.Date;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import uk.linkwell.profiles.LinkwellPackage;

/**
 * The closure letter (care process step 7): a case closed through the FHIR API (an EpisodeOfCare that becomes
 * {@code finished}) gets its letter to the person, copied to their registered GP practice, as a LinkwellCommunication
 * written by the gateway in the same database transaction, from the team that managed the case. A conditional
 * create on an identifier derived from the episode, so the letter is written once. Writes by the inbound doors are
 * left alone: the {@code case-closed} case event brings the council's own letter.
 */
@Interceptor
public class ClosureLetters {

    private static final Logger log = LoggerFactory.getLogger(ClosureLetters.class);

    static final String IDENTIFIER = LinkwellPackage.CANONICAL_BASE + "/Id/case-closure-letter";
    static final String CATEGORY = LinkwellPackage.CANONICAL_BASE + "/CodeSystem/communication-category";

    private final DaoRegistry daos;
    private final Clock clock;

    public ClosureLetters(DaoRegistry daos, Clock clock) {
        this.daos = daos;
        this.clock = clock;
    }

    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
    public void created(IBaseResource resource, RequestDetails request) {
        if (resource instanceof EpisodeOfCare episode && finished(episode) && isRest(request)) {
            write(episode);
        }
    }

    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
    public void updated(IBaseResource previous, IBaseResource resource, RequestDetails request) {
        if (resource instanceof EpisodeOfCare episode
                && finished(episode)
                && !(previous instanceof EpisodeOfCare before && finished(before))
                && isRest(request)) {
            write(episode);
        }
    }

    private static boolean finished(EpisodeOfCare episode) {
        return episode.getStatus() == EpisodeOfCare.EpisodeOfCareStatus.FINISHED;
    }

    /** Only writes through the FHIR API: the inbound routes write as the gateway on behalf of their sources. */
    private static boolean isRest(RequestDetails request) {
        return request != null && !(request instanceof SystemRequestDetails);
    }

    private void write(EpisodeOfCare episode) {
        String episodeId = episode.getIdElement().getIdPart();
        Optional<Organization> team = episode.hasManagingOrganization()
                ? read(Organization.class, episode.getManagingOrganization())
                : Optional.empty();
        Optional<Patient> patient = read(Patient.class, episode.getPatient());
        if (team.isEmpty() || patient.isEmpty()) {
            // LinkwellCommunication needs a sender: without the managing team there is no one to sign the letter.
            log.info(
                    "EpisodeOfCare/{} closed without a managing organisation or patient: no closure letter", episodeId);
            return;
        }
        Communication letter = new Communication();
        letter.addIdentifier().setSystem(IDENTIFIER).setValue(episodeId);
        letter.setStatus(Communication.CommunicationStatus.COMPLETED);
        letter.addCategory(new CodeableConcept(new Coding(CATEGORY, "closure-letter", "Closure letter")));
        letter.setSubject(episode.getPatient().copy());
        letter.addAbout(new Reference("EpisodeOfCare/" + episodeId));
        letter.addRecipient(episode.getPatient().copy());
        patient.get().getGeneralPractitioner().forEach(practice -> letter.addRecipient(practice.copy()));
        letter.setSender(episode.getManagingOrganization().copy());
        Date now = Date.from(clock.instant());
        letter.setSentElement(new DateTimeType(now));
        letter.addPayload().setContent(new StringType(text(episode, team.get())));
        daos.getResourceDao(Communication.class)
                .create(letter, "Communication?identifier=" + IDENTIFIER + "|" + episodeId, new SystemRequestDetails());
        log.info("EpisodeOfCare/{} closed; closure letter written", episodeId);
    }

    static String text(EpisodeOfCare episode, Organization team) {
        StringBuilder text = new StringBuilder("Your case with ");
        text.append(team.hasName() ? team.getName() : "the team");
        String service = episode.getTypeFirstRep().getText();
        if (service != null && !service.isBlank()) {
            text.append(" (").append(service.trim()).append(')');
        }
        text.append(" has closed");
        if (episode.getPeriod().hasEnd()) {
            text.append(" on ").append(episode.getPeriod().getEndElement().asStringValue(), 0, 10);
        }
        text.append(". This letter is copied to your GP practice. Please contact the team if your needs change.");
        return text.toString();
    }

    private <T extends IBaseResource> Optional<T> read(Class<T> type, Reference reference) {
        IdType id = new IdType(reference.getReference() == null ? "" : reference.getReference());
        if (!id.hasIdPart() || !type.getSimpleName().equals(id.getResourceType())) {
            return Optional.empty();
        }
        try {
            return Optional.of(
                    daos.getResourceDao(type).read(id.toUnqualifiedVersionless(), new SystemRequestDetails()));
        } catch (BaseServerResponseException e) {
            return Optional.empty();
        }
    }
}
