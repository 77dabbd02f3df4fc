package uk.linkwell.gateway.ingest.mllp;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The MLLP listener's settings, under {@code linkwell.hospital.mllp}: where it binds, the largest message, which
 * sending facilities (MSH-4.1) may send from which source addresses, how long a silent connection stays open, and
 * optional TLS.
 */
@ConfigurationProperties(prefix = "linkwell.hospital.mllp")
public record MllpProperties(
        Boolean enabled,
        String host,
        Integer port,
        Integer maxMessageBytes,
        Duration idleTimeout,
        Map<String, Sender> senders,
        Boolean enforceSenders,
        Tls tls) {
    public MllpProperties {
        enabled = enabled == null || enabled;
        host = host == null ? "0.0.0.0" : host;
        port = port == null ? 2575 : port;
        maxMessageBytes = maxMessageBytes == null ? 10 * 1024 * 1024 : maxMessageBytes;
        idleTimeout = idleTimeout == null ? Duration.ofMinutes(5) : idleTimeout;
        senders = senders == null ? Map.of() : senders;
        enforceSenders = enforceSenders == null || enforceSenders;
        tls = tls == null ? new Tls(null, null, null, null, null, null, null, null, null) : tls;
    }

    /** One allowed sending facility: the source addresses (IPv4 or IPv6, single or CIDR) it may send from. */
    public record Sender(List<String> addresses) {
        public Sender {
            addresses = addresses == null ? List.of() : addresses;
        }
    }

    /**
     * TLS on the listener: the server's key store and, for mutual TLS, the trust store of the senders' client
     * certificates and whether one is required ({@code need}), asked for ({@code want}) or not ({@code none}).
     */
    public record Tls(
            Boolean enabled,
            String keyStore,
            String keyStorePassword,
            String keyStoreType,
            String keyPassword,
            String trustStore,
            String trustStorePassword,
            String trustStoreType,
            String clientAuth) {
        public Tls {
            enabled = enabled != null && enabled;
            keyStoreType = keyStoreType == null || keyStoreType.isBlank() ? "PKCS12" : keyStoreType;
            trustStoreType = trustStoreType == null || trustStoreType.isBlank() ? keyStoreType : trustStoreType;
            clientAuth = clientAuth == null || clientAuth.isBlank()
                    ? "none"
                    : clientAuth.trim().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
