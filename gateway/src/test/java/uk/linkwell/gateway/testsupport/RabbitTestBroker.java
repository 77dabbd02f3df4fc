package uk.linkwell.gateway.testsupport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Map;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.RabbitMQContainer;

/**
 * The RabbitMQ broker of the amqp exchange tests: a Testcontainers container where a Docker engine answers,
 * otherwise the broker named by {@code LINKWELL_TEST_AMQP_HOST}/{@code _PORT} (default 127.0.0.1:5672, the
 * development machine's and CI's), with {@code LINKWELL_TEST_AMQP_USER}/{@code _PASSWORD} (default guest/guest).
 * Neither: the tests that need it fail, saying so.
 */
public final class RabbitTestBroker {

    /** Where the broker is, and the user the tests (and the gateway's test Endpoint) connect as. */
    public record Broker(String host, int port, String username, String password) {}

    private static Broker broker;
    private static RabbitMQContainer container;

    private RabbitTestBroker() {}

    /** The user name the gateway's test amqp Endpoint is configured with (no broker is started for it). */
    public static String username() {
        return System.getenv().getOrDefault("LINKWELL_TEST_AMQP_USER", "guest");
    }

    public static String password() {
        return System.getenv().getOrDefault("LINKWELL_TEST_AMQP_PASSWORD", "guest");
    }

    /** The broker, started or found on first use. */
    public static synchronized Broker get() {
        if (broker == null) {
            broker = choose(System.getenv(), dockerAvailable());
        }
        return broker;
    }

    private static Broker choose(Map<String, String> env, boolean docker) {
        if (docker) {
            container = new RabbitMQContainer("rabbitmq:3.13-alpine")
                    .withAdminUser(username())
                    .withAdminPassword(password());
            container.start();
            return new Broker(container.getHost(), container.getAmqpPort(), username(), password());
        }
        String host = env.getOrDefault("LINKWELL_TEST_AMQP_HOST", "127.0.0.1");
        int port = Integer.parseInt(env.getOrDefault("LINKWELL_TEST_AMQP_PORT", "5672"));
        try (Socket probe = new Socket()) {
            probe.connect(new InetSocketAddress(host, port), 2000);
        } catch (IOException e) {
            throw new IllegalStateException(
                    """
                    No RabbitMQ for the amqp exchange tests: no Docker engine answered (Testcontainers) and nothing \
                    listens at %s:%d. Start the local broker (rabbitmq-server -detached), or point \
                    LINKWELL_TEST_AMQP_HOST/LINKWELL_TEST_AMQP_PORT (and _USER, _PASSWORD) at one."""
                            .formatted(host, port),
                    e);
        }
        return new Broker(host, port, username(), password());
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            return false;
        }
    }
}
