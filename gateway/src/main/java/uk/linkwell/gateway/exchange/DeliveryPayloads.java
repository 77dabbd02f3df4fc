package uk.linkwell.gateway.exchange;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.MessageHeader;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;

/**
 * Builds what a delivery carries: the resources as they are now (read from the store at send time), and the
 * channel's envelope around what the consent engine let through: a FHIR message Bundle, or a CloudEvents 1.0
 * structured-mode JSON event.
 */
public class DeliveryPayloads {

    public static final String CLOUD_EVENT_TYPE_PREFIX = "uk.linkwell.exchange.";

    private final FhirContext fhirContext;
    private final DaoRegistry daos;
    private final ObjectMapper json;
    private final ExchangeProperties properties;

    public DeliveryPayloads(
            FhirContext fhirContext, DaoRegistry daos, ObjectMapper json, ExchangeProperties properties) {
        this.fhirContext = fhirContext;
        this.daos = daos;
        this.json = json;
        this.properties = properties;
    }

    /** A collection Bundle of the named resources as they are now; those no longer in the store are left out. */
    public Bundle current(List<String> references) {
        Bundle bundle = new Bundle().setType(Bundle.BundleType.COLLECTION);
        for (String reference : references) {
            read(reference)
                    .ifPresent(resource ->
                            bundle.addEntry().setFullUrl(fullUrl(reference)).setResource((Resource) resource));
        }
        return bundle;
    }

    private Optional<IBaseResource> read(String reference) {
        IdType id = new IdType(reference);
        try {
            return Optional.of(daos.getResourceDao(id.getResourceType()).read(id, new SystemRequestDetails()));
        } catch (BaseServerResponseException e) {
            return Optional.empty();
        }
    }

    /**
     * The permitted resources with each Encounter's diagnoses cut down to the Conditions that are sent too: a
     * diagnosis the consent engine withheld is not named (its reference, its display) in the stay that is sent.
     */
    public Bundle withoutUnsentDiagnoses(Bundle permitted) {
        java.util.Set<String> sent = new java.util.HashSet<>();
        for (Bundle.BundleEntryComponent entry : permitted.getEntry()) {
            if (entry.hasResource()) {
                sent.add(entry.getResource().fhirType() + "/"
                        + entry.getResource().getIdElement().getIdPart());
            }
        }
        for (Bundle.BundleEntryComponent entry : permitted.getEntry()) {
            if (entry.getResource() instanceof org.hl7.fhir.r4.model.Encounter encounter) {
                encounter
                        .getDiagnosis()
                        .removeIf(
                                d -> !sent.contains(new IdType(d.getCondition().getReference())
                                        .toUnqualifiedVersionless()
                                        .getValue()));
            }
        }
        return permitted;
    }

    /** The entry's fullUrl: under the configured FHIR base, or a stable {@code urn:uuid:} name without one. */
    String fullUrl(String reference) {
        String versionless = new IdType(reference).toUnqualifiedVersionless().getValue();
        return properties.fullUrlBase().isEmpty()
                ? "urn:uuid:" + UUID.nameUUIDFromBytes(versionless.getBytes(StandardCharsets.UTF_8))
                : properties.fullUrlBase() + "/" + versionless;
    }

    /**
     * A FHIR message: MessageHeader first (id = the idempotency key, the event from Linkwell's exchange-event
     * CodeSystem, this gateway as source, the Endpoint's address as destination, focus on the focus resources that
     * are in {@code permitted}), then the permitted resources.
     */
    public Bundle message(Delivery delivery, Bundle permitted, Instant now) {
        MessageHeader header = new MessageHeader();
        header.setId(delivery.getIdempotencyKey());
        header.setEvent(new Coding(Channels.EVENTS, delivery.getEvent(), null));
        header.getSource().setEndpoint(properties.source()).setName("Linkwell gateway");
        header.addDestination().setEndpoint(delivery.getAddress());
        List<String> focus = delivery.getFocus().stream().map(this::fullUrl).toList();
        for (Bundle.BundleEntryComponent entry : permitted.getEntry()) {
            if (focus.contains(entry.getFullUrl())) {
                header.addFocus(new Reference(entry.getFullUrl()));
            }
        }
        Bundle message = new Bundle().setType(Bundle.BundleType.MESSAGE);
        message.setId(delivery.getIdempotencyKey());
        message.setTimestamp(Date.from(now));
        message.addEntry()
                .setFullUrl("urn:uuid:" + delivery.getIdempotencyKey())
                .setResource(header);
        permitted.getEntry().forEach(message::addEntry);
        return message;
    }

    /** FHIR JSON bytes (UTF-8) of a Bundle. */
    public byte[] fhirJson(Bundle bundle) {
        return fhirContext.newJsonParser().encodeResourceToString(bundle).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A CloudEvents 1.0 event in structured mode: {@code id} the idempotency key, {@code type}
     * {@code uk.linkwell.exchange.<event>}, {@code data} the permitted resources as a FHIR JSON Bundle.
     */
    public byte[] cloudEvent(Delivery delivery, Bundle permitted, Instant now) {
        ObjectNode event = json.createObjectNode();
        event.put("specversion", "1.0");
        event.put("id", delivery.getIdempotencyKey());
        event.put("source", properties.source());
        event.put("type", CLOUD_EVENT_TYPE_PREFIX + delivery.getEvent());
        event.put("time", now.toString());
        event.put("datacontenttype", "application/fhir+json");
        // The first focus resource that is sent: a withheld one is not named.
        java.util.Set<String> sent = new java.util.HashSet<>();
        permitted.getEntry().stream()
                .filter(Bundle.BundleEntryComponent::hasResource)
                .forEach(e -> sent.add(e.getResource().fhirType() + "/"
                        + e.getResource().getIdElement().getIdPart()));
        delivery.getFocus().stream().filter(sent::contains).findFirst().ifPresent(s -> event.put("subject", s));
        try {
            event.set("data", json.readTree(fhirContext.newJsonParser().encodeResourceToString(permitted)));
            return json.writeValueAsBytes(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the CloudEvent of delivery " + delivery.getId(), e);
        }
    }
}
