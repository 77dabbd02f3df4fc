package uk.linkwell.mappings.hl7v2;

import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;

/**
 * A discharge on a pathway that needs social-care follow-up becomes a ServiceRequest to the configured
 * care management team, carrying the pathway and the transfer summary the team builds on (discharge
 * date, current location, care provider, significant risk incidents). A cancelled discharge (A13)
 * revokes it.
 */
final class DischargeFollowUp {

    static final String SNOMED = "http://snomed.info/sct";
    static final String REFERRAL_TO_SOCIAL_SERVICES = "306206005";

    private DischargeFollowUp() {}

    static void map(MappingRun run, List<ClinicalMapping.RiskNote> risks) throws Hl7MappingException {
        if (run.encounter == null) {
            return;
        }
        if (run.event() == AdtEvent.A13) {
            revoke(run);
            return;
        }
        if (run.event() != AdtEvent.A03) {
            return;
        }
        DischargePathway pathway = run.dischargePathway;
        if (pathway == null || !run.config.followUpPathways().contains(pathway)) {
            return;
        }
        ServiceRequest request = base(run, ServiceRequest.ServiceRequestStatus.ACTIVE);
        request.addOrderDetail(new CodeableConcept()
                .addCoding(new Coding(DischargePathway.SYSTEM, pathway.fhirCode(), pathway.fhirDisplay())));
        request.addSupportingInfo(run.encounter.copy());
        risks.forEach(risk -> request.addSupportingInfo(risk.observation().copy()));
        request.addNote().setText(summary(run, risks));
        run.transaction.put(request, system(run), run.visitNumber);
    }

    /**
     * The pathway of a finished encounter: the configured field's value, else the configured default, else
     * none. A discharge is never refused for want of a pathway (a local Z-segment the trust may not send): it
     * is mapped, the Encounter finishes without a disposition, and the Bundle carries a note that the gateway
     * counts and shows on the stored message. Without a pathway there is no follow-up referral, because
     * guessing one could send the care team to someone who needs nothing or miss someone who does; a trust
     * whose PAS never sends the pathway may configure a default knowingly. An unknown value is still
     * refused (103) while {@code rejectUnknownPathwayValues}; otherwise it counts as no pathway.
     */
    static DischargePathway pathway(MappingRun run) throws Hl7MappingException {
        FieldLocator locator = run.config.pathwayField();
        java.util.Optional<SegmentView> segment = run.message.first(locator.segmentId());
        Hl7ErrorLocation location =
                segment.map(s -> s.at(locator.field(), 1, locator.component())).orElse(locator.location());
        String value =
                segment.map(s -> s.get(locator.field(), 1, locator.component())).orElse("");
        if (value.isEmpty()) {
            return absent(run, "discharge without a discharge-to-assess pathway (" + locator + ")");
        }
        DischargePathway pathway = run.config.pathwayFor(value);
        if (pathway != null) {
            return pathway;
        }
        if (run.config.rejectUnknownPathwayValues()) {
            throw run.error(
                    Hl7ErrorCode.TABLE_VALUE_NOT_FOUND,
                    location,
                    "discharge pathway value is not in the configured pathway table");
        }
        return absent(run, "discharge with an unrecognised discharge-to-assess pathway (" + locator + ")");
    }

    private static DischargePathway absent(MappingRun run, String what) {
        java.util.Optional<DischargePathway> fallback = run.config.defaultDischargePathway();
        run.note(
                uk.linkwell.mappings.MappingNotes.DISCHARGE_PATHWAY_MISSING,
                what
                        + fallback.map(p -> ": default pathway " + p.code() + " applied")
                                .orElse(": no follow-up"));
        return fallback.orElse(null);
    }

    private static void revoke(MappingRun run) throws Hl7MappingException {
        // Written even when no referral was sent: a revoked request is harmless, a live one after a
        // cancelled discharge would send the care team to someone still in hospital.
        ServiceRequest request = base(run, ServiceRequest.ServiceRequestStatus.REVOKED);
        request.addNote()
                .setText("Discharge cancelled by the hospital (ADT^A13, control id " + run.message.controlId() + ").");
        run.transaction.put(request, system(run), run.visitNumber);
    }

    private static ServiceRequest base(MappingRun run, ServiceRequest.ServiceRequestStatus status)
            throws Hl7MappingException {
        ServiceRequest request = new ServiceRequest();
        request.addIdentifier(TransactionBuilder.identifier(system(run), run.visitNumber));
        request.setStatus(status);
        request.setIntent(ServiceRequest.ServiceRequestIntent.ORDER);
        // LinkwellServiceRequest requires a priority; a discharge referral is routine (urgent is for an acute crisis).
        request.setPriority(ServiceRequest.ServiceRequestPriority.ROUTINE);
        request.setCode(new CodeableConcept()
                .addCoding(new Coding(SNOMED, REFERRAL_TO_SOCIAL_SERVICES, "Referral to social services")));
        request.setSubject(run.patient.copy());
        request.setEncounter(run.encounter.copy());
        request.setRequester(new Reference().setDisplay(run.facility));
        request.addPerformer(careTeam(run));
        // LinkwellServiceRequest requires authoredOn: the time the hospital sent the message (MSH-7).
        SegmentView msh = run.message.require("MSH");
        DateTimeType sent = run.dateTime(msh, 7);
        if (sent == null) {
            throw run.error(
                    Hl7ErrorCode.REQUIRED_FIELD_MISSING,
                    msh.at(7, 1, 1),
                    "message date/time is required for the discharge referral");
        }
        request.setAuthoredOnElement(sent);
        return request;
    }

    private static Reference careTeam(MappingRun run) {
        String ods = run.config.careTeamOdsCode();
        Organization team = new Organization();
        team.addIdentifier(TransactionBuilder.identifier(LinkwellSystems.ODS_ORGANIZATION, ods));
        if (run.config.careTeamName() != null) {
            team.setName(run.config.careTeamName());
        }
        Reference reference = run.transaction.createIfAbsent(team, LinkwellSystems.ODS_ORGANIZATION, ods);
        reference.setIdentifier(TransactionBuilder.identifier(LinkwellSystems.ODS_ORGANIZATION, ods));
        if (run.config.careTeamName() != null) {
            reference.setDisplay(run.config.careTeamName());
        }
        return reference;
    }

    private static String system(MappingRun run) {
        return LinkwellSystems.DISCHARGE_REFERRAL + run.facilitySlug;
    }

    private static String summary(MappingRun run, List<ClinicalMapping.RiskNote> risks) {
        Encounter encounter = run.encounterResource;
        List<String> lines = new ArrayList<>();
        lines.add("Transfer summary from " + run.facility + " (ADT^A03, control id " + run.message.controlId() + ")");
        lines.add("Discharge date: "
                + (encounter.getPeriod().hasEnd()
                        ? encounter.getPeriod().getEndElement().getValueAsString()
                        : "not stated"));
        String destination = encounter.getHospitalization().getDestination().getDisplay();
        lines.add("Current location: " + (destination != null ? destination : "not stated"));
        java.util.Set<String> providers = new java.util.LinkedHashSet<>();
        encounter.getParticipant().forEach(p -> {
            if (p.getIndividual().getDisplay() != null) {
                providers.add(p.getIndividual().getDisplay());
            }
        });
        providers.add(run.facility);
        lines.add("Care provider: " + String.join(", ", providers));
        if (risks.isEmpty()) {
            lines.add("Significant risk incidents in hospital: none recorded");
        } else {
            lines.add("Significant risk incidents in hospital:");
            risks.forEach(risk -> lines.add("- " + risk.text()));
        }
        return String.join("\n", lines);
    }
}
