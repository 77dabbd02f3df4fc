package uk.linkwell.gateway.ingest.socialcare.batch;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;
import uk.linkwell.gateway.fhir.ProfileValidationInterceptor;
import uk.linkwell.gateway.ingest.IngestProperties;
import uk.linkwell.gateway.ingest.MessageApplication;
import uk.linkwell.gateway.ingest.SafeErrorText;
import uk.linkwell.gateway.ingest.UnprocessableMessageException;
import uk.linkwell.gateway.ingest.store.InboundMessage;
import uk.linkwell.gateway.ingest.store.MessageStore;
import uk.linkwell.mappings.socialcare.cld.CldFileException;
import uk.linkwell.mappings.socialcare.cld.CldMapper;
import uk.linkwell.mappings.socialcare.cld.CldReader;
import uk.linkwell.mappings.socialcare.cld.CldRowError;
import uk.linkwell.mappings.socialcare.cld.CldRowException;

/**
 * Applies a stored CLD file in chunks of {@code linkwell.socialcare.batch.chunk-size} rows: each chunk is one
 * FHIR transaction through HAPI's DAO layer, committed together with the chunk's progress, its bad rows and a
 * Provenance, so a restart resumes after the last committed chunk and no row is lost or applied twice (and
 * every entry is a create-if-absent, so applying one again would change nothing anyway). A chunk the store
 * refuses is applied again row by row, so the good rows land and the one at fault is reported.
 */
@Component
public class CldBatchProcessor {

    private static final Logger log = LoggerFactory.getLogger(CldBatchProcessor.class);

    private final IFhirSystemDao<Bundle, ?> systemDao;
    private final DaoRegistry daos;
    private final CldBatchStore batches;
    private final MessageStore messages;
    private final CldBatchProperties properties;
    private final IngestProperties ingest;
    private final TransactionTemplate transaction;
    private final Clock clock;

    public CldBatchProcessor(IFhirSystemDao<Bundle, ?> systemDao, DaoRegistry daos, CldBatchStore batches,
            MessageStore messages, CldBatchProperties properties, IngestProperties ingest,
            PlatformTransactionManager transactionManager, Clock clock) {
        this.systemDao = systemDao;
        this.daos = daos;
        this.batches = batches;
        this.messages = messages;
        this.properties = properties;
        this.ingest = ingest;
        this.transaction = new TransactionTemplate(transactionManager);
        this.transaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.clock = clock;
    }

    /** One entry of the file: a mapped row, or why it is bad. */
    private record Pending(long line, List<Bundle.BundleEntryComponent> entries, CldRowError error) {}

    /** Applies what is left of the file (all of it the first time). */
    public void process(InboundMessage message) throws UnprocessableMessageException {
        long id = message.getId();
        CldBatch batch = batches.open(id, message.getSender(), null);
        if (batch.getRowsTotal() == null) {
            batches.start(id, count(message));
        }
        CldReader reader = open(message);
        CldMapper mapper = new CldMapper(batch.getLocalAuthority());
        long settled = batch.getRowsProcessed();
        if (settled > 0) {
            log.info("CLD batch {}: resuming after {} settled rows", id, settled);
        }
        transaction.executeWithoutResult(tx -> messages.extendClaim(id, ingest.claimLease()));
        long seen = 0;
        long[] position = {settled};
        List<Pending> chunk = new ArrayList<>();
        while (reader.hasNext()) {
            CldReader.Entry entry = reader.next();
            seen++;
            // Rows settled before a restart are mapped again (not applied): the mapper remembers the file's people.
            Pending pending = map(mapper, entry);
            if (seen <= settled) {
                continue;
            }
            chunk.add(pending);
            if (chunk.size() >= properties.chunkSize()) {
                apply(message, chunk, position);
                chunk.clear();
            }
        }
        if (!chunk.isEmpty()) {
            apply(message, chunk, position);
        }
        batches.finish(id);
        CldBatch done = batches.find(id).orElseThrow();
        log.info("CLD batch {} completed: {} rows, {} landed, {} bad", id, done.getRowsProcessed(),
                done.getRowsLanded(), done.getRowsBad());
    }

    private static CldReader open(InboundMessage message) throws UnprocessableMessageException {
        try {
            return CldReader.open(message.getBody());
        } catch (CldFileException e) {
            throw new UnprocessableMessageException(e.getMessage());
        }
    }

    private static long count(InboundMessage message) throws UnprocessableMessageException {
        CldReader reader = open(message);
        long total = 0;
        while (reader.hasNext()) {
            reader.next();
            total++;
        }
        return total;
    }

    private static Pending map(CldMapper mapper, CldReader.Entry entry) {
        if (entry.error() != null) {
            return new Pending(entry.lineNumber(), null, entry.error());
        }
        try {
            return new Pending(entry.lineNumber(), mapper.map(entry.row()), null);
        } catch (CldRowException e) {
            return new Pending(entry.lineNumber(), null, e.at(entry.lineNumber()));
        }
    }

    /** Applies a chunk and settles it; {@code position[0]} is the count of settled entries, moved on here. */
    private void apply(InboundMessage message, List<Pending> chunk, long[] position) {
        long id = message.getId();
        List<Pending> good = chunk.stream().filter(p -> p.entries() != null).toList();
        List<CldRowError> bad = chunk.stream().filter(p -> p.error() != null).map(Pending::error).toList();
        try {
            transaction.executeWithoutResult(tx -> {
                write(message, good);
                batches.settle(id, position[0], chunk.size(), good.size(), bad);
                messages.extendClaim(id, ingest.claimLease());
            });
            position[0] += chunk.size();
            return;
        } catch (RuntimeException e) {
            if (!refusedContent(e)) {
                throw e;
            }
            log.warn("CLD batch {}: the store refused a chunk of {} rows from line {} ({}); applying them one by one",
                    id, chunk.size(), chunk.get(0).line(), SafeErrorText.of(e));
        }
        for (Pending pending : chunk) {
            if (pending.error() != null) {
                batches.settleAlone(id, position[0], 1, 0, List.of(pending.error()));
                position[0]++;
                continue;
            }
            try {
                transaction.executeWithoutResult(tx -> {
                    write(message, List.of(pending));
                    batches.settle(id, position[0], 1, 1, List.of());
                    messages.extendClaim(id, ingest.claimLease());
                });
            } catch (RuntimeException e) {
                if (!refusedContent(e)) {
                    throw e;
                }
                batches.settleAlone(id, position[0], 1, 0, List.of(new CldRowError(pending.line(), "",
                        "refused by the FHIR store: " + SafeErrorText.of(e))));
            }
            position[0]++;
        }
    }

    /** Applies the rows' entries as one FHIR transaction joined to the caller's, with a Provenance of what it created. */
    private void write(InboundMessage message, List<Pending> rows) {
        if (rows.isEmpty()) {
            return;
        }
        Bundle bundle = CldMapper.transaction(rows.stream().map(Pending::entries).toList());
        SystemRequestDetails request = new SystemRequestDetails();
        if (!properties.validateWrites()) {
            request.getUserData().put(ProfileValidationInterceptor.SKIP_VALIDATION, Boolean.TRUE);
        }
        Bundle response = systemDao.transactionNested(request, bundle);
        List<String> created = new ArrayList<>();
        for (Bundle.BundleEntryComponent entry : response.getEntry()) {
            if (entry.hasResponse() && entry.getResponse().getStatus() != null
                    && entry.getResponse().getStatus().startsWith("201") && entry.getResponse().hasLocation()) {
                created.add(entry.getResponse().getLocation());
            }
        }
        if (!created.isEmpty()) {
            daos.getResourceDao(Provenance.class).create(provenance(message, created), new SystemRequestDetails());
        }
    }

    private Provenance provenance(InboundMessage message, List<String> created) {
        Provenance provenance = new Provenance();
        created.forEach(location -> provenance.addTarget(new Reference(location)));
        provenance.setRecorded(Date.from(clock.instant()));
        provenance.getActivity().addCoding(new Coding("http://terminology.hl7.org/CodeSystem/v3-DataOperation",
                "CREATE", "create"));
        provenance.addAgent()
                .setType(new CodeableConcept(new Coding(
                        "http://terminology.hl7.org/CodeSystem/provenance-participant-type", "author", "Author")))
                .setWho(new Reference().setDisplay("local authority " + message.getSender() + " (CLD batch)"));
        provenance.addEntity().setRole(Provenance.ProvenanceEntityRole.SOURCE).setWhat(new Reference()
                .setIdentifier(new Identifier().setSystem(MessageApplication.INBOUND_MESSAGE_SYSTEM)
                        .setValue(String.valueOf(message.getId())))
                .setDisplay("CLD batch " + message.getId()));
        return provenance;
    }

    /**
     * The FHIR store refused the content (validation 422, a bad reference 400, an ambiguous match 412): the row
     * is at fault. Conflicts and anything else (the database away) are retried by the worker instead.
     */
    static boolean refusedContent(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ResourceVersionConflictException) {
                return false;
            }
            if (t instanceof BaseServerResponseException hapi) {
                return hapi.getStatusCode() >= 400 && hapi.getStatusCode() < 500;
            }
        }
        return false;
    }
}
