package uk.linkwell.gateway.hapi;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.dao.JpaStorageResourceParser;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import ca.uhn.fhir.parser.IParser;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.hl7.fhir.r4.model.Consent;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Reads one patient's active Consents from HAPI's store: one indexed query over HAPI's reference index for the
 * Consents whose {@code patient} is the patient, returning each one's current stored JSON, which is parsed here.
 * It answers what the FHIR search {@code Consent?patient=Patient/<id>&status=active} answers, for a fraction of
 * the cost: building and running that search cost more than all the rest of a consent decision, and HAPI's own
 * read by primary key (three Hibernate queries: the resource, its current version, its tags) was still the largest
 * part of the consent layer's cost (JFR, the consent benchmark). The engine asks once per patient it has not seen
 * within the cache TTL. Parsed Consents are kept by resource and version (a stored version never changes), so a
 * patient asked about again costs the query only; plain JDBC, since Hibernate's native-query handling cost as much
 * as the query.
 *
 * <p>The parsed Consents carry their content, id and version, not HAPI's stored meta (tags, last updated), which
 * the engine does not use. A version HAPI stored any other way than as inline JSON (compressed, external, in the
 * LOB column) is read through HAPI's DAO instead.
 */
public final class StoreConsentLookup implements ConsentLookup {

    /** Parsed Consents kept: a few kilobytes each. */
    static final int PARSED_KEPT = 20_000;

    private final JdbcTemplate jdbc;
    private final IFhirResourceDao<Consent> consents;
    private final FhirContext fhir;
    private final AtomicLong readThroughDao = new AtomicLong();
    private final AtomicLong parsed = new AtomicLong();
    private final Cache<StoredVersion, Consent> byVersion =
            Caffeine.newBuilder().maximumSize(PARSED_KEPT).build();

    /** One stored version of one Consent: HAPI's primary key and version number. */
    private record StoredVersion(long pid, long version) {}

    /** One row of {@link HapiTables#CONSENTS_OF_PATIENT_SQL}. */
    private record Row(StoredVersion key, String fhirId, String encoding, String text) {}

    public StoreConsentLookup(DataSource dataSource, DaoRegistry daos) {
        this.jdbc = new JdbcTemplate(dataSource);
        this.consents = daos.getResourceDao(Consent.class);
        this.fhir = daos.getSystemDao().getContext();
    }

    /** @param patient {@code Patient/<id>} */
    @Override
    public List<Consent> apply(String patient) {
        String id = patient.substring(patient.indexOf('/') + 1);
        List<Row> rows = jdbc.query(HapiTables.CONSENTS_OF_PATIENT_SQL, StoreConsentLookup::row, id);
        List<Consent> active = new ArrayList<>(rows.size());
        for (Row row : rows) {
            // Shared between requests: the engine only reads them.
            Consent consent = byVersion.get(row.key(), k -> consent(row));
            if (consent.getStatus() == Consent.ConsentState.ACTIVE) {
                active.add(consent);
            }
        }
        return List.copyOf(active);
    }

    private static Row row(ResultSet rs, int n) throws SQLException {
        // getString reads a CLOB too (H2 stores the text as one).
        return new Row(
                new StoredVersion(rs.getLong(1), rs.getLong(3)), rs.getString(2), rs.getString(4), rs.getString(5));
    }

    /** How many Consents were read through HAPI's DAO because their stored form was not inline JSON. */
    public long readThroughDao() {
        return readThroughDao.get();
    }

    /** How many stored Consent versions were parsed (each once while it stays in the cache). */
    public long parsed() {
        return parsed.get();
    }

    private Consent consent(Row row) {
        parsed.incrementAndGet();
        if (!"JSON".equals(row.encoding()) || row.text() == null) {
            readThroughDao.incrementAndGet();
            return consents.readByPid(JpaPid.fromId(row.key().pid()));
        }
        // Lenient, as HAPI is when it reads its own stored resources: what was valid when stored stays readable.
        IParser parser = fhir.newJsonParser().setParserErrorHandler(JpaStorageResourceParser.LENIENT_ERROR_HANDLER);
        Consent consent = parser.parseResource(Consent.class, row.text());
        consent.setId("Consent/" + row.fhirId() + "/_history/" + row.key().version());
        return consent;
    }
}
