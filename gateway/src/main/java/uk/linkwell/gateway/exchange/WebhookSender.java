package uk.linkwell.gateway.exchange;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.hl7.fhir.r4.model.Bundle;

/**
 * The {@code webhook} channel: a CloudEvents 1.0 JSON event (structured mode) POSTed to the Endpoint's address,
 * signed with HMAC-SHA256 over the exact body bytes with the Endpoint's configured secret; a 2xx delivers.
 */
public class WebhookSender implements ChannelSender {

    static final String SIGNATURE_HEADER = "X-Linkwell-Signature";
    static final String CLOUD_EVENTS_JSON = "application/cloudevents+json";

    private final DeliveryPayloads payloads;
    private final ExchangeHttp http;
    private final ExchangeProperties properties;

    public WebhookSender(DeliveryPayloads payloads, ExchangeHttp http, ExchangeProperties properties) {
        this.payloads = payloads;
        this.http = http;
        this.properties = properties;
    }

    @Override
    public String channel() {
        return Channels.WEBHOOK;
    }

    @Override
    public Optional<String> cannotSend(Delivery delivery) {
        String endpointId = delivery.endpointId();
        return properties.webhookSecret(endpointId).isPresent()
                ? http.cannotCall(endpointId)
                : Optional.of("no webhook secret configured for " + delivery.getEndpoint()
                        + " (linkwell.exchange.webhook-secrets." + endpointId + ")");
    }

    @Override
    public ReceiverAnswer send(Delivery delivery, Bundle permitted, Instant now) {
        String secret = properties
                .webhookSecret(delivery.endpointId())
                .orElseThrow(() -> new IllegalStateException("the webhook secret went away"));
        byte[] body = payloads.cloudEvent(delivery, permitted, now);
        return http.answer(
                        http.send(
                                delivery.endpointId(),
                                "POST",
                                delivery.getAddress(),
                                CLOUD_EVENTS_JSON,
                                body,
                                Map.of(SIGNATURE_HEADER, "sha256=" + hmac(secret, body))),
                        false)
                .withSent(body);
    }

    /** Lower-case hex HMAC-SHA256 of the exact bytes sent. */
    static String hmac(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }
}
