package uk.linkwell.gateway.exchange;

import ca.uhn.fhir.context.BaseRuntimeChildDefinition;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeResourceDefinition;
import ca.uhn.fhir.util.FhirTerser;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.camel.Exchange;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import uk.linkwell.profiles.LinkwellPackage;

/**
 * The {@code hl7-fhir-rest} channel: the permitted resources written to the receiver's FHIR base as one
 * {@code transaction} Bundle POSTed to the base, each entry a conditional update keyed on the gateway's own
 * identifier of the resource ({@value #SOURCE_SYSTEM}{@code |<Type>/<id>}, added to what is sent). A resend (at-least-
 * once delivery) updates the receiver's copy rather than making a second one. References between the entries
 * point at the entries' fullUrls; references to what was not sent are made absolute against
 * {@code full-url-base} when one is set. A 2xx delivers unless the answer (an OperationOutcome, or a
 * transaction-response entry) carries a refusal.
 */
public class FhirRestSender implements ChannelSender {

    /** The identifier system the receiver's copies are keyed on: the resource's {@code <Type>/<id>} here. */
    public static final String SOURCE_SYSTEM = LinkwellPackage.CANONICAL_BASE + "/Id/linkwell-resource";

    private final FhirContext fhirContext;
    private final DeliveryPayloads payloads;
    private final ExchangeHttp http;
    private final ExchangeProperties properties;

    public FhirRestSender(
            FhirContext fhirContext, DeliveryPayloads payloads, ExchangeHttp http, ExchangeProperties properties) {
        this.fhirContext = fhirContext;
        this.payloads = payloads;
        this.http = http;
        this.properties = properties;
    }

    @Override
    public String channel() {
        return Channels.FHIR_REST;
    }

    @Override
    public Optional<String> cannotSend(Delivery delivery) {
        return http.cannotCall(delivery.endpointId());
    }

    @Override
    public ReceiverAnswer send(Delivery delivery, Bundle permitted, Instant now) {
        byte[] body = payloads.fhirJson(transaction(delivery, permitted, now));
        Exchange answer = http.send(
                delivery.endpointId(),
                "POST",
                delivery.getAddress().replaceAll("/+$", ""),
                ExchangeHttp.FHIR_JSON,
                body,
                Map.of());
        ReceiverAnswer read = http.answer(answer, true);
        if (read.verdict() == ReceiverAnswer.Verdict.ACCEPTED) {
            String refused = refusedEntry(answer.getMessage().getBody(String.class));
            if (refused != null) {
                read = ReceiverAnswer.refused(read.statusCode(), "HTTP " + read.statusCode() + ", " + refused);
            }
        }
        return read.withSent(body);
    }

    /** The transaction: one conditional update per permitted resource, the Bundle identified by the idempotency key. */
    Bundle transaction(Delivery delivery, Bundle permitted, Instant now) {
        Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        transaction.setId(delivery.getIdempotencyKey());
        transaction.getIdentifier().setSystem("urn:ietf:rfc:3986").setValue("urn:uuid:" + delivery.getIdempotencyKey());
        transaction.setTimestamp(Date.from(now));
        Map<String, String> fullUrls = new HashMap<>();
        for (Bundle.BundleEntryComponent entry : permitted.getEntry()) {
            fullUrls.put(versionless(entry.getResource()), entry.getFullUrl());
        }
        FhirTerser terser = fhirContext.newTerser();
        for (Bundle.BundleEntryComponent entry : permitted.getEntry()) {
            Resource copy = entry.getResource().copy();
            String source = versionless(entry.getResource());
            copy.setIdElement(null);
            copy.getMeta().setVersionId(null).setLastUpdated(null);
            for (Reference reference : terser.getAllPopulatedChildElementsOfType(copy, Reference.class)) {
                if (!reference.hasReference() || reference.getReference().startsWith("#")) {
                    continue;
                }
                String target = new IdType(reference.getReference())
                        .toUnqualifiedVersionless()
                        .getValue();
                if (fullUrls.containsKey(target)) {
                    reference.setReference(fullUrls.get(target));
                } else if (!properties.fullUrlBase().isEmpty()
                        && !reference.getReference().contains("://")) {
                    reference.setReference(properties.fullUrlBase() + "/" + reference.getReference());
                }
            }
            Bundle.BundleEntryRequestComponent request = transaction
                    .addEntry()
                    .setFullUrl(entry.getFullUrl())
                    .setResource(copy)
                    .getRequest();
            request.setMethod(Bundle.HTTPVerb.PUT);
            if (addSourceIdentifier(copy, source)) {
                request.setUrl(copy.fhirType() + "?identifier="
                        + URLEncoder.encode(SOURCE_SYSTEM + "|" + source, StandardCharsets.UTF_8));
            } else {
                // No identifier element to key on: an update by id, the gateway's id.
                copy.setId(source);
                request.setUrl(source);
            }
        }
        return transaction;
    }

    /** Adds the gateway's identifier of the resource, if its type has identifiers; says whether it did. */
    private boolean addSourceIdentifier(Resource resource, String source) {
        RuntimeResourceDefinition definition = fhirContext.getResourceDefinition(resource);
        BaseRuntimeChildDefinition identifiers = definition.getChildByName("identifier");
        if (identifiers == null) {
            return false;
        }
        Identifier identifier = new Identifier().setSystem(SOURCE_SYSTEM).setValue(source);
        if (identifiers.getMax() == 1) {
            identifiers.getMutator().setValue(resource, identifier);
        } else {
            identifiers.getMutator().addValue(resource, identifier);
        }
        return true;
    }

    /** The first transaction-response entry whose status is not 2xx, described; null when all are. */
    private String refusedEntry(String body) {
        if (body == null || !body.contains("transaction-response")) {
            return null;
        }
        try {
            Bundle response = fhirContext.newJsonParser().parseResource(Bundle.class, body);
            List<Bundle.BundleEntryComponent> entries = response.getEntry();
            for (int i = 0; i < entries.size(); i++) {
                String status = entries.get(i).getResponse().getStatus();
                if (status != null && !status.startsWith("2")) {
                    return "entry " + i + " answered " + status;
                }
            }
            return null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String versionless(Resource resource) {
        return resource.fhirType() + "/" + resource.getIdElement().getIdPart();
    }
}
