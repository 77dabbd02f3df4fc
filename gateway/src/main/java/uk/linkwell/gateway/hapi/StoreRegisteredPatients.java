package uk.linkwell.gateway.hapi;

import jakarta.persistence.EntityManager;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Reads a practice's registered list from HAPI's store: the ids of the patients (not deleted) whose
 * {@code Patient.generalPractitioner} resolves to one of the given Organizations, in one indexed query over
 * HAPI's reference index. It answers what the FHIR search {@code Patient?general-practitioner=...} answers:
 * turning that search's ten thousand results into ids loaded every patient's row into Hibernate's session,
 * and flushing them cost seconds per list (JFR, the consent benchmark), during which every request of the
 * practice waited.
 */
public final class StoreRegisteredPatients implements RegisteredPatients {

    private final EntityManager entityManager;
    private final TransactionTemplate readOnly;
    private final int limit;

    public StoreRegisteredPatients(
            EntityManager entityManager, PlatformTransactionManager transactionManager, int limit) {
        this.entityManager = entityManager;
        this.readOnly = new TransactionTemplate(transactionManager);
        this.readOnly.setReadOnly(true);
        this.limit = limit;
    }

    /**
     * @param organisations {@code Organization/<id>} references
     * @return the registered patients' ids ({@code <id>}, no type), at most the limit
     */
    @Override
    public List<String> apply(Collection<String> organisations) {
        if (organisations.isEmpty()) {
            return List.of();
        }
        List<String> ids =
                organisations.stream().map(o -> o.substring(o.indexOf('/') + 1)).toList();
        return readOnly.execute(tx -> {
            List<?> rows = entityManager
                    .createNativeQuery(HapiTables.REGISTERED_AT_SQL)
                    .setParameter("organisations", ids)
                    .setMaxResults(limit)
                    .getResultList();
            List<String> patients = new ArrayList<>(rows.size());
            rows.forEach(row -> patients.add((String) row));
            return patients;
        });
    }
}
