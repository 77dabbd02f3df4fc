package uk.linkwell.gateway.ingest.hospital;

import java.io.IOException;
import javax.net.ssl.SSLException;
import org.apache.camel.Exchange;
import org.apache.camel.spi.ExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Logs the errors that close an MLLP connection (bad TLS, no client certificate, a reset) by exception type only:
 * netty's own messages can carry the bytes received, such as a hex dump of a whole message sent in plain TCP to the
 * TLS port, and logs never carry message bodies. camel-netty closes the connection whatever this does.
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
        log.warn("MLLP connection closed after an error: {}", describe(exception));
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
