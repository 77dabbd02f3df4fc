package uk.linkwell.gateway.consent;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.parser.LenientErrorHandler;
import jakarta.persistence.EntityManager;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.hl7.fhir.r4.model.Consent;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Reads one patient's active Consents from HAPI's store: one indexed query over HAPI's reference index for the
 * Consents whose {@code patient} is the patient, returning each one's current stored JSON, which is parsed here.
 * It answers what the FHIR search {@code Consent?patient=Patient/<id>&status=active} answers, for a fraction of
 * the cost: building and running that search cost more than all the rest of a consent decision, and HAPI's own
 * read by primary key (three Hibernate queries: the resource, its current version, its tags) was still the largest
 * part of the consent layer's cost (JFR, the consent benchmark). The engine asks once per patient it has not seen
 * within the cache TTL.
 *
 * <p>The parsed Consents carry their content, id and version, not HAPI's stored meta (tags, last updated), which
 * the engine does not use. A version HAPI stored any other way than as inline JSON (compressed, external, in the
 * LOB column) is read through HAPI's DAO instead.
 */
final class StoreConsentLookup implements Function<String, List<Consent>> {

    /**
     * Consents (not deleted) whose {@code Consent.patient} reference resolves to the patient with this id, each with
     * its id, its current version and that version's stored text and encoding.
     */
    static final String CONSENTS_OF_PATIENT_SQL = """
            SELECT c.RES_ID, c.FHIR_ID, c.RES_VER, v.RES_ENCODING, v.RES_TEXT_VC FROM HFJ_RESOURCE p
            JOIN HFJ_RES_LINK l ON l.TARGET_RESOURCE_ID = p.RES_ID AND l.SRC_PATH = 'Consent.patient'
            JOIN HFJ_RESOURCE c ON c.RES_ID = l.SRC_RESOURCE_ID AND c.RES_TYPE = 'Consent' AND c.RES_DELETED_AT IS NULL
            LEFT JOIN HFJ_RES_VER v ON v.RES_ID = c.RES_ID AND v.RES_VER = c.RES_VER
            WHERE p.RES_TYPE = 'Patient' AND p.FHIR_ID = :patient""";

    private final EntityManager entityManager;
    private final TransactionTemplate readOnly;
    private final IFhirResourceDao<Consent> consents;
    private final FhirContext fhir;
    private final AtomicLong readThroughDao = new AtomicLong();

    StoreConsentLookup(EntityManager entityManager, PlatformTransactionManager transactionManager, DaoRegistry daos) {
        this.entityManager = entityManager;
        this.readOnly = new TransactionTemplate(transactionManager);
        this.readOnly.setReadOnly(true);
        this.consents = daos.getResourceDao(Consent.class);
        this.fhir = daos.getSystemDao().getContext();
    }

    /** @param patient {@code Patient/<id>} */
    @Override
    public List<Consent> apply(String patient) {
        String id = patient.substring(patient.indexOf('/') + 1);
        return readOnly.execute(tx -> {
            List<?> rows = entityManager.createNativeQuery(CONSENTS_OF_PATIENT_SQL)
                    .setParameter("patient", id).getResultList();
            List<Consent> active = new ArrayList<>(rows.size());
            for (Object row : rows) {
                Consent consent = consent((Object[]) row);
                if (consent.getStatus() == Consent.ConsentState.ACTIVE) {
                    active.add(consent);
                }
            }
            return List.copyOf(active);
        });
    }

    /** How many Consents were read through HAPI's DAO because their stored form was not inline JSON. */
    long readThroughDao() {
        return readThroughDao.get();
    }

    /** The stored text: a String on PostgreSQL, a CLOB where the column is one (H2). */
    private static String text(Object column) {
        if (column instanceof java.sql.Clob clob) {
            try {
                return clob.getSubString(1, (int) clob.length());
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException("Could not read a stored Consent", e);
            }
        }
        return (String) column;
    }

    private Consent consent(Object[] row) {
        long pid = ((Number) row[0]).longValue();
        String fhirId = (String) row[1];
        long version = ((Number) row[2]).longValue();
        String encoding = row[3] == null ? null : row[3].toString();
        String text = text(row[4]);
        if (!"JSON".equals(encoding) || text == null) {
            readThroughDao.incrementAndGet();
            return consents.readByPid(JpaPid.fromId(pid));
        }
        // Lenient, as HAPI is when it reads its own stored resources: what was valid when stored stays readable.
        IParser parser = fhir.newJsonParser().setParserErrorHandler(new LenientErrorHandler(false));
        Consent consent = parser.parseResource(Consent.class, text);
        consent.setId("Consent/" + fhirId + "/_history/" + version);
        return consent;
    }
}
