package uk.linkwell.gateway.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Key material for the outbound TLS tests, made once per test JVM with the JDK's keytool in a temporary folder: a
 * receiver's server key (for 127.0.0.1), a second server key nobody trusts, the gateway's client key, the gateway's
 * trust store (the receiver's certificate) and the receiver's (the gateway's client certificate). Self-signed, valid
 * for two days, a random password.
 */
public final class TestTls {

    /** The SSL bundle the gateway's mutual-TLS test Endpoints use: the client key and a trust store. */
    public static final String MTLS_BUNDLE = "exchange-test-mtls";

    /** The SSL bundle with a trust store only: the receiver is trusted, no client certificate is presented. */
    public static final String TRUST_ONLY_BUNDLE = "exchange-test-trust-only";

    /** The subject of the gateway's client certificate. */
    public static final String CLIENT_DN = "CN=linkwell-test-gateway,O=Linkwell test";

    private static TestTls material;

    private final Path folder;
    private final String password = "test-only-" + UUID.randomUUID();

    private TestTls(Path folder) {
        this.folder = folder;
    }

    /** The material, made on first use. */
    public static synchronized TestTls get() {
        if (material == null) {
            try {
                TestTls made = new TestTls(Files.createTempDirectory("linkwell-tls-"));
                made.make();
                material = made;
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException("could not make the TLS test key material with keytool", e);
            }
        }
        return material;
    }

    private void make() throws IOException, InterruptedException {
        keyPair("server", "CN=127.0.0.1,O=Linkwell test receiver", "SAN=ip:127.0.0.1,dns:localhost");
        keyPair("rogue", "CN=127.0.0.1,O=Untrusted receiver", "SAN=ip:127.0.0.1,dns:localhost");
        keyPair("client", CLIENT_DN, null);
        keytool(
                "-exportcert",
                "-rfc",
                "-alias",
                "server",
                "-keystore",
                path("server.p12"),
                "-storepass",
                password,
                "-file",
                path("server.pem"));
        keytool(
                "-exportcert",
                "-rfc",
                "-alias",
                "client",
                "-keystore",
                path("client.p12"),
                "-storepass",
                password,
                "-file",
                path("client.pem"));
        keytool(
                "-importcert",
                "-noprompt",
                "-alias",
                "server",
                "-file",
                path("server.pem"),
                "-storetype",
                "PKCS12",
                "-keystore",
                path("gateway-trust.p12"),
                "-storepass",
                password);
        keytool(
                "-importcert",
                "-noprompt",
                "-alias",
                "client",
                "-file",
                path("client.pem"),
                "-storetype",
                "PKCS12",
                "-keystore",
                path("receiver-trust.p12"),
                "-storepass",
                password);
    }

    private void keyPair(String alias, String dn, String extension) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of(
                "-genkeypair",
                "-alias",
                alias,
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                dn,
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                path(alias + ".p12"),
                "-storepass",
                password,
                "-keypass",
                password));
        if (extension != null) {
            args.add("-ext");
            args.add(extension);
        }
        keytool(args.toArray(String[]::new));
    }

    private void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (process.waitFor() != 0) {
            throw new IOException("keytool " + args[0] + " failed: " + output);
        }
    }

    private String path(String file) {
        return folder.resolve(file).toString();
    }

    /** The stores' password (the same for all; test-only, never a real secret). */
    public String password() {
        return password;
    }

    /** {@code file:} location of a store: client.p12, gateway-trust.p12 ... */
    public String location(String file) {
        return folder.resolve(file).toUri().toString();
    }

    /** A receiver's TLS: its server key (or the untrusted one), trusting the gateway's client certificate. */
    public SSLContext receiverContext(boolean trustedServerKey) {
        try {
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(load(trustedServerKey ? "server.p12" : "rogue.p12"), password.toCharArray());
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(load("receiver-trust.p12"));
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
            return context;
        } catch (Exception e) {
            throw new IllegalStateException("could not load the receiver's TLS test material", e);
        }
    }

    private KeyStore load(String file) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(folder.resolve(file))) {
            store.load(in, password.toCharArray());
        }
        return store;
    }
}
