package uk.linkwell.gateway.consent;

import java.util.Set;

/**
 * What the consent engine needs to know about one resource, read from it once.
 *
 * @param reference          versionless reference ({@code CarePlan/12})
 * @param patient            the patient it is about ({@code Patient/7}), or null for shared resources
 *                           (Organization, Practitioner, ...)
 * @param securityLabels     codes in {@code meta.security} (PSY, ETH, HIV, STD, SDV, R, V, ...)
 * @param authorOrganisation ODS code of the organisation that wrote it, null when unknown
 * @param authorRole         role code of the client that wrote it ({@code gp-system}, ...), null when unknown
 * @param addressedTo        ODS codes of organisations it is addressed to (a referral's performer, a task's owner)
 * @param bearsOnRisk        marked as bearing on risk, which lifts minimum-necessary withholding
 */
public record ResourceFacts(
        String type,
        String reference,
        String patient,
        Set<String> securityLabels,
        String authorOrganisation,
        Set<String> addressedTo,
        boolean bearsOnRisk,
        String authorRole) {

    public ResourceFacts {
        securityLabels = Set.copyOf(securityLabels);
        addressedTo = Set.copyOf(addressedTo);
    }

    /** Facts of a record whose author's role is not known. */
    public ResourceFacts(
            String type,
            String reference,
            String patient,
            Set<String> securityLabels,
            String authorOrganisation,
            Set<String> addressedTo,
            boolean bearsOnRisk) {
        this(type, reference, patient, securityLabels, authorOrganisation, addressedTo, bearsOnRisk, null);
    }
}
