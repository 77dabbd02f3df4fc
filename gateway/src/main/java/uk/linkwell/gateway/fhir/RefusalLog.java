package uk.linkwell.gateway.fhir;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One INFO line for each FHIR request refused with a 4xx: the status, the interaction, the resource type, the
 * refusal's kind and the request id (HAPI's {@code X-Request-ID}, which the client also gets), so an operator can
 * find a client's complaint. The refusal's text stays out: it can echo what the client sent (an NHS number in a
 * search). Server errors are left to HAPI, which logs them with their stack trace; {@link ExpectedRefusalFilter}
 * keeps HAPI's own lines for the expected refusals out of the log.
 */
@Interceptor
public class RefusalLog {

    private static final Logger log = LoggerFactory.getLogger(RefusalLog.class);

    @Hook(Pointcut.SERVER_HANDLE_EXCEPTION)
    public boolean refused(RequestDetails request, BaseServerResponseException exception) {
        if (exception.getStatusCode() < 500) {
            log.info(
                    "Refused {} {} with {} ({}), request {}",
                    request.getRequestType(),
                    request.getRestOperationType() == null
                            ? "-"
                            : request.getRestOperationType().getCode() + " "
                                    + (request.getResourceName() == null ? "(system)" : request.getResourceName()),
                    exception.getStatusCode(),
                    exception.getClass().getSimpleName(),
                    request.getRequestId());
        }
        return true;
    }
}
