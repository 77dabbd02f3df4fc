package uk.linkwell.gateway.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Endpoint;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.junit.jupiter.api.Test;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;

/**
 * Issue 25, the Linkwell Endpoint profile on the FHIR API: an admin's Endpoint that claims no profile is held to
 * LinkwellEndpoint; one of the channels the gateway speaks and an address in that channel's form is stored, anything
 * else is refused with 422 and an OperationOutcome naming the element and the rule, and nothing is stored.
 */
class EndpointProfileTest extends GatewayIntegrationTest {

    private static final String HL7 = Channels.HL7_CONNECTION_TYPES;
    private static final String LINKWELL = Channels.LINKWELL_CONNECTION_TYPES;

    @Test
    void anEndpointOfEachChannelWithAnAddressOfItsFormIsStored() {
        for (Endpoint valid : new Endpoint[] {
            endpoint(HL7, "hl7-fhir-msg", "https://gp.example.nhs.uk/fhir"),
            endpoint(HL7, "hl7-fhir-rest", "http://127.0.0.1:8089/fhir"),
            endpoint(HL7, "hl7v2-mllp", "mllp://pas.hospital.example:2575"),
            endpoint(LINKWELL, "webhook", "https://hooks.council.example/case-events?source=linkwell"),
            endpoint(LINKWELL, "amqp", "amqp://broker.council.example/%2F?exchange=case-events"),
            endpoint(LINKWELL, "amqp", "amqps://broker.council.example:5671/care?exchange=case-events&routingKey=gp")
        }) {
            assertThat(client().create().resource(valid).execute().getCreated())
                    .as(valid.getAddress())
                    .isTrue();
        }
    }

    @Test
    void anAddressNotInItsChannelsFormIsRefusedNamingTheAddressAndTheRule() {
        refused(
                endpoint(LINKWELL, "webhook", "ftp://hooks.council.example/x"),
                "Endpoint.address",
                "endpoint-http-address");
        refused(endpoint(HL7, "hl7-fhir-msg", "gp.example.nhs.uk/fhir"), "Endpoint.address", "endpoint-http-address");
        refused(endpoint(HL7, "hl7-fhir-rest", "https://"), "Endpoint.address", "endpoint-http-address");
        refused(
                endpoint(HL7, "hl7v2-mllp", "mllp://pas.hospital.example"),
                "Endpoint.address",
                "endpoint-mllp-address");
        refused(
                endpoint(HL7, "hl7v2-mllp", "https://pas.hospital.example:2575"),
                "Endpoint.address",
                "endpoint-mllp-address");
        refused(
                endpoint(LINKWELL, "amqp", "amqp://broker.council.example/care?routingKey=gp"),
                "Endpoint.address",
                "endpoint-amqp-address");
        refused(
                endpoint(LINKWELL, "amqp", "https://broker.council.example/?exchange=x"),
                "Endpoint.address",
                "endpoint-amqp-address");
    }

    @Test
    void aChannelTheGatewayDoesNotSpeakOrACodeWithoutItsSystemIsRefused() {
        refused(
                endpoint(HL7, "direct-project", "https://direct.example/"),
                "Endpoint.connectionType",
                "endpoint-connection-type");
        // Linkwell's code in HL7's system is not a channel: the binding names the value set.
        refused(
                endpoint(HL7, "webhook", "https://hooks.council.example/x"),
                "Endpoint.connectionType",
                "endpoint-connection-type");
        refused(endpoint(null, "hl7-fhir-msg", "https://gp.example.nhs.uk/fhir"), "Endpoint.connectionType", "system");
    }

    @Test
    void anEndpointWithoutAnAddressIsRefusedAndABadUpdateLeavesTheStoredOneAsItWas() {
        Endpoint noAddress = endpoint(HL7, "hl7-fhir-msg", null);
        UnprocessableEntityException refused = catchThrowableOfType(
                () -> client().create().resource(noAddress).execute(), UnprocessableEntityException.class);
        assertThat(refused).isNotNull();
        assertThat(((OperationOutcome) refused.getOperationOutcome()).getIssue())
                .anySatisfy(i -> assertThat(i.getDiagnostics()).contains("Endpoint.address"));

        String id = client().create()
                .resource(endpoint(HL7, "hl7-fhir-msg", "https://gp.example.nhs.uk/fhir"))
                .execute()
                .getId()
                .getIdPart();
        Endpoint broken = endpoint(LINKWELL, "webhook", "mailto:council@example.org");
        broken.setId("Endpoint/" + id);
        refused(broken, "Endpoint.address", "endpoint-http-address");
        Endpoint stored = client().read().resource(Endpoint.class).withId(id).execute();
        assertThat(stored.getAddress()).isEqualTo("https://gp.example.nhs.uk/fhir");
        assertThat(stored.getConnectionType().getCode()).isEqualTo("hl7-fhir-msg");
    }

    private void refused(Endpoint endpoint, String element, String rule) {
        UnprocessableEntityException refused = catchThrowableOfType(
                () -> {
                    if (endpoint.hasId()) {
                        client().update().resource(endpoint).execute();
                    } else {
                        client().create().resource(endpoint).execute();
                    }
                },
                UnprocessableEntityException.class);
        assertThat(refused).as(endpoint.getAddress() + " should be refused").isNotNull();
        assertThat(refused.getStatusCode()).isEqualTo(422);
        OperationOutcome outcome = (OperationOutcome) refused.getOperationOutcome();
        assertThat(outcome.getIssue()).as(endpoint.getAddress()).anySatisfy(issue -> {
            assertThat(issue.getSeverity())
                    .isIn(OperationOutcome.IssueSeverity.ERROR, OperationOutcome.IssueSeverity.FATAL);
            assertThat(issue.getExpression()).extracting(Object::toString).anySatisfy(e -> assertThat(e)
                    .startsWith(element));
            assertThat(issue.getDiagnostics()).contains(rule);
        });
    }

    private static Endpoint endpoint(String system, String code, String address) {
        Endpoint endpoint = new Endpoint()
                .setStatus(Endpoint.EndpointStatus.ACTIVE)
                .setConnectionType(new Coding(system, code, null));
        if (address != null) {
            endpoint.setAddress(address);
        }
        endpoint.addPayloadType().setText("FHIR message");
        return endpoint;
    }
}
