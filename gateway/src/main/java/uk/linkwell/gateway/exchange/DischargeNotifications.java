package uk.linkwell.gateway.exchange;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Encounter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hospital discharge trigger: an Encounter that becomes {@code finished} (created finished, or updated to it
 * from another status), whatever door wrote it (an A03 over MLLP, a FHIR write), records one delivery to each
 * active Endpoint of the person's registered GP practice (Patient.generalPractitioner → Organization.endpoint),
 * in the write's own transaction, carrying the Encounter (dates, disposition: the discharge-to-assess pathway) and
 * the follow-up referral written with it, if any.
 */
@Interceptor
public class DischargeNotifications {

    private static final Logger log = LoggerFactory.getLogger(DischargeNotifications.class);

    private final ExchangeRecipients recipients;
    private final RecordsInTransaction followUps;

    DischargeNotifications(ExchangeRecipients recipients, RecordsInTransaction followUps) {
        this.recipients = recipients;
        this.followUps = followUps;
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
        String encounterRef = ExchangeRecipients.reference(encounter);
        Optional<String> patient = ExchangeRecipients.patient(encounter.getSubject());
        if (patient.isEmpty()) {
            return;
        }
        List<Delivery> recorded = recipients.record(
                Channels.DISCHARGE,
                recipients.registeredPractices(patient.get()),
                ExchangeRecipients.GP_ROLE,
                patient.get(),
                List.of(encounterRef));
        // The follow-up referral to the care management team, when the same write makes one (an A03 on pathway
        // 1-3): the practice is told of it too, as far as the person's consent lets it.
        followUps.attach(List.of(encounterRef), recorded);
        if (!recorded.isEmpty()) {
            log.info("Discharge in {}: {} deliveries recorded", encounterRef, recorded.size());
        }
    }
}
