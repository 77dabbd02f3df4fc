package uk.linkwell.gateway.consent.audit;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Index;
import jakarta.persistence.Table;
import java.io.Serializable;

/**
 * What one disclosure was about, one row per resource (the patient, each disclosed or withheld resource, the
 * Consent relied on): answers "who has seen this care plan" ({@code AuditEvent?entity=CarePlan/5}). Mapped only
 * for the schema, like {@link DisclosureRow}.
 */
@Entity
@IdClass(DisclosureEntityRow.Key.class)
@Table(
        name = "LW_DISCLOSURE_ENTITY",
        indexes = @Index(name = "LW_DISCLOSURE_ENTITY_REF", columnList = "REF, DISCLOSURE_ID"))
public class DisclosureEntityRow {

    @Id
    @Column(name = "DISCLOSURE_ID", length = 64)
    private String disclosureId;

    /** {@code CarePlan/5}, versionless. */
    @Id
    @Column(name = "REF", length = 200)
    private String ref;

    protected DisclosureEntityRow() {}

    /** The composite key JPA asks for. */
    public static class Key implements Serializable {
        private String disclosureId;
        private String ref;

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k
                    && java.util.Objects.equals(disclosureId, k.disclosureId)
                    && java.util.Objects.equals(ref, k.ref);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(disclosureId, ref);
        }
    }
}
