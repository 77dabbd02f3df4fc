package uk.linkwell.gateway.exchange;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.hl7.fhir.r4.model.Bundle;

/**
 * The {@code hl7-fhir-msg} channel: a FHIR message Bundle (MessageHeader first) POSTed to the receiver's
 * {@code $process-message}; a 2xx delivers unless its OperationOutcome carries an error.
 */
public class FhirMessageSender implements ChannelSender {

    private final DeliveryPayloads payloads;
    private final ExchangeHttp http;

    public FhirMessageSender(DeliveryPayloads payloads, ExchangeHttp http) {
        this.payloads = payloads;
        this.http = http;
    }

    @Override
    public String channel() {
        return Channels.FHIR_MESSAGE;
    }

    @Override
    public Optional<String> cannotSend(Delivery delivery) {
        return http.cannotCall(delivery.endpointId());
    }

    @Override
    public ReceiverAnswer send(Delivery delivery, Bundle permitted, Instant now) {
        byte[] body = payloads.fhirJson(payloads.message(delivery, permitted, now));
        return http.answer(
                        http.send(
                                delivery.endpointId(),
                                "POST",
                                processMessageUrl(delivery.getAddress()),
                                ExchangeHttp.FHIR_JSON,
                                body,
                                Map.of()),
                        true)
                .withSent(body);
    }

    static String processMessageUrl(String address) {
        return address.replaceAll("/+$", "") + "/$process-message";
    }
}
