package uk.linkwell.gateway.exchange;

import ca.uhn.fhir.context.FhirContext;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * The HTTP side of the HTTP channels (FHIR messaging, FHIR REST, webhooks): one Camel HTTP endpoint (Apache
 * HttpClient 5) with the configured timeouts for every receiver (one per SSL bundle for Endpoints with their own TLS
 * settings, see {@link ExchangeTls}), and the one reading of an HTTP answer: 2xx
 * accepted, no answer, 5xx, 408 and 429 worth another try, any other 4xx a refusal.
 */
public class ExchangeHttp {

    /** The bean that configures the sender's HTTP client (see {@code ExchangeConfig}). */
    static final String HTTP_CLIENT_CONFIGURER = "linkwellExchangeHttpClient";

    static final String FHIR_JSON = "application/fhir+json";

    private final ProducerTemplate camel;
    private final CamelContext camelContext;
    private final FhirContext fhirContext;
    private final ExchangeTls tls;
    private final String endpoint;

    public ExchangeHttp(CamelContext camel, FhirContext fhirContext, ExchangeProperties properties, ExchangeTls tls) {
        this.camelContext = camel;
        this.camel = camel.createProducerTemplate();
        this.fhirContext = fhirContext;
        this.tls = tls;
        // One Camel endpoint for every receiver (the target is the CamelHttpUri header); its timeouts bound how long
        // one hanging receiver can hold a sender thread. Answers of any status come back as answers, not exceptions.
        this.endpoint = "http://linkwell-exchange?throwExceptionOnFailure=false&followRedirects=false"
                + "&httpClientConfigurer=#" + HTTP_CLIENT_CONFIGURER
                + "&connectTimeout=" + properties.connectTimeout().toMillis()
                + "&connectionRequestTimeout=" + properties.connectTimeout().toMillis()
                + "&responseTimeout=" + properties.responseTimeout().toMillis()
                + "&soTimeout=" + properties.responseTimeout().toMillis();
    }

    /** Why {@code Endpoint/<id>} cannot be called (its TLS settings name an SSL bundle that is not there); else empty. */
    public Optional<String> cannotCall(String endpointId) {
        return tls.cannotUse(endpointId);
    }

    /**
     * Sends one request to {@code Endpoint/<endpointId>}'s address and returns Camel's exchange: the answer, or the
     * exception of a failed connection. An https address is called with the Endpoint's SSL bundle, if it has one.
     */
    public Exchange send(
            String endpointId,
            String method,
            String url,
            String contentType,
            byte[] body,
            Map<String, String> headers) {
        return camel.send(endpointFor(endpointId), exchange -> {
            var message = exchange.getIn();
            message.setHeader(Exchange.HTTP_URI, url);
            message.setHeader(Exchange.HTTP_METHOD, method);
            message.setHeader(Exchange.CONTENT_TYPE, contentType);
            message.setHeader("Accept", FHIR_JSON + ", application/json;q=0.9, */*;q=0.1");
            headers.forEach(message::setHeader);
            message.setBody(body);
        });
    }

    /**
     * The Camel endpoint for an Endpoint: the shared one, or one per SSL bundle (Camel builds an HTTP endpoint's
     * connections, and so its TLS, once, from the endpoint's {@code sslContextParameters}).
     */
    private String endpointFor(String endpointId) {
        return tls.bundleName(endpointId).isPresent()
                ? endpoint + "&sslContextParameters=#" + tls.camelReference(camelContext, endpointId)
                : endpoint;
    }

    /**
     * Reads an HTTP answer. With {@code fhirOutcome}, a 2xx whose body is an OperationOutcome with an error is a
     * refusal: the receiver took the request and refused its content, so sending it again would change nothing.
     */
    public ReceiverAnswer answer(Exchange answer, boolean fhirOutcome) {
        if (answer.getException() != null) {
            return ReceiverAnswer.tryAgain(null, ExchangeTls.failureText(answer.getException()));
        }
        Integer status = answer.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        if (status == null) {
            return ReceiverAnswer.tryAgain(null, "no HTTP status in the answer");
        }
        if (status >= 200 && status < 300) {
            String refusal =
                    fhirOutcome ? operationOutcomeError(answer.getMessage().getBody(String.class)) : null;
            return refusal == null
                    ? ReceiverAnswer.accepted(status, "HTTP " + status)
                    : ReceiverAnswer.refused(status, "HTTP " + status + " with an OperationOutcome error: " + refusal);
        }
        if (status >= 500 || status == 408 || status == 429) {
            return ReceiverAnswer.tryAgain(status, "HTTP " + status);
        }
        return ReceiverAnswer.refused(status, "HTTP " + status + ": refused by the receiver");
    }

    /** The codes of a FHIR OperationOutcome's error or fatal issues, or null when the body holds none. */
    String operationOutcomeError(String body) {
        if (body == null || body.isBlank() || !body.contains("OperationOutcome")) {
            return null;
        }
        try {
            IBaseResource parsed = fhirContext.newJsonParser().parseResource(body);
            if (parsed instanceof OperationOutcome outcome) {
                List<String> codes = outcome.getIssue().stream()
                        .filter(i -> i.getSeverity() == OperationOutcome.IssueSeverity.ERROR
                                || i.getSeverity() == OperationOutcome.IssueSeverity.FATAL)
                        .map(i -> i.getCode() == null ? "error" : i.getCode().toCode())
                        .toList();
                return codes.isEmpty() ? null : String.join(", ", codes);
            }
            return null;
        } catch (RuntimeException e) {
            // Not FHIR JSON: the status code alone decides.
            return null;
        }
    }
}
