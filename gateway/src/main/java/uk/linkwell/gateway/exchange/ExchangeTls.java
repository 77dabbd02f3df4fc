package uk.linkwell.gateway.exchange;

import java.security.GeneralSecurityException;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import org.apache.camel.CamelContext;
import org.apache.camel.support.jsse.SSLContextParameters;
import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import uk.linkwell.gateway.ingest.SafeErrorText;

/**
 * The TLS an Endpoint is called with: the Spring Boot SSL bundle ({@code spring.ssl.bundle.*}) that
 * {@code linkwell.exchange.tls-bundles.<endpoint-id>} names (its trust store, and its key store as the client
 * certificate for mutual TLS), else the bundle {@code linkwell.exchange.tls-default-bundle} names, else the JVM's
 * default trust store and no client certificate. Key material and passwords stay in the bundles' configuration.
 */
public class ExchangeTls {

    private final SslBundles bundles;
    private final ExchangeProperties properties;
    private final Map<String, Boolean> boundInCamel = new ConcurrentHashMap<>();

    public ExchangeTls(SslBundles bundles, ExchangeProperties properties) {
        this.bundles = bundles;
        this.properties = properties;
    }

    /** The name of the bundle {@code Endpoint/<id>} is called with, if one is configured for it or for all. */
    public Optional<String> bundleName(String endpointId) {
        String own = properties.tlsBundles().get(endpointId);
        if (own != null && !own.isBlank()) {
            return Optional.of(own);
        }
        return properties.tlsDefaultBundle().isBlank() ? Optional.empty() : Optional.of(properties.tlsDefaultBundle());
    }

    /** Why {@code Endpoint/<id>} cannot be called over TLS as configured (a bundle named but not defined); else empty. */
    public Optional<String> cannotUse(String endpointId) {
        Optional<String> name = bundleName(endpointId);
        if (name.isEmpty()) {
            return Optional.empty();
        }
        try {
            bundles.getBundle(name.get());
            return Optional.empty();
        } catch (NoSuchSslBundleException e) {
            return Optional.of("no SSL bundle " + name.get() + " configured for Endpoint/" + endpointId
                    + " (spring.ssl.bundle.jks." + name.get() + " or spring.ssl.bundle.pem." + name.get() + ")");
        } catch (RuntimeException e) {
            // A bundle whose stores cannot be read: its name only (the exception could quote a path or worse).
            return Optional.of("the SSL bundle " + name.get() + " for Endpoint/" + endpointId + " cannot be loaded");
        }
    }

    /**
     * A failed attempt's account for the outbox row: a failed handshake is named as such (an untrusted server, a
     * client certificate refused or missing: the receiver's address is right, its TLS settings or ours are not),
     * then the exception as {@link SafeErrorText} gives it.
     */
    public static String failureText(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SSLException) {
                return "TLS handshake failed: " + SafeErrorText.of(failure);
            }
        }
        return SafeErrorText.of(failure);
    }

    /** The SSL context for {@code Endpoint/<id>}: its bundle's, or the JVM's default. */
    public SSLContext sslContext(String endpointId) {
        return bundleName(endpointId).map(this::sslContextOf).orElseGet(ExchangeTls::jvmDefault);
    }

    SSLContext sslContextOf(String bundleName) {
        SslBundle bundle = bundles.getBundle(bundleName);
        return bundle.createSslContext();
    }

    private static SSLContext jvmDefault() {
        try {
            return SSLContext.getDefault();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no default TLS context in this JVM", e);
        }
    }

    /**
     * The name in Camel's registry (bound on first use) of the TLS settings {@code Endpoint/<id>} is called with, for
     * an endpoint URI's {@code sslContextParameters=#<name>} (Camel's HTTP component): its bundle's, or the JVM's
     * default.
     */
    public String camelReference(CamelContext camel, String endpointId) {
        String bundle = bundleName(endpointId).orElse(null);
        String name = "linkwellExchangeTls-" + (bundle == null ? "jvm-default" : "bundle-" + bundle);
        boundInCamel.computeIfAbsent(name, n -> {
            camel.getRegistry().bind(n, new BundleParameters(bundle));
            return Boolean.TRUE;
        });
        return name;
    }

    /** A bundle (null: the JVM's default) as Camel's TLS settings: Camel asks it for the SSL context. */
    private final class BundleParameters extends SSLContextParameters {

        private final String bundleName;

        BundleParameters(String bundleName) {
            this.bundleName = bundleName;
        }

        @Override
        public SSLContext createSSLContext(CamelContext camelContext) throws GeneralSecurityException {
            return bundleName == null ? jvmDefault() : sslContextOf(bundleName);
        }

        @Override
        public String toString() {
            return bundleName == null ? "the JVM's default TLS" : "SSL bundle " + bundleName;
        }
    }
}
