package uk.linkwell.gateway.ingest.hospital;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import uk.linkwell.gateway.GatewayApplication;
import uk.linkwell.gateway.ingest.hospital.AdtMessages.Visit;
import uk.linkwell.gateway.testsupport.MllpClient;
import uk.linkwell.gateway.testsupport.PostgresDatabaseExtension;
import uk.linkwell.gateway.testsupport.PostgresTestDatabase;

/**
 * TLS on the MLLP listener, for real: a second gateway (its own database) started with
 * {@code linkwell.hospital.mllp.tls.enabled} and mutual TLS required, over key stores made at test time with the
 * JDK's keytool. A sender with a trusted certificate gets AA and its message is applied; one without a certificate,
 * or speaking plain TCP, gets no ACK and nothing is stored.
 */
@ExtendWith({PostgresDatabaseExtension.class, OutputCaptureExtension.class})
class MllpTlsTest {

    private static final String PASSWORD = "test-store-secret";

    @TempDir
    static Path dir;

    private static ConfigurableApplicationContext app;
    private static JdbcTemplate jdbc;
    private static int port;

    @BeforeAll
    static void startGatewayWithTls() throws Exception {
        // The listener's certificate, a sender's certificate, and each side trusting the other's.
        keytool(
                "-genkeypair",
                "-alias",
                "listener",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-validity",
                "2",
                "-dname",
                "CN=localhost",
                "-ext",
                "SAN=dns:localhost,ip:127.0.0.1",
                "-storetype",
                "PKCS12",
                "-keystore",
                path("listener.p12"),
                "-storepass",
                PASSWORD,
                "-keypass",
                PASSWORD);
        keytool(
                "-genkeypair",
                "-alias",
                "sender",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-validity",
                "2",
                "-dname",
                "CN=RWELL interface engine",
                "-storetype",
                "PKCS12",
                "-keystore",
                path("sender.p12"),
                "-storepass",
                PASSWORD,
                "-keypass",
                PASSWORD);
        keytool(
                "-exportcert",
                "-rfc",
                "-alias",
                "listener",
                "-keystore",
                path("listener.p12"),
                "-storepass",
                PASSWORD,
                "-file",
                path("listener.pem"));
        keytool(
                "-exportcert",
                "-rfc",
                "-alias",
                "sender",
                "-keystore",
                path("sender.p12"),
                "-storepass",
                PASSWORD,
                "-file",
                path("sender.pem"));
        keytool(
                "-importcert",
                "-noprompt",
                "-alias",
                "listener",
                "-file",
                path("listener.pem"),
                "-storetype",
                "PKCS12",
                "-keystore",
                path("sender-trust.p12"),
                "-storepass",
                PASSWORD);
        keytool(
                "-importcert",
                "-noprompt",
                "-alias",
                "sender",
                "-file",
                path("sender.pem"),
                "-storetype",
                "PKCS12",
                "-keystore",
                path("listener-trust.p12"),
                "-storepass",
                PASSWORD);

        PostgresTestDatabase.Connection db = PostgresTestDatabase.server().newDatabase("mllp_tls");
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        app = new SpringApplicationBuilder(GatewayApplication.class)
                .run(
                        "--spring.datasource.url=" + db.jdbcUrl(),
                        "--spring.datasource.username=" + db.username(),
                        "--spring.datasource.password=" + db.password(),
                        "--linkwell.data-dir=" + dir.resolve("data"),
                        "--server.port=0",
                        "--linkwell.ingest.poll-interval=50ms",
                        "--linkwell.ingest.retry-base-delay=500ms",
                        "--linkwell.hospital.mllp.port=" + port,
                        "--linkwell.hospital.mllp.senders.RWELL.addresses=127.0.0.1",
                        "--linkwell.hospital.mllp.tls.enabled=true",
                        "--linkwell.hospital.mllp.tls.key-store=" + path("listener.p12"),
                        "--linkwell.hospital.mllp.tls.key-store-password=" + PASSWORD,
                        "--linkwell.hospital.mllp.tls.trust-store=" + path("listener-trust.p12"),
                        "--linkwell.hospital.mllp.tls.trust-store-password=" + PASSWORD,
                        "--linkwell.hospital.mllp.tls.client-auth=need");
        jdbc = app.getBean(JdbcTemplate.class);
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
    }

    @Test
    void senderWithATrustedCertificateIsAcknowledgedAndItsMessageApplied() throws Exception {
        String controlId = AdtMessages.controlId();
        try (MllpClient client = new MllpClient(tlsSocket(true))) {
            String ack = client.send(AdtMessages.admit(Visit.fresh(), controlId));
            assertThat(AdtMessages.ackCode(ack)).isEqualTo("AA");
            // Two on one connection: the TLS session carries on.
            String second = AdtMessages.controlId();
            assertThat(AdtMessages.ackCode(client.send(AdtMessages.admit(Visit.fresh(), second))))
                    .isEqualTo("AA");
        }
        // A fresh gateway's first writes are slow (validator, caches), on a busy machine slower still.
        await().atMost(Duration.ofSeconds(240))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> "done"
                        .equals(jdbc
                                .queryForList(
                                        "SELECT STATUS FROM LW_INBOUND_MESSAGE WHERE CONTROL_ID = ?",
                                        String.class,
                                        controlId)
                                .stream()
                                .findFirst()
                                .orElse(null)));
    }

    @Test
    void senderWithoutACertificateGetsNoAck() throws Exception {
        String controlId = AdtMessages.controlId();
        assertThatThrownBy(() -> {
                    try (MllpClient client = new MllpClient(tlsSocket(false))) {
                        client.send(AdtMessages.admit(Visit.fresh(), controlId));
                    }
                })
                .isInstanceOf(IOException.class);
        assertThat(rows(controlId)).isZero();
    }

    @Test
    void plainTcpToTheTlsPortGetsNoAckAndTheLogKeepsNoneOfIt(CapturedOutput output) throws Exception {
        String controlId = AdtMessages.controlId();
        Visit visit = Visit.fresh();
        try (Socket plain = new Socket("127.0.0.1", port)) {
            plain.setSoTimeout((int) TimeUnit.SECONDS.toMillis(15));
            byte[] message = AdtMessages.admit(visit, controlId).getBytes(StandardCharsets.US_ASCII);
            byte[] frame = new byte[message.length + 3];
            frame[0] = 0x0B;
            System.arraycopy(message, 0, frame, 1, message.length);
            frame[frame.length - 2] = 0x1C;
            frame[frame.length - 1] = 0x0D;
            plain.getOutputStream().write(frame);
            plain.getOutputStream().flush();
            InputStream in = plain.getInputStream();
            // The listener drops the connection: no MLLP start byte, no ACK.
            int first;
            try {
                first = in.read();
            } catch (IOException closedOrTimedOut) {
                first = -1;
            }
            assertThat(first).isNotEqualTo(0x0B).isEqualTo(-1);
        }
        assertThat(rows(controlId)).isZero();
        // netty's error names the bytes it got (a hex dump of the whole message): the log gets the type only.
        await().atMost(Duration.ofSeconds(30)).until(() -> output.getOut()
                .contains("MLLP connection closed after an error: DecoderException caused by NotSslRecordException"));
        assertThat(output.getAll())
                .doesNotContain(hex("MSH|"))
                .doesNotContain(hex(visit.nhsNumber()))
                .doesNotContain(visit.nhsNumber());
    }

    private static String hex(String text) {
        return java.util.HexFormat.of().formatHex(text.getBytes(StandardCharsets.US_ASCII));
    }

    private static int rows(String controlId) {
        return jdbc.queryForObject(
                "SELECT COUNT(*) FROM LW_INBOUND_MESSAGE WHERE CONTROL_ID = ?", Integer.class, controlId);
    }

    /** A TLS connection trusting the listener's certificate, presenting the sender's when asked to. */
    private static Socket tlsSocket(boolean withCertificate) throws Exception {
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(load("sender-trust.p12"));
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(load("sender.p12"), PASSWORD.toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(withCertificate ? keys.getKeyManagers() : null, trust.getTrustManagers(), null);
        SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port);
        socket.setSoTimeout((int) TimeUnit.SECONDS.toMillis(30));
        socket.startHandshake();
        return socket;
    }

    private static KeyStore load(String name) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = java.nio.file.Files.newInputStream(dir.resolve(name))) {
            store.load(in, PASSWORD.toCharArray());
        }
        return store;
    }

    private static String path(String name) {
        return dir.resolve(name).toString();
    }

    private static void keytool(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("keytool " + args[0] + " failed: " + output);
        }
    }
}
