package uk.linkwell.gateway.ingest.mllp;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import java.net.SocketException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** Connection errors are described without what netty read off the wire. */
class MllpConnectionErrorsTest {

    @Test
    void notTlsIsDescribedByTypeOnlyWithoutTheHexDumpOfTheMessage() {
        String dump = "0b4d53487c5e7e5c267c5041537c5257454c4c";
        String text = MllpConnectionErrors.describe(
                new DecoderException(new NotSslRecordException("not an SSL/TLS record: " + dump)));
        assertThat(text)
                .isEqualTo("DecoderException caused by NotSslRecordException")
                .doesNotContain(dump);
    }

    @Test
    void tlsAndSocketErrorsKeepTheirMessages() {
        assertThat(MllpConnectionErrors.describe(
                        new DecoderException(new SSLHandshakeException("Empty client certificate chain"))))
                .isEqualTo("DecoderException caused by SSLHandshakeException (Empty client certificate chain)");
        assertThat(MllpConnectionErrors.describe(new SocketException("Connection reset")))
                .isEqualTo("SocketException (Connection reset)");
    }

    @Test
    void theAckThatCouldNotBeWrittenIsNamedByItsCodeAndControlId() {
        byte[] ack = "MSH|^~\\&|LINKWELL|LINKWELL|PAS|RWELL|20261120083000+0000||ACK^A01^ACK|LW1|P|2.5.1\rMSA|AA|T123\r"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(MllpConnectionErrors.msa(ack)).containsExactly("AA", "T123");
        assertThat(MllpConnectionErrors.msa(new byte[0])).containsExactly("?", "?");
    }

    @Test
    void otherErrorsByTypeOnly() {
        assertThat(MllpConnectionErrors.describe(new IllegalArgumentException("PID|1||9990000026")))
                .isEqualTo("IllegalArgumentException");
    }
}
