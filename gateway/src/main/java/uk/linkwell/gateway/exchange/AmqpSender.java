package uk.linkwell.gateway.exchange;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.hl7.fhir.r4.model.Bundle;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageDeliveryMode;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.core.ReturnedMessage;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.connection.CorrelationData;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.beans.factory.DisposableBean;

/**
 * The {@code amqp} channel: the delivery's CloudEvent (the webhook's JSON, structured mode) published to a RabbitMQ
 * exchange named by the Endpoint's address, {@code amqp://host:port/<vhost>?exchange=<name>&routingKey=<key>}, with
 * the Endpoint's configured credentials; an {@code amqps://} address (port 5671 unless given) is reached over TLS
 * with the Endpoint's SSL bundle (its trust store, and its key store as the client certificate), see
 * {@link ExchangeTls}. Persistent, message-id the idempotency key, content-type
 * {@code application/cloudevents+json}, published mandatory with a publisher confirm: the broker's ack delivers; a
 * nack, a message returned unroutable, no confirm within the response timeout or no connection are tried again.
 */
// Spring AMQP's RabbitTemplate rather than camel-spring-rabbitmq: the Camel producer waits for confirms with
// waitForConfirmsOrDie, which passes a mandatory message the broker returned as unroutable (the broker acks it after
// the return). A correlated confirm carries the return with it, so "no queue got it" is told apart from "delivered".
public class AmqpSender implements ChannelSender, DisposableBean {

    private final DeliveryPayloads payloads;
    private final ExchangeProperties properties;
    private final ExchangeTls tls;
    private final Map<String, RabbitTemplate> templates = new ConcurrentHashMap<>();

    public AmqpSender(DeliveryPayloads payloads, ExchangeProperties properties, ExchangeTls tls) {
        this.payloads = payloads;
        this.properties = properties;
        this.tls = tls;
    }

    /** An Endpoint's address, read. */
    record Address(String host, int port, String virtualHost, String exchange, String routingKey, boolean tls) {}

    @Override
    public String channel() {
        return Channels.AMQP;
    }

    @Override
    public Optional<String> cannotSend(Delivery delivery) {
        Optional<Address> to = address(delivery.getAddress());
        if (to.isEmpty()) {
            return Optional.of(
                    "the Endpoint's address is not amqp[s]://host:port/<vhost>?exchange=<name>&routingKey=<key>");
        }
        if (to.get().tls()) {
            Optional<String> noTls = tls.cannotUse(delivery.endpointId());
            if (noTls.isPresent()) {
                return noTls;
            }
        }
        return properties.amqpCredentials(delivery.endpointId()).isPresent()
                ? Optional.empty()
                : Optional.of("no AMQP credentials configured for " + delivery.getEndpoint()
                        + " (linkwell.exchange.amqp-credentials." + delivery.endpointId() + ".username, .password)");
    }

    @Override
    public ReceiverAnswer send(Delivery delivery, Bundle permitted, Instant now) throws InterruptedException {
        Address to = address(delivery.getAddress()).orElseThrow();
        ExchangeProperties.AmqpCredentials credentials =
                properties.amqpCredentials(delivery.endpointId()).orElseThrow();
        // Over TLS, each Endpoint its own connections: its bundle decides the client certificate presented.
        RabbitTemplate template = templates.computeIfAbsent(
                (to.tls() ? "amqps|" + delivery.endpointId() + "|" : "amqp|") + to.host() + ":" + to.port() + "/"
                        + to.virtualHost() + "|" + credentials.username(),
                key -> template(to, credentials, delivery.endpointId()));

        MessageProperties headers = new MessageProperties();
        headers.setMessageId(delivery.getIdempotencyKey());
        headers.setContentType(WebhookSender.CLOUD_EVENTS_JSON);
        headers.setContentEncoding("UTF-8");
        headers.setDeliveryMode(MessageDeliveryMode.PERSISTENT);
        headers.setTimestamp(java.util.Date.from(now));
        Message message = new Message(payloads.cloudEvent(delivery, permitted, now), headers);
        CorrelationData confirm = new CorrelationData(delivery.getIdempotencyKey());
        // A broken connection throws here (an AmqpException): the sender counts it as an attempt to try again.
        template.send(to.exchange(), to.routingKey(), message, confirm);
        CorrelationData.Confirm answer;
        try {
            answer = confirm.getFuture().get(properties.responseTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return ReceiverAnswer.tryAgain(null, "no publisher confirm within " + properties.responseTimeout())
                    .withSent(message.getBody());
        } catch (ExecutionException e) {
            return ReceiverAnswer.tryAgain(null, "publisher confirm failed").withSent(message.getBody());
        }
        ReturnedMessage returned = confirm.getReturned();
        if (returned != null) {
            return ReceiverAnswer.tryAgain(
                            null,
                            "returned by the broker: " + returned.getReplyCode() + " " + returned.getReplyText()
                                    + " (no queue bound to exchange " + to.exchange() + " for routing key "
                                    + to.routingKey() + ")")
                    .withSent(message.getBody());
        }
        if (!answer.isAck()) {
            return ReceiverAnswer.tryAgain(
                            null,
                            "nacked by the broker" + (answer.getReason() == null ? "" : ": " + answer.getReason()))
                    .withSent(message.getBody());
        }
        return ReceiverAnswer.accepted(null, "confirmed by the broker (exchange " + to.exchange() + ")")
                .withSent(message.getBody());
    }

    private RabbitTemplate template(Address to, ExchangeProperties.AmqpCredentials credentials, String endpointId) {
        CachingConnectionFactory connections = new CachingConnectionFactory(to.host(), to.port());
        if (to.tls()) {
            connections.getRabbitConnectionFactory().useSslProtocol(tls.sslContext(endpointId));
            connections.getRabbitConnectionFactory().enableHostnameVerification();
        }
        connections.setVirtualHost(to.virtualHost());
        connections.setUsername(credentials.username());
        connections.setPassword(credentials.password());
        connections.setConnectionTimeout((int) properties.connectTimeout().toMillis());
        connections.setPublisherConfirmType(CachingConnectionFactory.ConfirmType.CORRELATED);
        connections.setPublisherReturns(true);
        connections.setConnectionNameStrategy(f -> "linkwell-exchange");
        RabbitTemplate template = new RabbitTemplate(connections);
        template.setMandatory(true);
        return template;
    }

    /** {@code amqp[s]://host[:port][/vhost]?exchange=<name>[&routingKey=<key>]}; the vhost percent-encoded. */
    static Optional<Address> address(String address) {
        try {
            URI uri = new URI(address.trim());
            boolean overTls = "amqps".equalsIgnoreCase(uri.getScheme());
            if (!("amqp".equalsIgnoreCase(uri.getScheme()) || overTls) || uri.getHost() == null) {
                return Optional.empty();
            }
            Map<String, String> query = new LinkedHashMap<>();
            if (uri.getRawQuery() != null) {
                for (String pair : uri.getRawQuery().split("&")) {
                    int eq = pair.indexOf('=');
                    if (eq > 0) {
                        query.put(
                                pair.substring(0, eq),
                                URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                    }
                }
            }
            String exchange = query.get("exchange");
            if (exchange == null || exchange.isBlank()) {
                return Optional.empty();
            }
            String path = uri.getRawPath() == null ? "" : uri.getRawPath();
            String vhost = path.isEmpty() || "/".equals(path)
                    ? "/"
                    : URLDecoder.decode(path.substring(1), StandardCharsets.UTF_8);
            return Optional.of(new Address(
                    uri.getHost(),
                    uri.getPort() > 0 ? uri.getPort() : overTls ? 5671 : 5672,
                    vhost,
                    exchange,
                    query.getOrDefault("routingKey", ""),
                    overTls));
        } catch (URISyntaxException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    @Override
    public void destroy() {
        templates.values().forEach(t -> {
            t.stop();
            ((CachingConnectionFactory) t.getConnectionFactory()).destroy();
        });
    }
}
