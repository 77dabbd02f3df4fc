package uk.linkwell.gateway.consent.audit;

import java.util.Date;
import java.util.LinkedHashSet;
import java.util.Set;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventAction;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventAgentComponent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventEntityComponent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventOutcome;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;

/**
 * Turns one {@link Disclosure} into a FHIR R4 AuditEvent in the IHE Basic Audit Log Patterns "privacy disclosure"
 * style: type DICOM 110106 Export, the requesting client and its organisation as agents, the patient and each
 * disclosed resource as entities, and the basis the decision rests on. A pure function of its input.
 */
public final class DisclosureAuditEvents {

    public static final String DICOM = "http://dicom.nema.org/resources/ontology/DCM";
    public static final String RESTFUL_INTERACTION = "http://hl7.org/fhir/restful-interaction";
    public static final String CHANNEL_SYSTEM = "https://fhir.linkwell.example/CodeSystem/disclosure-channel";
    public static final String PARTICIPATION_TYPE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";
    public static final String CLIENT_ROLE_SYSTEM = "https://fhir.linkwell.example/CodeSystem/client-role";
    public static final String CLIENT_ID_SYSTEM = "https://fhir.linkwell.example/Id/client-id";
    public static final String ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code";
    public static final String ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason";
    public static final String ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type";
    public static final String RESOURCE_TYPES = "http://hl7.org/fhir/resource-types";
    public static final String OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role";
    public static final String SOURCE_TYPE = "http://terminology.hl7.org/CodeSystem/security-source-type";
    public static final String BALP_ENTITY_TYPE = "https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType";
    /** Extension on the AuditEvent carrying the basis verbatim ({@code Consent/7#provision[0]}, {@code direct-care}). */
    public static final String BASIS_EXTENSION = "https://fhir.linkwell.example/StructureDefinition/disclosure-basis";
    /** {@code meta.tag} on break-glass disclosures: {@code AuditEvent?_tag=<system>|break-glass} is the review list. */
    public static final String REVIEW_TAG_SYSTEM = "https://fhir.linkwell.example/CodeSystem/audit-review";

    /**
     * A request id naming an inbound message ({@code inbound-message/42}): an access grant made by a message the
     * gateway applied. Its entity carries the message id as an identifier, as the Provenance of what it wrote does.
     */
    public static final String INBOUND_MESSAGE_PREFIX = "inbound-message/";

    public static final String INBOUND_MESSAGE_SYSTEM = "https://fhir.linkwell.example/Id/inbound-message";

    public static final String BREAK_GLASS_TAG = "break-glass";
    public static final String BREAK_GLASS_PURPOSE = "ETREAT";
    /** The channel of an access grant (see {@link AccessGrantAudit}). */
    public static final String ACCESS_GRANT = "access-grant";

    private DisclosureAuditEvents() {}

    /**
     * The AuditEvent for one disclosure; {@code sourceName} names this gateway (observer and custodian). An access
     * grant (channel {@code access-grant}) is a change of who may see the record rather than a disclosure: DICOM
     * 110136 Security Roles Changed, action update, the client that made the change as author and the
     * organisation given (or losing) access as information recipient.
     */
    public static AuditEvent toAuditEvent(Disclosure d, String sourceName) {
        AuditEvent event = new AuditEvent();
        String channel = d.channel() == null ? "unknown" : d.channel();
        boolean grant = ACCESS_GRANT.equals(channel);
        event.setType(
                grant ? new Coding(DICOM, "110136", "Security Roles Changed") : new Coding(DICOM, "110106", "Export"));
        Coding restful = restfulInteraction(channel);
        if (restful != null) {
            event.addSubtype(restful);
        }
        event.addSubtype(new Coding(CHANNEL_SYSTEM, channel, null));
        event.setAction(
                grant
                        ? AuditEventAction.U
                        : "fhir-operation".equals(channel) ? AuditEventAction.E : AuditEventAction.R);
        event.setRecorded(Date.from(d.at()));
        boolean denied = "deny".equals(d.decision());
        event.setOutcome(denied ? AuditEventOutcome._4 : AuditEventOutcome._0);
        if (d.decision() != null) {
            event.setOutcomeDesc(d.decision());
        }
        if (d.basis() != null) {
            event.addExtension(BASIS_EXTENSION, new StringType(d.basis()));
        }

        CodeableConcept purpose = purpose(d);
        if (purpose != null) {
            event.addPurposeOfEvent(purpose);
        }
        if (d.breakGlass()) {
            event.getMeta().addTag(REVIEW_TAG_SYSTEM, BREAK_GLASS_TAG, "Break-glass disclosure: review needed");
        }

        if (!grant || d.clientId() != null || d.practitioner() != null) {
            // A grant made by an inbound message has no client: the message entity says who sent it.
            event.addAgent(requester(d, purpose, grant));
        }
        if (d.organisation() != null && !d.organisation().isBlank()) {
            event.addAgent()
                    .setType(
                            grant
                                    ? concept(PARTICIPATION_TYPE, "IRCP", "information recipient")
                                    : concept(PARTICIPATION_TYPE, "RESP", "responsible party"))
                    .setWho(new Reference()
                            .setIdentifier(
                                    new Identifier().setSystem(ODS_SYSTEM).setValue(d.organisation()))
                            .setDisplay("ODS " + d.organisation()))
                    .setRequestor(false);
        }
        event.addAgent()
                .setType(concept(DICOM, "110153", "Source Role ID"))
                .setWho(new Reference().setDisplay(sourceName))
                .setRequestor(false);
        event.getSource()
                .setObserver(new Reference().setDisplay(sourceName))
                .addType(new Coding(SOURCE_TYPE, "4", "Application Server"));

        if (d.patient() != null && !d.patient().isBlank()) {
            event.addEntity()
                    .setWhat(new Reference(d.patient()))
                    .setType(new Coding(ENTITY_TYPE, "1", "Person"))
                    .setRole(new Coding(OBJECT_ROLE, "1", "Patient"));
        }
        Set<String> seen = new LinkedHashSet<>();
        if (d.patient() != null) {
            seen.add(d.patient());
        }
        for (String resource : d.resources()) {
            if (resource != null
                    && !resource.isBlank()
                    && seen.add(new IdType(resource).toUnqualifiedVersionless().getValue())) {
                event.addEntity()
                        .setWhat(new Reference(resource))
                        .setType(new Coding(RESOURCE_TYPES, resourceType(resource), null))
                        .setRole(new Coding(OBJECT_ROLE, "4", "Domain Resource"));
            }
        }
        AuditEventEntityComponent consent = consentEntity(d.basis());
        if (consent != null) {
            event.addEntity(consent);
        }
        if (d.requestId() != null && d.requestId().startsWith(INBOUND_MESSAGE_PREFIX)) {
            // By identifier, not reference: the message is a row of the message store, not a FHIR resource.
            String messageId = d.requestId().substring(INBOUND_MESSAGE_PREFIX.length());
            event.addEntity()
                    .setWhat(new Reference()
                            .setIdentifier(new Identifier()
                                    .setSystem(INBOUND_MESSAGE_SYSTEM)
                                    .setValue(messageId))
                            .setDisplay("inbound message " + messageId))
                    .setName(d.requestId())
                    .setType(new Coding(ENTITY_TYPE, "2", "System Object"));
        } else if (d.requestId() != null && !d.requestId().isBlank()) {
            // Named, not referenced: every entity.what is a literal reference (they are stored versioned).
            event.addEntity()
                    .setName(d.requestId())
                    .setType(new Coding(BALP_ENTITY_TYPE, "XrequestId", "X-Request-Id"));
        }
        return event;
    }

    private static AuditEventAgentComponent requester(Disclosure d, CodeableConcept purpose, boolean grant) {
        AuditEventAgentComponent agent = new AuditEventAgentComponent()
                .setType(
                        grant
                                ? concept(PARTICIPATION_TYPE, "AUT", "author")
                                : concept(PARTICIPATION_TYPE, "IRCP", "information recipient"))
                .setRequestor(true);
        if (d.role() != null) {
            agent.addRole(concept(CLIENT_ROLE_SYSTEM, d.role(), null));
        }
        Reference who = d.practitioner() != null && !d.practitioner().isBlank()
                ? new Reference(d.practitioner())
                : new Reference()
                        .setIdentifier(
                                new Identifier().setSystem(CLIENT_ID_SYSTEM).setValue(d.clientId()));
        agent.setWho(who.setDisplay(d.clientId()));
        if (d.clientId() != null) {
            agent.setAltId(d.clientId());
            agent.setName(d.clientId());
        }
        if (purpose != null) {
            agent.addPurposeOfUse(purpose.copy());
        }
        if (d.basis() != null) {
            agent.addPolicy(d.basis());
        }
        return agent;
    }

    /** The purpose of use; a break-glass disclosure always carries ETREAT, with its reason as the text. */
    private static CodeableConcept purpose(Disclosure d) {
        String code = d.breakGlass() ? BREAK_GLASS_PURPOSE : d.purposeOfUse();
        if (code == null || code.isBlank()) {
            return null;
        }
        CodeableConcept purpose = concept(ACT_REASON, code, null);
        if (d.breakGlass() && d.purposeOfUse() != null && !BREAK_GLASS_PURPOSE.equals(d.purposeOfUse())) {
            purpose.addCoding(new Coding(ACT_REASON, d.purposeOfUse(), null));
        }
        if (d.breakGlass() && d.breakGlassReason() != null) {
            purpose.setText(d.breakGlassReason());
        }
        return purpose;
    }

    /** A basis {@code Consent/<id>#<provision path>} names the Consent relied on: an entity of its own. */
    private static AuditEventEntityComponent consentEntity(String basis) {
        if (basis == null || !basis.startsWith("Consent/")) {
            return null;
        }
        int hash = basis.indexOf('#');
        String consent = hash < 0 ? basis : basis.substring(0, hash);
        AuditEventEntityComponent entity = new AuditEventEntityComponent()
                .setWhat(new Reference(consent))
                .setType(new Coding(RESOURCE_TYPES, "Consent", null))
                .setRole(new Coding(OBJECT_ROLE, "13", "Security Resource"));
        if (hash >= 0 && hash < basis.length() - 1) {
            entity.addDetail().setType("provision").setValue(new StringType(basis.substring(hash + 1)));
        }
        return entity;
    }

    private static Coding restfulInteraction(String channel) {
        return switch (channel) {
            case "fhir-read" -> new Coding(RESTFUL_INTERACTION, "read", "read");
            case "fhir-search" -> new Coding(RESTFUL_INTERACTION, "search-type", "search type");
            case "fhir-operation" -> new Coding(RESTFUL_INTERACTION, "operation", "operation");
            default -> null;
        };
    }

    private static String resourceType(String reference) {
        int slash = reference.indexOf('/');
        return slash < 0 ? reference : reference.substring(0, slash);
    }

    private static CodeableConcept concept(String system, String code, String display) {
        return new CodeableConcept(new Coding(system, code, display));
    }
}
