package uk.linkwell.gateway.exchange;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import uk.linkwell.mappings.hl7v2.DischargePathway;

/**
 * The discharge follow-up trigger: a discharge referral (an active ServiceRequest on a discharge-to-assess pathway,
 * as an A03 on pathway 1-3 writes it for the care management team) records one delivery to each active Endpoint of
 * each organisation it is addressed to ({@code ServiceRequest.performer}): the team's own system by FHIR message,
 * the council's case system as a CloudEvent, whatever Endpoints the organisation registers. The referral carries
 * the transfer summary. The GP practice's discharge delivery recorded in the same transaction takes it in too.
 */
@Interceptor
public class DischargeFollowUpNotifications {

    private static final Logger log = LoggerFactory.getLogger(DischargeFollowUpNotifications.class);

    private final ExchangeRecipients recipients;
    private final RecordsInTransaction followUps;
    private final String recipientRole;

    DischargeFollowUpNotifications(
            ExchangeRecipients recipients, RecordsInTransaction followUps, String recipientRole) {
        this.recipients = recipients;
        this.followUps = followUps;
        this.recipientRole = recipientRole;
    }

    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
    public void created(IBaseResource resource) {
        if (resource instanceof ServiceRequest request && followUp(request)) {
            referred(request);
        }
    }

    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
    public void updated(IBaseResource previous, IBaseResource resource) {
        // A cancelled discharge (A13 revokes the referral) followed by a new one makes it active again: told again.
        if (resource instanceof ServiceRequest request
                && followUp(request)
                && !(previous instanceof ServiceRequest before && followUp(before))) {
            referred(request);
        }
    }

    /** An active referral on a discharge-to-assess pathway. */
    static boolean followUp(ServiceRequest request) {
        return request.getStatus() == ServiceRequest.ServiceRequestStatus.ACTIVE
                && request.getOrderDetail().stream()
                        .flatMap(detail -> detail.getCoding().stream())
                        .anyMatch(coding -> DischargePathway.SYSTEM.equals(coding.getSystem()));
    }

    private void referred(ServiceRequest request) {
        Optional<String> patient = ExchangeRecipients.patient(request.getSubject());
        if (patient.isEmpty()) {
            return;
        }
        String requestRef = ExchangeRecipients.reference(request);
        if (request.hasEncounter()
                && request.getEncounter().getReferenceElement().hasIdPart()) {
            // The practice's discharge notice, when the discharge is written in this transaction (an A03).
            followUps.written(
                    "Encounter/" + request.getEncounter().getReferenceElement().getIdPart(), requestRef);
        }
        Set<String> endpoints = new LinkedHashSet<>();
        List<ExchangeRecipients.Recipient> teams = new ArrayList<>();
        request.getPerformer().forEach(performer -> recipients.organisation(performer).stream()
                .filter(r -> endpoints.add(r.endpoint()))
                .forEach(teams::add));
        List<Delivery> recorded = recipients.record(
                Channels.DISCHARGE_FOLLOW_UP, teams, recipientRole, patient.get(), List.of(requestRef));
        if (!recorded.isEmpty()) {
            log.info(
                    "Discharge referral {}: {} deliveries to the teams it is addressed to recorded",
                    requestRef,
                    recorded.size());
        }
    }
}
