package uk.linkwell.gateway.consent.audit;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.model.RequestPartitionId;
import ca.uhn.fhir.jpa.cache.IResourceVersionSvc;
import ca.uhn.fhir.jpa.cache.ResourcePersistentIdMap;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The disclosure trail's store: an append-only table of disclosures ({@code LW_DISCLOSURE}, one row per
 * disclosure with the columns it is searched by and the disclosure itself as a {@link StoredDisclosure}, and
 * {@code LW_DISCLOSURE_ENTITY}, one row per resource it was about), written a batch per transaction with plain
 * batched inserts and read back as AuditEvents.
 *
 * <p>Why not HAPI's own AuditEvent store: storing each AuditEvent through HAPI (reference resolution, search
 * parameter extraction, a dozen index rows, Hibernate's flush) cost more than the whole consent decision of the
 * request that caused it (consent benchmark, JFR). A disclosure record is written once and never changed, and is
 * searched by a handful of parameters, so it needs none of that.
 */
public class DisclosureTrail {

    /** entity.description of an entity whose resource was not on the server when the disclosure was written. */
    public static final String GONE = "not on the server when the disclosure was audited";

    private static final String INSERT_DISCLOSURE = "INSERT INTO LW_DISCLOSURE (ID, RECORDED, PATIENT, OUTCOME,"
            + " CHANNEL, CLIENT_ID, PRACTITIONER, BREAK_GLASS, REQUEST_ID, BODY) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String INSERT_ENTITY = "INSERT INTO LW_DISCLOSURE_ENTITY (DISCLOSURE_ID, REF) VALUES (?, ?)";

    private final FhirContext fhirContext;
    private final JdbcTemplate jdbc;
    private final TransactionTemplate transaction;
    private final IResourceVersionSvc versions;
    private final String sourceName;

    public DisclosureTrail(
            FhirContext fhirContext,
            DataSource dataSource,
            PlatformTransactionManager transactionManager,
            IResourceVersionSvc versions,
            String sourceName) {
        this.fhirContext = fhirContext;
        this.jdbc = new JdbcTemplate(dataSource);
        this.versions = versions;
        this.sourceName = sourceName;
        this.transaction = new TransactionTemplate(transactionManager);
        this.transaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    }

    /** A disclosure as it is stored: its AuditEvent and the search columns. */
    private record Row(String id, Disclosure disclosure, AuditEvent event, Set<String> entities) {}

    /**
     * Appends the disclosures, all or nothing, in one transaction; a failed attempt can be repeated with the same
     * list (each attempt makes its own ids).
     *
     * @return how many references were to resources no longer on the server (kept unversioned, described as gone)
     */
    public int writeAll(List<Disclosure> disclosures) {
        if (disclosures.isEmpty()) {
            return 0;
        }
        Instant written = Instant.now();
        List<Row> rows = new ArrayList<>(disclosures.size());
        for (Disclosure d : disclosures) {
            String id = UUID.randomUUID().toString();
            AuditEvent event = DisclosureAuditEvents.toAuditEvent(d, sourceName);
            rows.add(new Row(id, d, event, entities(event)));
        }
        return transaction.execute(tx -> {
            int gone = versionObservedReferences(rows);
            List<Object[]> disclosureArgs = new ArrayList<>(rows.size());
            List<Object[]> entityArgs = new ArrayList<>();
            for (Row row : rows) {
                Disclosure d = row.disclosure();
                disclosureArgs.add(new Object[] {
                    row.id(),
                    utc(d.at()),
                    d.patient(),
                    "deny".equals(d.decision()) ? "4" : "0",
                    d.channel() == null ? "unknown" : d.channel(),
                    clip(d.clientId()),
                    d.practitioner(),
                    d.breakGlass(),
                    clip(d.requestId()),
                    StoredDisclosure.of(d, sourceName, written, row.event()).toBytes()
                });
                row.entities().forEach(ref -> entityArgs.add(new Object[] {row.id(), ref}));
            }
            jdbc.batchUpdate(INSERT_DISCLOSURE, disclosureArgs);
            jdbc.batchUpdate(INSERT_ENTITY, entityArgs);
            return gone;
        });
    }

    /** The versionless references of what the event was about, each once. */
    private static Set<String> entities(AuditEvent event) {
        Set<String> refs = new LinkedHashSet<>();
        for (AuditEvent.AuditEventEntityComponent entity : event.getEntity()) {
            if (entity.hasWhat() && entity.getWhat().hasReference()) {
                IdType id = new IdType(entity.getWhat().getReference());
                if (id.hasResourceType() && id.hasIdPart()) {
                    refs.add(id.toUnqualifiedVersionless().getValue());
                }
            }
        }
        return refs;
    }

    /**
     * {@code CarePlan/5} becomes {@code CarePlan/5/_history/2}, the version current now, so the trail records which
     * version was disclosed; all of the batch's in one query. A target not found is left unversioned and described
     * as gone.
     */
    private int versionObservedReferences(List<Row> rows) {
        List<AuditEvent.AuditEventEntityComponent> entities = new ArrayList<>();
        List<IIdType> ids = new ArrayList<>();
        for (Row row : rows) {
            for (AuditEvent.AuditEventEntityComponent entity : row.event().getEntity()) {
                if (!entity.hasWhat() || !entity.getWhat().hasReference()) {
                    continue;
                }
                IdType id = new IdType(entity.getWhat().getReference());
                if (id.hasResourceType() && id.hasIdPart() && !id.hasVersionIdPart() && !id.hasBaseUrl()) {
                    entities.add(entity);
                    ids.add(id);
                }
            }
        }
        if (ids.isEmpty()) {
            return 0;
        }
        ResourcePersistentIdMap current =
                versions.getLatestVersionIdsForResourceIds(RequestPartitionId.allPartitions(), ids);
        int gone = 0;
        for (int i = 0; i < ids.size(); i++) {
            IIdType id = ids.get(i);
            Reference what = entities.get(i).getWhat();
            if (current.containsKey(id) && current.getResourcePersistentId(id).getVersion() != null) {
                what.setReference(id.withVersion(String.valueOf(
                                current.getResourcePersistentId(id).getVersion()))
                        .getValue());
            } else {
                entities.get(i).setDescription(GONE);
                gone++;
            }
        }
        return gone;
    }

    /** The AuditEvent with this id, if there is one. */
    public Optional<AuditEvent> read(String id) {
        List<AuditEvent> found =
                jdbc.query("SELECT ID, BODY FROM LW_DISCLOSURE WHERE ID = ?", (rs, n) -> event(rs), id);
        return found.stream().findFirst();
    }

    /** How many disclosures the query matches. */
    public int count(TrailQuery query) {
        Long n = jdbc.queryForObject(
                "SELECT COUNT(*) FROM LW_DISCLOSURE d" + query.where(),
                Long.class,
                query.arguments().toArray());
        return n == null ? 0 : (int) Math.min(Integer.MAX_VALUE, n);
    }

    /** One page of the matching AuditEvents, in the query's order. */
    public List<AuditEvent> page(TrailQuery query, int offset, int limit) {
        if (limit <= 0) {
            return List.of();
        }
        List<Object> args = new ArrayList<>(query.arguments());
        args.add(limit);
        args.add(offset);
        return jdbc.query(
                "SELECT d.ID, d.BODY FROM LW_DISCLOSURE d" + query.where() + query.orderBy() + " LIMIT ? OFFSET ?",
                (rs, n) -> event(rs),
                args.toArray());
    }

    private AuditEvent event(ResultSet rs) throws SQLException {
        byte[] body = rs.getBytes(2);
        if (StoredDisclosure.isStoredForm(body)) {
            return StoredDisclosure.fromBytes(body).toAuditEvent(rs.getString(1));
        }
        // Written before the stored form: the AuditEvent's own JSON.
        AuditEvent event =
                fhirContext.newJsonParser().parseResource(AuditEvent.class, new String(body, StandardCharsets.UTF_8));
        event.setId(new IdType(
                "AuditEvent", event.getIdElement().getIdPart(), event.getMeta().getVersionId()));
        return event;
    }

    private static OffsetDateTime utc(Instant at) {
        return (at == null ? Instant.now() : at).atOffset(ZoneOffset.UTC);
    }

    private static String clip(String value) {
        return value == null || value.length() <= 200 ? value : value.substring(0, 200);
    }
}
