package uk.linkwell.gateway.consent;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import jakarta.persistence.EntityManager;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.hl7.fhir.r4.model.Consent;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Reads one patient's active Consents from HAPI's store: one indexed query over HAPI's reference index for the
 * Consents whose {@code patient} is the patient, then a read by primary key of each. It answers what the FHIR search
 * {@code Consent?patient=Patient/<id>&status=active} answers, for a fraction of the cost: building and running that
 * search cost more than all the rest of a consent decision (JFR, the consent benchmark), and the engine asks once
 * per patient it has not seen within the cache TTL.
 */
final class StoreConsentLookup implements Function<String, List<Consent>> {

    /** Consents (not deleted) whose {@code Consent.patient} reference resolves to the patient with this id. */
    static final String CONSENTS_OF_PATIENT_SQL = """
            SELECT c.RES_ID FROM HFJ_RESOURCE p
            JOIN HFJ_RES_LINK l ON l.TARGET_RESOURCE_ID = p.RES_ID AND l.SRC_PATH = 'Consent.patient'
            JOIN HFJ_RESOURCE c ON c.RES_ID = l.SRC_RESOURCE_ID AND c.RES_TYPE = 'Consent' AND c.RES_DELETED_AT IS NULL
            WHERE p.RES_TYPE = 'Patient' AND p.FHIR_ID = :patient""";

    private final EntityManager entityManager;
    private final TransactionTemplate readOnly;
    private final IFhirResourceDao<Consent> consents;

    StoreConsentLookup(EntityManager entityManager, PlatformTransactionManager transactionManager, DaoRegistry daos) {
        this.entityManager = entityManager;
        this.readOnly = new TransactionTemplate(transactionManager);
        this.readOnly.setReadOnly(true);
        this.consents = daos.getResourceDao(Consent.class);
    }

    /** @param patient {@code Patient/<id>} */
    @Override
    public List<Consent> apply(String patient) {
        String id = patient.substring(patient.indexOf('/') + 1);
        return readOnly.execute(tx -> {
            List<?> pids = entityManager.createNativeQuery(CONSENTS_OF_PATIENT_SQL)
                    .setParameter("patient", id).getResultList();
            List<Consent> active = new ArrayList<>(pids.size());
            for (Object pid : pids) {
                Consent consent = consents.readByPid(JpaPid.fromId(((Number) pid).longValue()));
                if (consent.getStatus() == Consent.ConsentState.ACTIVE) {
                    active.add(consent);
                }
            }
            return List.copyOf(active);
        });
    }
}
