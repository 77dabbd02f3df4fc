package uk.linkwell.gateway.ingest.mllp;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.SSLEngine;
import org.apache.camel.component.netty.DefaultServerInitializerFactory;
import org.apache.camel.component.netty.NettyConsumer;
import org.apache.camel.component.netty.ServerInitializerFactory;
import org.apache.camel.support.jsse.KeyManagersParameters;
import org.apache.camel.support.jsse.KeyStoreParameters;
import org.apache.camel.support.jsse.SSLContextParameters;
import org.apache.camel.support.jsse.TrustManagersParameters;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * TLS on the MLLP listener, on when {@code linkwell.hospital.mllp.tls.enabled}: the server's key store (and, for
 * mutual TLS, the trust store of the senders' certificates) as Camel {@link SSLContextParameters} for camel-netty,
 * and the client-certificate policy ({@code none}, {@code want}, {@code need}) applied to each connection.
 */
@Configuration
@ConditionalOnProperty(prefix = "linkwell.hospital.mllp.tls", name = "enabled", havingValue = "true")
public class MllpTls {

    static final String CONTEXT_BEAN = "hospitalMllpTls";
    static final String INITIALIZER_BEAN = "hospitalMllpTlsInitializer";

    /** How hard the listener asks a sender for its certificate. */
    enum ClientAuth {
        NONE,
        WANT,
        NEED;

        static ClientAuth of(String value) {
            return switch (value) {
                case "none" -> NONE;
                case "want" -> WANT;
                case "need", "require" -> NEED;
                default -> throw new IllegalStateException(
                        "linkwell.hospital.mllp.tls.client-auth must be none, want or need, not " + value);
            };
        }
    }

    @Bean(CONTEXT_BEAN)
    public SSLContextParameters hospitalMllpTls(MllpProperties properties) {
        MllpProperties.Tls tls = properties.tls();
        ClientAuth clientAuth = ClientAuth.of(tls.clientAuth());
        KeyManagersParameters keys = new KeyManagersParameters();
        keys.setKeyStore(store("key-store", tls.keyStore(), tls.keyStorePassword(), tls.keyStoreType()));
        keys.setKeyPassword(
                tls.keyPassword() == null || tls.keyPassword().isEmpty() ? tls.keyStorePassword() : tls.keyPassword());
        SSLContextParameters parameters = new SSLContextParameters();
        parameters.setKeyManagers(keys);
        if (tls.trustStore() != null && !tls.trustStore().isBlank()) {
            TrustManagersParameters trust = new TrustManagersParameters();
            trust.setKeyStore(store("trust-store", tls.trustStore(), tls.trustStorePassword(), tls.trustStoreType()));
            parameters.setTrustManagers(trust);
        } else if (clientAuth != ClientAuth.NONE) {
            throw new IllegalStateException("linkwell.hospital.mllp.tls.client-auth " + tls.clientAuth()
                    + " needs linkwell.hospital.mllp.tls.trust-store: the certificates senders are checked against");
        }
        return parameters;
    }

    @Bean(INITIALIZER_BEAN)
    public ServerInitializerFactory hospitalMllpTlsInitializer(MllpProperties properties) {
        return new ClientAuthInitializerFactory(ClientAuth.of(properties.tls().clientAuth()));
    }

    private static KeyStoreParameters store(String key, String path, String password, String type) {
        if (path == null || path.isBlank()) {
            throw new IllegalStateException(
                    "linkwell.hospital.mllp.tls." + key + " must name a " + type + " file when TLS is enabled");
        }
        if (!Files.isReadable(Path.of(path))) {
            throw new IllegalStateException("linkwell.hospital.mllp.tls." + key + ": cannot read " + path);
        }
        KeyStoreParameters store = new KeyStoreParameters();
        store.setResource("file:" + Path.of(path).toAbsolutePath());
        store.setPassword(password == null ? "" : password);
        store.setType(type);
        return store;
    }

    /**
     * camel-netty's own pipeline (TLS, MLLP codec, handler) with the client-certificate policy set on each
     * connection's engine afterwards: netty's {@code needClientAuth} option alone cannot ask without requiring.
     */
    static final class ClientAuthInitializerFactory extends ServerInitializerFactory {

        private final ClientAuth clientAuth;

        ClientAuthInitializerFactory(ClientAuth clientAuth) {
            this.clientAuth = clientAuth;
        }

        @Override
        public ServerInitializerFactory createPipelineFactory(NettyConsumer consumer) {
            return new DefaultServerInitializerFactory(consumer) {
                @Override
                protected void initChannel(Channel channel) throws Exception {
                    super.initChannel(channel);
                    SslHandler ssl = channel.pipeline().get(SslHandler.class);
                    if (ssl != null) {
                        SSLEngine engine = ssl.engine();
                        switch (clientAuth) {
                            case NEED -> engine.setNeedClientAuth(true);
                            case WANT -> engine.setWantClientAuth(true);
                            case NONE -> engine.setNeedClientAuth(false);
                        }
                    }
                }
            };
        }

        @Override
        protected void initChannel(Channel channel) {
            // Only the per-consumer factories above set up channels.
            throw new IllegalStateException("use createPipelineFactory");
        }
    }
}
