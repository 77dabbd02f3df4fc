package uk.linkwell.mappings.hl7v2;

import java.util.Locale;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Reference;

/**
 * A PRD segment of one role (RP referring provider, RT referred-to provider) as the organisation that
 * stands behind it, identified by ODS code: PRD-7 repetition whose PLN-2 type is {@code ODS}. The name is
 * PRD-4.4 (the location's facility). A practitioner in PRD-2 is not mapped: the practice or service is
 * the accountable party, and an Organization is what LinkwellServiceRequest's requester and performer name.
 */
record ReferralProvider(String odsCode, String name) {

    static ReferralProvider read(ReferralMessage message, String role, String what) throws Hl7MappingException {
        SegmentView prd = message.all("PRD").stream()
                .filter(s -> role.equals(s.get(1, 1).toUpperCase(Locale.ROOT)))
                .findFirst()
                .orElseThrow(() -> message.error(
                        Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR,
                        Hl7ErrorLocation.segment("PRD"),
                        "no PRD with role " + role + " (" + what + ")"));
        for (int rep = 1; rep <= prd.repetitions(7); rep++) {
            if ("ODS".equalsIgnoreCase(prd.get(7, rep, 2))
                    && !prd.get(7, rep, 1).isEmpty()) {
                return new ReferralProvider(prd.get(7, rep, 1).toUpperCase(Locale.ROOT), prd.get(4, 1, 4));
            }
        }
        throw message.error(
                Hl7ErrorCode.REQUIRED_FIELD_MISSING,
                prd.at(7, 1, 1),
                "PRD-7 of the " + what + " (role " + role + ") has no identifier of type ODS");
    }

    /** Adds the organisation as a conditional create; returns a reference carrying its ODS identifier. */
    Reference addTo(TransactionBuilder transaction) {
        Organization organization = new Organization();
        organization.addIdentifier(TransactionBuilder.identifier(LinkwellSystems.ODS_ORGANIZATION, odsCode));
        if (!name.isEmpty()) {
            organization.setName(name);
        }
        Reference reference = transaction.createIfAbsent(organization, LinkwellSystems.ODS_ORGANIZATION, odsCode);
        reference.setIdentifier(TransactionBuilder.identifier(LinkwellSystems.ODS_ORGANIZATION, odsCode));
        if (!name.isEmpty()) {
            reference.setDisplay(name);
        }
        return reference;
    }
}
