package uk.linkwell.gateway.exchange;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Endpoint;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.PractitionerRole;
import org.hl7.fhir.r4.model.Reference;
import uk.linkwell.profiles.LinkwellProfiles;

/**
 * Where the triggers' deliveries go, as FHIR data read by the gateway itself: an Organization's active Endpoints on
 * a channel this gateway sends over (Organization.endpoint), a person's registered GP practices
 * (Patient.generalPractitioner); and the outbox rows recording one delivery to each, in the caller's transaction.
 */
public class ExchangeRecipients {

    /** The client role the consent engine judges a GP practice's system as. */
    public static final String GP_ROLE = "gp-system";

    /** One Endpoint of a receiving organisation, as the outbox records it. */
    public record Recipient(String endpoint, String channel, String address, String organisation) {}

    private final DaoRegistry daos;
    private final Outbox outbox;
    private final Clock clock;

    public ExchangeRecipients(DaoRegistry daos, Outbox outbox, Clock clock) {
        this.daos = daos;
        this.outbox = outbox;
        this.clock = clock;
    }

    /** The Endpoints of the person's registered GP practices (none when unknown, unregistered, or without one). */
    public List<Recipient> registeredPractices(String patient) {
        List<Recipient> recipients = new ArrayList<>();
        read(Patient.class, patient)
                .ifPresent(p -> p.getGeneralPractitioner().forEach(gp -> recipients.addAll(organisation(gp))));
        return recipients;
    }

    /**
     * The Endpoints of the organisation a reference names: an Organization, or a PractitionerRole's organization
     * (a referrer may be a person in a role); anything else has no Endpoint to tell.
     */
    public List<Recipient> organisation(Reference reference) {
        IIdType id = reference.getReferenceElement();
        if (!id.hasIdPart()) {
            return List.of();
        }
        if ("PractitionerRole".equals(id.getResourceType())) {
            return read(PractitionerRole.class, "PractitionerRole/" + id.getIdPart())
                    .filter(PractitionerRole::hasOrganization)
                    .map(role -> organisation(role.getOrganization()))
                    .orElse(List.of());
        }
        if (!"Organization".equals(id.getResourceType())) {
            return List.of();
        }
        Optional<Organization> organisation = read(Organization.class, "Organization/" + id.getIdPart());
        if (organisation.isEmpty()) {
            return List.of();
        }
        String ods = organisation.get().getIdentifier().stream()
                .filter(i -> LinkwellProfiles.ODS_CODE_SYSTEM.equals(i.getSystem()))
                .map(Identifier::getValue)
                .findFirst()
                .orElse(null);
        List<Recipient> recipients = new ArrayList<>();
        for (Reference endpointRef : organisation.get().getEndpoint()) {
            String endpointId = "Endpoint/" + endpointRef.getReferenceElement().getIdPart();
            Optional<Endpoint> endpoint = read(Endpoint.class, endpointId);
            if (endpoint.isEmpty()
                    || endpoint.get().getStatus() != Endpoint.EndpointStatus.ACTIVE
                    || !endpoint.get().hasAddress()) {
                continue;
            }
            Channels.of(endpoint.get())
                    .ifPresent(channel -> recipients.add(
                            new Recipient(endpointId, channel, endpoint.get().getAddress(), ods)));
        }
        return recipients;
    }

    /**
     * Records one delivery of the event to each recipient whose channel can express it, in the caller's transaction;
     * returns them (managed).
     */
    public List<Delivery> record(
            String event, List<Recipient> recipients, String role, String patient, List<String> focus) {
        List<Delivery> recorded = new ArrayList<>();
        for (Recipient recipient : recipients) {
            if (!Channels.carries(recipient.channel(), event)) {
                // Nothing to tell over this channel (an HL7 v2 Endpoint and a care plan): no row, not a dead one.
                continue;
            }
            recorded.add(outbox.record(new Delivery(
                    event,
                    recipient.endpoint(),
                    recipient.channel(),
                    recipient.address(),
                    recipient.organisation(),
                    role,
                    patient,
                    focus,
                    UUID.randomUUID().toString(),
                    clock.instant())));
        }
        return recorded;
    }

    /** {@code Patient/<id>} a reference names, if it names a Patient by id. */
    public static Optional<String> patient(Reference reference) {
        IIdType id = reference.getReferenceElement();
        return "Patient".equals(id.getResourceType()) && id.hasIdPart()
                ? Optional.of("Patient/" + id.getIdPart())
                : Optional.empty();
    }

    /**
     * A stay's diagnoses that are this person's Conditions ({@code Condition/<id>}; a reference to anyone else's, or
     * to another server, is not followed), at most {@value #MAX_DIAGNOSES} (the outbox row's focus column holds some
     * 2,000 characters).
     */
    List<String> diagnoses(Encounter encounter, String patient) {
        Set<String> conditions = new LinkedHashSet<>();
        for (Encounter.DiagnosisComponent diagnosis : encounter.getDiagnosis()) {
            if (conditions.size() == MAX_DIAGNOSES) {
                break;
            }
            IIdType id = diagnosis.getCondition().getReferenceElement();
            if ("Condition".equals(id.getResourceType()) && id.hasIdPart() && !id.hasBaseUrl()) {
                String reference = "Condition/" + id.getIdPart();
                read(Condition.class, reference)
                        .filter(c ->
                                patient(c.getSubject()).filter(patient::equals).isPresent())
                        .ifPresent(c -> conditions.add(reference));
            }
        }
        return List.copyOf(conditions);
    }

    static final int MAX_DIAGNOSES = 40;

    /** {@code Type/<id>} of a stored resource, without its version. */
    public static String reference(IBaseResource resource) {
        return resource.fhirType() + "/" + resource.getIdElement().getIdPart();
    }

    <T extends IBaseResource> Optional<T> read(Class<T> type, String reference) {
        try {
            return Optional.of(daos.getResourceDao(type).read(new IdType(reference), new SystemRequestDetails()));
        } catch (BaseServerResponseException e) {
            // Unknown or deleted: no one to tell through it.
            return Optional.empty();
        }
    }
}
