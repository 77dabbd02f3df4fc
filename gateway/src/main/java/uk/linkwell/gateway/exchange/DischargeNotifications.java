package uk.linkwell.gateway.exchange;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Endpoint;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import uk.linkwell.profiles.LinkwellProfiles;

/**
 * The hospital discharge trigger: an Encounter that becomes {@code finished} (created finished, or updated to it
 * from another status), whatever door wrote it (an A03 over MLLP, a FHIR write), records one delivery to each
 * active Endpoint of the person's registered GP practice (Patient.generalPractitioner → Organization.endpoint),
 * in the write's own transaction.
 */
@Interceptor
public class DischargeNotifications {

    private static final Logger log = LoggerFactory.getLogger(DischargeNotifications.class);

    /** The client role the consent engine judges a practice's system as. */
    static final String GP_ROLE = "gp-system";

    private final DaoRegistry daos;
    private final Outbox outbox;
    private final Clock clock;

    public DischargeNotifications(DaoRegistry daos, Outbox outbox, Clock clock) {
        this.daos = daos;
        this.outbox = outbox;
        this.clock = clock;
    }

    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
    public void created(IBaseResource resource) {
        if (resource instanceof Encounter encounter && finished(encounter)) {
            discharged(encounter);
        }
    }

    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
    public void updated(IBaseResource previous, IBaseResource resource) {
        if (resource instanceof Encounter encounter
                && finished(encounter)
                && !(previous instanceof Encounter before && finished(before))) {
            discharged(encounter);
        }
    }

    private static boolean finished(Encounter encounter) {
        return encounter.getStatus() == Encounter.EncounterStatus.FINISHED;
    }

    private void discharged(Encounter encounter) {
        String encounterRef = "Encounter/" + encounter.getIdElement().getIdPart();
        IIdType subject = encounter.getSubject().getReferenceElement();
        if (!"Patient".equals(subject.getResourceType()) || !subject.hasIdPart()) {
            return;
        }
        String patientRef = "Patient/" + subject.getIdPart();
        Optional<Patient> patient = read(Patient.class, patientRef);
        if (patient.isEmpty()) {
            return;
        }
        int recorded = 0;
        for (Reference practice : patient.get().getGeneralPractitioner()) {
            IIdType practiceId = practice.getReferenceElement();
            if (!"Organization".equals(practiceId.getResourceType())) {
                continue;
            }
            Optional<Organization> organisation = read(Organization.class, "Organization/" + practiceId.getIdPart());
            if (organisation.isEmpty()) {
                continue;
            }
            String ods = organisation.get().getIdentifier().stream()
                    .filter(i -> LinkwellProfiles.ODS_CODE_SYSTEM.equals(i.getSystem()))
                    .map(Identifier::getValue)
                    .findFirst()
                    .orElse(null);
            for (Reference endpointRef : organisation.get().getEndpoint()) {
                IIdType endpointId = endpointRef.getReferenceElement();
                Optional<Endpoint> endpoint = read(Endpoint.class, "Endpoint/" + endpointId.getIdPart());
                if (endpoint.isEmpty() || endpoint.get().getStatus() != Endpoint.EndpointStatus.ACTIVE) {
                    continue;
                }
                Optional<String> channel = Channels.of(endpoint.get());
                if (channel.isEmpty() || !endpoint.get().hasAddress()) {
                    continue;
                }
                Delivery delivery = outbox.record(new Delivery(
                        Channels.DISCHARGE,
                        "Endpoint/" + endpointId.getIdPart(),
                        channel.get(),
                        endpoint.get().getAddress(),
                        ods,
                        GP_ROLE,
                        patientRef,
                        List.of(encounterRef),
                        UUID.randomUUID().toString(),
                        clock.instant()));
                recorded++;
                log.debug(
                        "Discharge in {} to be delivered to {} ({})",
                        encounterRef,
                        delivery.getEndpoint(),
                        channel.get());
            }
        }
        if (recorded > 0) {
            log.info("Discharge in {}: {} deliveries recorded", encounterRef, recorded);
        }
    }

    private <T extends IBaseResource> Optional<T> read(Class<T> type, String reference) {
        try {
            return Optional.of(daos.getResourceDao(type).read(new IdType(reference), new SystemRequestDetails()));
        } catch (BaseServerResponseException e) {
            // Unknown or deleted: no one to tell through it.
            return Optional.empty();
        }
    }
}
