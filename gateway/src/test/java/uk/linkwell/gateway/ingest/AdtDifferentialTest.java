package uk.linkwell.gateway.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import ca.uhn.fhir.util.FhirTerser;
import ca.uhn.fhir.util.ResourceReferenceInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.hl7.fhir.instance.model.api.IBaseReference;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import uk.linkwell.gateway.ingest.hospital.AdtTranslator;
import uk.linkwell.gateway.ingest.queue.UnprocessableMessageException;
import uk.linkwell.gateway.ingest.store.InboundMessage;
import uk.linkwell.gateway.ingest.store.MessageStore;
import uk.linkwell.gateway.ingest.write.PatientCarryOver;
import uk.linkwell.gateway.testsupport.GatewayInstance;
import uk.linkwell.gateway.testsupport.InboundDoors;
import uk.linkwell.gateway.testsupport.MllpClient;
import uk.linkwell.gateway.testsupport.PostgresDatabaseExtension;

/**
 * The gateway's inbound path held to HAPI's own transaction processing as the oracle. Seeded random sequences of
 * ADT events ({@link AdtSequences}) go through the real path, each message on its own over MLLP and applied by the
 * worker before the sequence's next is sent; the same mapped Bundles (the worker's translator, on the stored
 * message) are then posted one by one, in the same order, to the FHIR transaction endpoint of a second gateway on
 * a fresh database. The two stores must hold the same resources (ids, versions and meta aside; references compared
 * by the identity of what they point at), and every message must have the same outcome on both. The one rule of
 * the gateway's that is not HAPI's, HL7 v2's "what a message does not carry stays as it was" for Patients, is
 * applied to the oracle's Patient updates before HAPI sees them.
 * <p>
 * {@code -Dlinkwell.differential.sequences=N} (default 500) and {@code -Dlinkwell.differential.seed=S} choose the
 * run; a failure names the seed and the sequence to replay.
 */
@ExtendWith(PostgresDatabaseExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdtDifferentialTest {

    private static final int SEQUENCES = Integer.getInteger("linkwell.differential.sequences", 500);
    private static final long SEED = Long.getLong("linkwell.differential.seed", System.currentTimeMillis());
    private static final int AT_ONCE = 8;

    private GatewayInstance gateway;
    private GatewayInstance reference;

    @BeforeAll
    void start() {
        gateway = GatewayInstance.onPostgres("differential", Map.of());
        reference = GatewayInstance.onPostgres(
                "differential-reference",
                Map.of("linkwell.hospital.mllp.enabled", "false", "linkwell.ingest.worker-enabled", "false"));
    }

    @AfterAll
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (reference != null) {
            reference.close();
        }
    }

    /** What became of one message: its control id and whether it was applied. */
    private record Outcome(String controlId, boolean applied, String detail) {}

    @Test
    void theGatewaysPathAndHapisTransactionsLeaveTheSameStore() throws Exception {
        System.out.printf("ADT differential: %d sequences, seed %d%n", SEQUENCES, SEED);
        List<AdtSequences.Sequence> sequences = new ArrayList<>();
        for (int i = 0; i < SEQUENCES; i++) {
            sequences.add(AdtSequences.generate(SEED, i));
        }
        InboundDoors doors = new InboundDoors(gateway);
        ExecutorService senders = Executors.newFixedThreadPool(AT_ONCE);
        List<Future<List<Outcome>>> sent = new ArrayList<>();
        for (AdtSequences.Sequence sequence : sequences) {
            sent.add(senders.submit(() -> throughGateway(doors, sequence)));
        }
        Map<Integer, List<Outcome>> gatewayOutcomes = new TreeMap<>();
        for (int i = 0; i < sent.size(); i++) {
            gatewayOutcomes.put(i, sent.get(i).get());
        }

        // The same Bundles, as the worker translated them, through HAPI's transaction endpoint.
        AdtTranslator translator = gateway.bean(AdtTranslator.class);
        MessageStore store = gateway.bean(MessageStore.class);
        IGenericClient referenceClient = reference.admin();
        List<Future<List<Outcome>>> applied = new ArrayList<>();
        for (int i = 0; i < sequences.size(); i++) {
            List<Outcome> outcomes = gatewayOutcomes.get(i);
            applied.add(senders.submit(() -> throughTransactions(doors, translator, store, referenceClient, outcomes)));
        }
        List<String> differences = new ArrayList<>();
        for (int i = 0; i < applied.size(); i++) {
            List<Outcome> expected = gatewayOutcomes.get(i);
            List<Outcome> actual = applied.get(i).get();
            for (int m = 0; m < expected.size(); m++) {
                if (expected.get(m).applied() != actual.get(m).applied()) {
                    differences.add("sequence " + i + " message " + m + ": gateway "
                            + (expected.get(m).applied()
                                    ? "applied"
                                    : "failed: " + expected.get(m).detail())
                            + ", HAPI "
                            + (actual.get(m).applied()
                                    ? "applied"
                                    : "failed: " + actual.get(m).detail()));
                }
            }
        }
        senders.shutdown();
        assertThat(differences).as("outcomes differ (seed " + SEED + ")").isEmpty();

        Map<String, List<String>> ours = normalisedStore(gateway.admin());
        Map<String, List<String>> theirs = normalisedStore(referenceClient);
        ours.remove("Provenance"); // the gateway's record of each message; the reference writes none
        assertThat(ours.keySet()).isEqualTo(theirs.keySet());
        for (String type : ours.keySet()) {
            List<String> onlyOurs = new ArrayList<>(ours.get(type));
            theirs.get(type).forEach(onlyOurs::remove);
            List<String> onlyTheirs = new ArrayList<>(theirs.get(type));
            ours.get(type).forEach(onlyTheirs::remove);
            assertThat(onlyOurs.subList(0, Math.min(3, onlyOurs.size())))
                    .as(type + " only in the gateway's store, against only in HAPI's: "
                            + onlyTheirs.subList(0, Math.min(3, onlyTheirs.size())) + " (seed " + SEED + ")")
                    .isEmpty();
            assertThat(onlyTheirs)
                    .as(type + " only in HAPI's store (seed " + SEED + ")")
                    .isEmpty();
        }
        long messages = gatewayOutcomes.values().stream().mapToLong(List::size).sum();
        System.out.printf(
                "ADT differential: %d sequences, %d messages, %d resources compared: no difference%n",
                SEQUENCES,
                messages,
                theirs.values().stream().mapToLong(List::size).sum());
        // No stored reason is SQL or a schema name.
        assertThat(gateway.jdbc()
                        .queryForObject(
                                "SELECT COUNT(*) FROM LW_INBOUND_MESSAGE WHERE LOWER(LAST_ERROR) LIKE '%insert into%'"
                                        + " OR LAST_ERROR LIKE '%HFJ_%'",
                                Integer.class))
                .isZero();
    }

    /** Sends a sequence's messages one at a time, each once the one before is settled. */
    private static List<Outcome> throughGateway(InboundDoors doors, AdtSequences.Sequence sequence) throws Exception {
        List<Outcome> outcomes = new ArrayList<>();
        try (MllpClient client = new MllpClient(doors.mllpPort())) {
            for (String template : sequence.messages()) {
                String controlId =
                        "D" + UUID.randomUUID().toString().replace("-", "").substring(0, 18);
                String ack = client.send(template.replace("{CONTROL}", controlId));
                assertThat(InboundDoors.ackCode(ack)).as(ack).isEqualTo("AA");
                await().atMost(Duration.ofSeconds(120))
                        .pollInterval(Duration.ofMillis(25))
                        .until(() -> {
                            Map<String, Object> row = doors.rowByControlId(controlId);
                            return row != null
                                    && ("done".equals(row.get("STATUS")) || "failed".equals(row.get("STATUS")));
                        });
                Map<String, Object> row = doors.rowByControlId(controlId);
                outcomes.add(new Outcome(controlId, "done".equals(row.get("STATUS")), (String) row.get("LAST_ERROR")));
            }
        }
        return outcomes;
    }

    private static List<Outcome> throughTransactions(
            InboundDoors doors,
            AdtTranslator translator,
            MessageStore store,
            IGenericClient client,
            List<Outcome> sentThrough)
            throws Exception {
        List<Outcome> outcomes = new ArrayList<>();
        for (Outcome sent : sentThrough) {
            long id = ((Number) doors.rowByControlId(sent.controlId()).get("ID")).longValue();
            InboundMessage message = store.find(id).orElseThrow();
            Bundle bundle;
            try {
                bundle = translator.translate(message);
            } catch (UnprocessableMessageException e) {
                outcomes.add(new Outcome(sent.controlId(), false, e.getMessage()));
                continue;
            }
            carryOver(client, bundle);
            outcomes.add(transaction(client, bundle, sent.controlId()));
        }
        return outcomes;
    }

    /**
     * HL7 v2's rule that what a message does not carry stays as it was, which the gateway applies to Patients
     * ({@link PatientCarryOver}) and a FHIR transaction does not: the oracle applies it to each Patient update
     * before HAPI sees it, from the Patient as HAPI's own store holds it.
     */
    private static void carryOver(IGenericClient client, Bundle bundle) {
        for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
            if (entry.getResource() instanceof org.hl7.fhir.r4.model.Patient incoming
                    && entry.getRequest().getMethod() == Bundle.HTTPVerb.PUT
                    && entry.getRequest().getUrl().startsWith("Patient?")) {
                Bundle found = client.search()
                        .byUrl(entry.getRequest().getUrl())
                        .returnBundle(Bundle.class)
                        .execute();
                if (found.getEntry().size() == 1) {
                    PatientCarryOver.carryOver(
                            (org.hl7.fhir.r4.model.Patient)
                                    found.getEntryFirstRep().getResource(),
                            incoming);
                }
            }
        }
    }

    /** Posts the transaction; a conflict with another sequence's (a shared doctor created at once) is retried. */
    private static Outcome transaction(IGenericClient client, Bundle bundle, String controlId) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                client.transaction().withBundle(bundle.copy()).execute();
                return new Outcome(controlId, true, null);
            } catch (ResourceVersionConflictException e) {
                if (attempt == 5) {
                    return new Outcome(controlId, false, "409 " + e.getMessage());
                }
                Thread.sleep(100L * attempt);
            } catch (BaseServerResponseException e) {
                return new Outcome(controlId, false, e.getStatusCode() + " " + e.getMessage());
            }
        }
    }

    /**
     * Every resource of every type the store holds, as sorted canonical JSON without id, meta and narrative, with
     * each reference replaced by the identity (type and first identifier) of what it points at.
     */
    static Map<String, List<String>> normalisedStore(IGenericClient client) {
        FhirContext fhir = FhirContext.forR4Cached();
        List<Resource> all = new ArrayList<>();
        for (String type : List.of(
                "Patient",
                "Encounter",
                "Practitioner",
                "Organization",
                "ServiceRequest",
                "Condition",
                "Observation",
                "AllergyIntolerance",
                "RelatedPerson",
                "Flag",
                "Task",
                "DocumentReference",
                "Binary",
                "Provenance")) {
            Bundle page = client.search()
                    .byUrl(type + "?_count=200")
                    .returnBundle(Bundle.class)
                    .execute();
            while (true) {
                page.getEntry().forEach(e -> all.add((Resource) e.getResource()));
                if (page.getLink(Bundle.LINK_NEXT) == null) {
                    break;
                }
                page = client.loadPage().next(page).execute();
            }
        }
        Map<String, String> identities = new HashMap<>();
        for (Resource resource : all) {
            identities.put(resource.fhirType() + "/" + resource.getIdElement().getIdPart(), identity(resource));
        }
        FhirTerser terser = fhir.newTerser();
        Map<String, List<String>> byType = new TreeMap<>();
        for (Resource resource : all) {
            Resource copy = resource.copy();
            copy.setIdElement(null);
            copy.setMeta(null);
            if (copy instanceof org.hl7.fhir.r4.model.DomainResource domain) {
                domain.setText(null);
            }
            for (ResourceReferenceInfo info : terser.getAllResourceReferences(copy)) {
                IBaseReference reference = info.getResourceReference();
                String target = reference
                        .getReferenceElement()
                        .toUnqualifiedVersionless()
                        .getValue();
                if (target != null) {
                    reference.setReference(identities.getOrDefault(target, "unknown:" + target));
                }
            }
            byType.computeIfAbsent(copy.fhirType(), t -> new ArrayList<>())
                    .add(fhir.newJsonParser().encodeResourceToString(copy));
        }
        byType.values().forEach(Collections::sort);
        return byType;
    }

    private static String identity(Resource resource) {
        FhirContext fhir = FhirContext.forR4Cached();
        if (fhir.getResourceDefinition(resource).getChildByName("identifier") == null) {
            return resource.fhirType() + "|(no identifier)";
        }
        List<Identifier> identifiers = fhir.newTerser().getValues(resource, "identifier", Identifier.class);
        if (identifiers.isEmpty()) {
            return resource.fhirType() + "|(no identifier)";
        }
        Identifier first = identifiers.get(0);
        return resource.fhirType() + "|" + first.getSystem() + "|" + first.getValue();
    }
}
