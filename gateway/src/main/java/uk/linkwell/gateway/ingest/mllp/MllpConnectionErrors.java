package uk.linkwell.gateway.ingest.mllp;

import java.io.IOException;
import java.net.SocketException;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLException;
import org.apache.camel.CamelExchangeException;
import org.apache.camel.Exchange;
import org.apache.camel.component.netty.NettyConstants;
import org.apache.camel.spi.ExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Logs the errors that close an MLLP connection (bad TLS, no client certificate, a reset) by exception type only:
 * netty's own messages can carry the bytes received, such as a hex dump of a whole message sent in plain TCP to the
 * TLS port, and logs never carry message bodies. camel-netty closes the connection whatever this does. A sender that
 * hangs up before its ACK is written is one INFO line with the ACK's code and control id.
 */
@Component(MllpConnectionErrors.BEAN)
public class MllpConnectionErrors implements ExceptionHandler {

    static final String BEAN = "hospitalMllpConnectionErrors";

    private static final Logger log = LoggerFactory.getLogger(MllpConnectionErrors.class);

    @Override
    public void handleException(Throwable exception) {
        handleException(null, null, exception);
    }

    @Override
    public void handleException(String message, Throwable exception) {
        handleException(message, null, exception);
    }

    @Override
    public void handleException(String message, Exchange exchange, Throwable exception) {
        Exchange answered =
                exchange != null ? exchange : exception instanceof CamelExchangeException e ? e.getExchange() : null;
        if (answered != null && isHangUp(exception)) {
            // The message was handled and its ACK built (AA, or AR/AE with the reason stored) before the write
            // failed: the sender left without waiting, which is the sender's business, not an error here.
            String[] msa = msa(answered.getMessage().getBody(byte[].class));
            log.info(
                    "MLLP sender {} closed the connection before its ACK ({}, control id {}) was written",
                    answered.getMessage().getHeader(NettyConstants.NETTY_REMOTE_ADDRESS),
                    msa[0],
                    msa[1]);
            return;
        }
        log.warn("MLLP connection closed after an error: {}", describe(exception));
    }

    /** Whether writing failed because the connection was already closed or reset by the other end. */
    private static boolean isHangUp(Throwable exception) {
        for (Throwable t = exception; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ClosedChannelException || t instanceof SocketException) {
                return true;
            }
            if (t instanceof IOException io
                    && io.getMessage() != null
                    && (io.getMessage().contains("reset") || io.getMessage().contains("Broken pipe"))) {
                return true;
            }
        }
        return false;
    }

    /** MSA-1 and MSA-2 (code and control id) of an ACK the listener built, or "?" for each when there is none. */
    static String[] msa(byte[] ack) {
        String text = ack == null ? "" : new String(ack, StandardCharsets.UTF_8);
        int at = text.indexOf("\rMSA|");
        if (at < 0) {
            return new String[] {"?", "?"};
        }
        int end = text.indexOf('\r', at + 1);
        String[] fields = text.substring(at + 1, end < 0 ? text.length() : end).split("\\|", -1);
        return new String[] {fields.length > 1 ? fields[1] : "?", fields.length > 2 ? fields[2] : "?"};
    }

    /** The cause chain by class, with the messages of TLS and socket errors, which name no received bytes. */
    static String describe(Throwable exception) {
        StringBuilder text = new StringBuilder();
        int depth = 0;
        for (Throwable t = exception; t != null && depth < 8; t = t.getCause() == t ? null : t.getCause(), depth++) {
            if (!text.isEmpty()) {
                text.append(" caused by ");
            }
            text.append(t.getClass().getSimpleName());
            boolean safe = (t instanceof SSLException || t instanceof IOException)
                    && !t.getClass().getSimpleName().equals("NotSslRecordException");
            if (safe && t.getMessage() != null) {
                text.append(" (")
                        .append(t.getMessage().length() > 200 ? t.getMessage().substring(0, 200) : t.getMessage())
                        .append(')');
            }
        }
        return text.toString();
    }
}
