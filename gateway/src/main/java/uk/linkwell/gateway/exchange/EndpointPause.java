package uk.linkwell.gateway.exchange;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * An Endpoint an admin has paused (table {@code LW_ENDPOINT_PAUSE}): its deliveries stay pending, unclaimed and
 * with no attempt counted, until it is resumed. In the database, so every gateway instance sharing it stops sending.
 */
@Entity
@Table(name = "LW_ENDPOINT_PAUSE")
public class EndpointPause {

    /** The paused {@code Endpoint/<id>}. */
    @Id
    @Column(name = "ENDPOINT", length = 100)
    private String endpoint;

    @Column(name = "PAUSED_AT", nullable = false)
    private Instant pausedAt;

    /** The admin client that paused it. */
    @Column(name = "PAUSED_BY", length = 100)
    private String pausedBy;

    /** Why, in the admin's words (optional; no personal data belongs here). */
    @Column(name = "REASON", length = 500)
    private String reason;

    protected EndpointPause() {}

    EndpointPause(String endpoint, Instant pausedAt, String pausedBy, String reason) {
        this.endpoint = endpoint;
        this.pausedAt = pausedAt;
        this.pausedBy = pausedBy;
        this.reason = reason == null || reason.length() <= 500 ? reason : reason.substring(0, 500);
    }

    public String getEndpoint() {
        return endpoint;
    }

    public Instant getPausedAt() {
        return pausedAt;
    }

    public String getPausedBy() {
        return pausedBy;
    }

    public String getReason() {
        return reason;
    }
}
