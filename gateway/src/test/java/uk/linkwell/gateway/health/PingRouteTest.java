package uk.linkwell.gateway.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;

/** Camel runs inside the gateway's context and reports to the health endpoint. */
class PingRouteTest extends GatewayIntegrationTest {

    @Autowired
    ProducerTemplate producer;

    @Test
    void pingRouteAnswersFromTheLinkwellCamelContext() {
        assertThat(producer.requestBody(PingRoute.ENDPOINT, "ping", String.class))
                .isEqualTo("pong from linkwell");
    }

    @Test
    void healthEndpointIsOpenAndIncludesCamelAndTheDatabase() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/health"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body())
                .contains("\"status\":\"UP\"")
                .contains("camelHealth")
                .contains("\"db\"");
    }
}
