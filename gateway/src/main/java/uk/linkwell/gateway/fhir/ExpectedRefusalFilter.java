package uk.linkwell.gateway.fhir;

import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.Marker;

/**
 * Keeps HAPI's own log lines for expected refusals (a 401, 403, 404, 409, 422: thrown by Linkwell's interceptors
 * as the answer to a request) out of the log. HAPI logs every exception an interceptor throws as an ERROR with its
 * stack trace, and every 4xx once more as a WARN; {@link RefusalLog} writes one INFO line instead. Anything else,
 * a server error above all, passes untouched. Installed by {@code logback-spring.xml}.
 */
public class ExpectedRefusalFilter extends TurboFilter {

    static final String INTERCEPTOR_SERVICE = "ca.uhn.fhir.interceptor.executor.BaseInterceptorService";
    static final String EXCEPTION_HANDLING = "ca.uhn.fhir.rest.server.interceptor.ExceptionHandlingInterceptor";
    /** HAPI's format for a 4xx (its 5xx line carries the exception itself). */
    static final String CLIENT_FAILURE = "Failure during REST processing: {}";

    private static final org.slf4j.Logger REFUSALS = org.slf4j.LoggerFactory.getLogger(RefusalLog.class);

    @Override
    public FilterReply decide(
            Marker marker, Logger logger, Level level, String format, Object[] params, Throwable thrown) {
        if (logger == null || format == null) {
            return FilterReply.NEUTRAL;
        }
        String name = logger.getName();
        if (INTERCEPTOR_SERVICE.equals(name)) {
            return isRefusal(thrown) || isRefusal(lastThrowable(params)) ? FilterReply.DENY : FilterReply.NEUTRAL;
        }
        if (EXCEPTION_HANDLING.equals(name) && level == Level.ERROR && isUnreadableInput(thrown)) {
            // HAPI answers input it cannot parse (a search value of the wrong form) with 400, but logs it as an
            // ERROR with its stack trace, and without the SERVER_HANDLE_EXCEPTION hook RefusalLog listens to.
            REFUSALS.warn("Refused a request with 400 ({})", thrown.getClass().getSimpleName());
            return FilterReply.DENY;
        }
        if (EXCEPTION_HANDLING.equals(name)
                && level == Level.WARN
                && CLIENT_FAILURE.equals(format)
                && params != null
                && params.length == 1
                && params[0] instanceof String) {
            return FilterReply.DENY;
        }
        return FilterReply.NEUTRAL;
    }

    private static boolean isUnreadableInput(Throwable thrown) {
        return thrown instanceof ca.uhn.fhir.parser.DataFormatException;
    }

    private static boolean isRefusal(Throwable thrown) {
        return thrown instanceof BaseServerResponseException refusal && refusal.getStatusCode() < 500;
    }

    private static Throwable lastThrowable(Object[] params) {
        return params != null && params.length > 0 && params[params.length - 1] instanceof Throwable t ? t : null;
    }
}
