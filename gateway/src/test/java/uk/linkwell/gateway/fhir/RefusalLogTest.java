package uk.linkwell.gateway.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;
import uk.linkwell.gateway.testsupport.TestTokens;

/** Expected refusals are one line each in the gateway's log, with the request id the client got; no stack traces. */
@ExtendWith(OutputCaptureExtension.class)
class RefusalLogTest extends GatewayIntegrationTest {

    @Test
    void aRefusalIsOneInfoLineWithTheRequestIdAndNoStackTrace(CapturedOutput output) {
        String hospital = tokenFor(TestTokens.Claims.of("hospital", "RXX", "system/*.cruds"));
        int before = output.getOut().length();

        // A hospital client writes only: searching is refused by an interceptor (403).
        HttpResponse<String> refused = fhir(hospital, "GET", "Organization", null);
        assertThat(refused.statusCode()).isEqualTo(403);
        String requestId = refused.headers().firstValue("X-Request-ID").orElseThrow();
        // A record that is not there (404) and a search HAPI cannot parse (400).
        assertThat(fhir(adminToken(), "GET", "Patient/refusal-log-missing", null)
                        .statusCode())
                .isEqualTo(404);
        assertThat(fhir(adminToken(), "GET", "Patient?birthdate=not-a-date", null)
                        .statusCode())
                .isEqualTo(400);

        String logged = output.getOut().substring(before);
        assertThat(logged)
                .contains("Refused GET search-type Organization with 403 (ForbiddenOperationException), request "
                        + requestId)
                .contains("with 404 (ResourceNotFoundException)")
                .contains("Refused a request with 400 (DataFormatException)")
                .doesNotContain("Exception thrown by interceptor")
                .doesNotContain("Failure during REST processing")
                .doesNotContain("\tat ca.uhn.fhir")
                .doesNotContain(" ERROR ");
    }

    @Test
    void aServerErrorKeepsItsStackTrace() {
        ExpectedRefusalFilter filter = new ExpectedRefusalFilter();
        ch.qos.logback.classic.LoggerContext context = new ch.qos.logback.classic.LoggerContext();
        ch.qos.logback.classic.Logger interceptors = context.getLogger(ExpectedRefusalFilter.INTERCEPTOR_SERVICE);
        ch.qos.logback.classic.Logger handling = context.getLogger(ExpectedRefusalFilter.EXCEPTION_HANDLING);
        var forbidden = new ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException("no");
        var internal = new ca.uhn.fhir.rest.server.exceptions.InternalErrorException("broken");
        var plain = new IllegalStateException("broken");

        assertThat(filter.decide(
                        null, interceptors, ch.qos.logback.classic.Level.ERROR, "x {}", new Object[] {forbidden}, null))
                .isEqualTo(ch.qos.logback.core.spi.FilterReply.DENY);
        assertThat(filter.decide(null, interceptors, ch.qos.logback.classic.Level.ERROR, "x", null, forbidden))
                .isEqualTo(ch.qos.logback.core.spi.FilterReply.DENY);
        assertThat(filter.decide(null, interceptors, ch.qos.logback.classic.Level.ERROR, "x", null, internal))
                .isEqualTo(ch.qos.logback.core.spi.FilterReply.NEUTRAL);
        assertThat(filter.decide(
                        null, interceptors, ch.qos.logback.classic.Level.ERROR, "x {}", new Object[] {plain}, null))
                .isEqualTo(ch.qos.logback.core.spi.FilterReply.NEUTRAL);
        assertThat(filter.decide(
                        null,
                        handling,
                        ch.qos.logback.classic.Level.WARN,
                        ExpectedRefusalFilter.CLIENT_FAILURE,
                        new Object[] {forbidden.toString()},
                        null))
                .isEqualTo(ch.qos.logback.core.spi.FilterReply.DENY);
        // HAPI's line for a 5xx carries the exception itself: kept.
        assertThat(filter.decide(
                        null,
                        handling,
                        ch.qos.logback.classic.Level.WARN,
                        ExpectedRefusalFilter.CLIENT_FAILURE,
                        new Object[] {internal},
                        null))
                .isEqualTo(ch.qos.logback.core.spi.FilterReply.NEUTRAL);
    }
}
