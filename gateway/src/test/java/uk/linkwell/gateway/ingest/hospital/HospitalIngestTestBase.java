package uk.linkwell.gateway.ingest.hospital;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Bundle;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;
import uk.linkwell.gateway.testsupport.MllpClient;

/** Helpers for tests that drive the hospital MLLP listener and watch the message store. */
abstract class HospitalIngestTestBase extends GatewayIntegrationTest {

    @Autowired
    protected JdbcTemplate jdbc;

    protected String send(String message) throws Exception {
        try (MllpClient client = new MllpClient(mllpPort())) {
            return client.send(message);
        }
    }

    protected String send(byte[] message) throws Exception {
        try (MllpClient client = new MllpClient(mllpPort())) {
            return client.send(message);
        }
    }

    /** The newest store row with this control id. */
    protected Map<String, Object> row(String controlId) {
        List<Map<String, Object>> rows =
                jdbc.queryForList("SELECT * FROM LW_INBOUND_MESSAGE WHERE CONTROL_ID = ? ORDER BY ID DESC", controlId);
        return rows.isEmpty() ? null : rows.get(0);
    }

    protected int rowCount(String controlId) {
        return jdbc.queryForObject(
                "SELECT COUNT(*) FROM LW_INBOUND_MESSAGE WHERE CONTROL_ID = ?", Integer.class, controlId);
    }

    /** The newest store row holding exactly these bytes. */
    protected Map<String, Object> rowWithBody(byte[] body) {
        List<Map<String, Object>> rows =
                jdbc.queryForList("SELECT * FROM LW_INBOUND_MESSAGE WHERE BODY = ? ORDER BY ID DESC", (Object) body);
        return rows.isEmpty() ? null : rows.get(0);
    }

    protected Map<String, Object> awaitStatus(String controlId, String status) {
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    Map<String, Object> row = row(controlId);
                    return row != null && status.equals(row.get("STATUS"));
                });
        return row(controlId);
    }

    protected Bundle search(String url) {
        return client().search().byUrl(url).returnBundle(Bundle.class).execute();
    }
}
