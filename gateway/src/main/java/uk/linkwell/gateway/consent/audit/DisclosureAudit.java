package uk.linkwell.gateway.consent.audit;

/** Where disclosures go to be written as AuditEvents; never blocks the caller for a database write. */
public interface DisclosureAudit {

    void record(Disclosure disclosure);
}
