package uk.linkwell.gateway.consent;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import uk.linkwell.gateway.consent.audit.Disclosure;
import uk.linkwell.gateway.consent.audit.DisclosureAudit;

/**
 * Stand-in {@link DisclosureAudit} used only when no AuditEvent writer is in the application: logs each
 * disclosure at debug (client, basis, resource references; never names or NHS numbers).
 */
public class LoggingDisclosureAudit implements DisclosureAudit {

    private static final Logger log = LoggerFactory.getLogger(LoggingDisclosureAudit.class);

    @Override
    public void record(Disclosure d) {
        log.debug("disclosure {} to {} ({}) of {} on basis {} via {}", d.decision(), d.clientId(), d.organisation(),
                d.resources(), d.basis(), d.channel());
    }
}
