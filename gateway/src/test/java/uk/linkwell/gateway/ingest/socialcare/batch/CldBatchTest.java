package uk.linkwell.gateway.ingest.socialcare.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import uk.linkwell.gateway.ingest.socialcare.batch.CldFiles.Person;
import uk.linkwell.gateway.ingest.store.MessageStore;
import uk.linkwell.gateway.ingest.store.NewMessage;
import uk.linkwell.gateway.ingest.write.MessageApplication;
import uk.linkwell.gateway.testsupport.AdvisoryLocks;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;
import uk.linkwell.gateway.testsupport.TestTokens;
import uk.linkwell.mappings.socialcare.cld.CldMapper;
import uk.linkwell.mappings.socialcare.cld.CldRowError;

/**
 * POST /socialcare/batches end to end over HTTP with real tokens: good rows land (read back through the FHIR
 * API), every bad row is reported with its line, column and reason, re-posting changes nothing, a restart
 * resumes after the last committed chunk, bad files are refused with problem+json and stored rejected.
 */
class CldBatchTest extends GatewayIntegrationTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Autowired
    MessageStore messages;

    @Autowired
    CldBatchStore batches;

    @Autowired
    CldBatchProcessor processor;

    private static String newLocalAuthority() {
        return "T"
                + UUID.randomUUID().toString().replace("-", "").substring(0, 6).toUpperCase();
    }

    private String caseSystemToken(String localAuthority) {
        return tokenFor(TestTokens.Claims.of("social-care-system", localAuthority, "system/*.rs"));
    }

    private HttpResponse<String> post(String token, String contentType, byte[] body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(gatewayBase() + "/socialcare/batches"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String token, String csv) throws Exception {
        return post(token, "text/csv", csv.getBytes(StandardCharsets.UTF_8));
    }

    private JsonNode get(String token, String path) throws Exception {
        HttpResponse<String> response = http().send(
                        HttpRequest.newBuilder(URI.create(gatewayBase() + path))
                                .header("Authorization", "Bearer " + token)
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private JsonNode awaitCompleted(String token, long id) {
        await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> !List.of("queued", "processing")
                        .contains(get(token, "/socialcare/batches/" + id)
                                .path("status")
                                .asText()));
        try {
            JsonNode progress = get(token, "/socialcare/batches/" + id);
            assertThat(progress.path("status").asText()).as(progress.toString()).isEqualTo("completed");
            return progress;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static long batchId(HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        String location = response.headers().firstValue("Location").orElseThrow();
        assertThat(location).matches("/socialcare/batches/\\d+");
        long id = Long.parseLong(location.substring(location.lastIndexOf('/') + 1));
        assertThat(JSON.readTree(response.body()).path("id").asLong()).isEqualTo(id);
        return id;
    }

    private <T extends Resource> List<T> byIdentifier(Class<T> type, String system, String value) {
        Bundle found = client().search()
                .forResource(type)
                .where(new ca.uhn.fhir.rest.gclient.TokenClientParam("identifier")
                        .exactly()
                        .systemAndCode(system, value))
                .returnBundle(Bundle.class)
                .execute();
        List<T> resources = new ArrayList<>();
        found.getEntry().forEach(e -> resources.add(type.cast(e.getResource())));
        return resources;
    }

    @Test
    void goodRowsLandAndEveryBadRowIsReportedWithItsLine() throws Exception {
        String la = newLocalAuthority();
        String token = caseSystemToken(la);
        Person ann = Person.fresh(la, 1);
        Person bob = Person.fresh(la, 2);
        Person cat = Person.fresh(la, 3);
        List<String> rows = List.of(
                CldFiles.request(ann, "CASE-1"), // 2
                CldFiles.assessment(ann, "ASMT-1", "CASE-1"), // 3
                ann.id() + "," + CldFiles.wrongCheckDigit(bob.nhsNumber()) + ",,,Request,R-9,,2026-11-02,,,,,,,,,", // 4
                CldFiles.service(ann, "SVC-1", "CASE-1"), // 5
                bob.id() + ",,,,Request,R-2,,2026-11-02,,,,,,,,,", // 6 no NHS number
                bob.id() + "," + bob.nhsNumber() + ",,,Referral,R-2,,2026-11-02,,,,,,,,,", // 7 unknown type
                bob.id() + "," + bob.nhsNumber() + ",,,Request,R-2,,2026-02-30,,,,,,,,,", // 8 no such date
                bob.id() + "," + bob.nhsNumber() + ",,,Request,R-2,,2026-11-02,2026-11-01,,,,,,,,", // 9 ends early
                bob.id() + "," + bob.nhsNumber() + ",,,Request", // 10 short row
                bob.id() + "," + bob.nhsNumber() + ",,,Assessment,A-2,,2026-11-02,,,,,Maybe,,,,", // 11
                bob.id() + "," + bob.nhsNumber() + ",,,Review,V-2,,2026-11-02,,,,,,,,,", // 12 no reason
                bob.id() + "," + bob.nhsNumber() + ",,,Service,S-2,,2026-11-02,,,,,,,,,", // 13 no service type
                bob.id() + "," + bob.nhsNumber() + ",,,Request,R 2,,2026-11-02,,,,,,,,,", // 14 bad reference
                CldFiles.review(ann, "REV-1", "CASE-1"), // 15
                CldFiles.request(bob, "CASE-2"), // 16
                cat.id() + "," + bob.nhsNumber() + ",,,Request,R-3,,2026-11-02,,,,,,,,,", // 17 someone else's NHS no
                CldFiles.request(cat, "CASE-3")); // 18
        long id = batchId(post(token, CldFiles.file(rows)));

        JsonNode progress = awaitCompleted(token, id);
        assertThat(progress.path("localAuthority").asText()).isEqualTo(la);
        assertThat(progress.path("rows").path("total").asLong()).isEqualTo(17);
        assertThat(progress.path("rows").path("processed").asLong()).isEqualTo(17);
        assertThat(progress.path("rows").path("landed").asLong()).isEqualTo(6);
        assertThat(progress.path("rows").path("bad").asLong()).isEqualTo(11);

        JsonNode errors = get(token, "/socialcare/batches/" + id + "/errors").path("errors");
        List<String> report = new ArrayList<>();
        errors.forEach(e -> report.add(e.path("line").asLong() + " "
                + e.path("column").asText() + ": " + e.path("reason").asText()));
        assertThat(report)
                .containsExactly(
                        "4 NHS_Number: fails the Modulus 11 check",
                        "6 NHS_Number: is required",
                        "7 Event_Type: must be one of Request, Assessment, Service, Review",
                        "8 Event_Start_Date: must be a date as YYYY-MM-DD or DD/MM/YYYY",
                        "9 Event_End_Date: must not be before Event_Start_Date",
                        "10 : has 5 fields where the header has 17",
                        "11 Eligible_Needs_Identified: must be Yes or No",
                        "12 Review_Reason: is required for this Event_Type",
                        "13 Service_Type: is required for this Event_Type",
                        "14 Event_Reference: must be 1-64 of A-Z a-z 0-9 . _ -",
                        "17 LA_Person_Unique_Identifier: differs from the one given with the same NHS_Number on line 16");
        assertThat(errors.toString()).doesNotContain(bob.nhsNumber()).doesNotContain(ann.nhsNumber());

        HttpResponse<String> csv = http().send(
                        HttpRequest.newBuilder(URI.create(gatewayBase() + "/socialcare/batches/" + id + "/errors"))
                                .header("Authorization", "Bearer " + token)
                                .header("Accept", "text/csv")
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(csv.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/csv");
        assertThat(csv.body().lines().toList())
                .hasSize(12)
                .startsWith("line,column,reason", "4,NHS_Number,fails the Modulus 11 check");

        // What landed, read back through the FHIR API.
        List<Patient> annPatients = byIdentifier(Patient.class, "https://fhir.nhs.uk/Id/nhs-number", ann.nhsNumber());
        assertThat(annPatients).hasSize(1);
        assertThat(annPatients.get(0).getIdentifier()).anySatisfy(i -> {
            assertThat(i.getSystem()).isEqualTo("https://fhir.linkwell.example/Id/la-person/" + la);
            assertThat(i.getValue()).isEqualTo(ann.id());
        });
        assertThat(byIdentifier(Patient.class, "https://fhir.nhs.uk/Id/nhs-number", bob.nhsNumber()))
                .hasSize(1);
        assertThat(byIdentifier(Patient.class, "https://fhir.nhs.uk/Id/nhs-number", cat.nhsNumber()))
                .hasSize(1);
        List<ServiceRequest> referral =
                byIdentifier(ServiceRequest.class, CldMapper.identifierSystem(la, "referral"), ann.id() + ":CASE-1");
        assertThat(referral).hasSize(1);
        assertThat(referral.get(0).getSubject().getReference())
                .isEqualTo("Patient/" + annPatients.get(0).getIdElement().getIdPart());
        assertThat(referral.get(0).getStatus()).isEqualTo(ServiceRequest.ServiceRequestStatus.COMPLETED);
        List<Task> assessment =
                byIdentifier(Task.class, CldMapper.identifierSystem(la, "assessment"), ann.id() + ":CASE-1:ASMT-1");
        assertThat(assessment).hasSize(1);
        assertThat(assessment.get(0).getStatus()).isEqualTo(Task.TaskStatus.COMPLETED);
        assertThat(byIdentifier(Task.class, CldMapper.identifierSystem(la, "review"), ann.id() + ":CASE-1:REV-1"))
                .hasSize(1);
        assertThat(byIdentifier(
                        ServiceRequest.class, CldMapper.identifierSystem(la, "service"), ann.id() + ":CASE-1:SVC-1"))
                .hasSize(1);
        assertThat(byIdentifier(ServiceRequest.class, CldMapper.identifierSystem(la, "referral"), bob.id() + ":CASE-2"))
                .hasSize(1);
        // Nothing of the bad rows landed.
        assertThat(byIdentifier(ServiceRequest.class, CldMapper.identifierSystem(la, "referral"), bob.id() + ":R-2"))
                .isEmpty();
        assertThat(byIdentifier(ServiceRequest.class, CldMapper.identifierSystem(la, "referral"), cat.id() + ":R-3"))
                .isEmpty();
        // A Provenance names the batch as the source of what it created.
        Bundle provenance = client().search()
                .forResource(Provenance.class)
                .where(Provenance.TARGET.hasId(
                        "Patient/" + annPatients.get(0).getIdElement().getIdPart()))
                .returnBundle(Bundle.class)
                .execute();
        assertThat(provenance.getEntry()).hasSize(1);
        Provenance.ProvenanceEntityComponent source =
                ((Provenance) provenance.getEntry().get(0).getResource()).getEntityFirstRep();
        assertThat(source.getWhat().getIdentifier().getSystem()).isEqualTo(MessageApplication.INBOUND_MESSAGE_SYSTEM);
        assertThat(source.getWhat().getIdentifier().getValue()).isEqualTo(String.valueOf(id));
        assertThat(jdbcCount("SELECT COUNT(*) FROM LW_INBOUND_MESSAGE WHERE ID = " + id
                        + " AND SOURCE = 'socialcare-cld-batch' AND STATUS = 'done'"))
                .isEqualTo(1);
    }

    @Test
    void aRowTheStoreRefusesIsReportedAndTheRestOfItsChunkStillLands() throws Exception {
        String la = newLocalAuthority();
        String token = caseSystemToken(la);
        Person twice = Person.fresh(la, 1);
        // Two Patients already share this NHS number, so the row's create-if-absent matches two: HAPI refuses
        // it (412) and with it the whole chunk, which is then applied row by row.
        for (int i = 0; i < 2; i++) {
            Patient patient = new Patient();
            patient.addIdentifier()
                    .setSystem("https://fhir.nhs.uk/Id/nhs-number")
                    .setValue(twice.nhsNumber());
            patient.addName().setFamily("Duplicate").addGiven("Test");
            client().create().resource(patient).execute();
        }
        Person before = Person.fresh(la, 2);
        Person after = Person.fresh(la, 3);
        long id = batchId(post(
                token,
                CldFiles.file(List.of(
                        CldFiles.request(before, "CASE-1"),
                        CldFiles.request(twice, "CASE-2"),
                        CldFiles.request(after, "CASE-3")))));
        JsonNode progress = awaitCompleted(token, id);
        assertThat(progress.path("rows").path("landed").asLong()).isEqualTo(2);
        assertThat(progress.path("rows").path("bad").asLong()).isEqualTo(1);
        JsonNode error = get(token, "/socialcare/batches/" + id + "/errors")
                .path("errors")
                .get(0);
        assertThat(error.path("line").asLong()).isEqualTo(3);
        assertThat(error.path("reason").asText())
                .startsWith("refused by the FHIR store: it names a record the store holds more than once")
                .doesNotContain(twice.nhsNumber());
        assertThat(byIdentifier(
                        ServiceRequest.class, CldMapper.identifierSystem(la, "referral"), before.id() + ":CASE-1"))
                .hasSize(1);
        assertThat(byIdentifier(
                        ServiceRequest.class, CldMapper.identifierSystem(la, "referral"), after.id() + ":CASE-3"))
                .hasSize(1);
        assertThat(byIdentifier(
                        ServiceRequest.class, CldMapper.identifierSystem(la, "referral"), twice.id() + ":CASE-2"))
                .isEmpty();
    }

    @Test
    void repostingTheSameRowsChangesNothing() throws Exception {
        String la = newLocalAuthority();
        String token = caseSystemToken(la);
        Person dan = Person.fresh(la, 1);
        List<String> rows = List.of(
                CldFiles.request(dan, "CASE-1"),
                CldFiles.assessment(dan, "ASMT-1", "CASE-1"),
                CldFiles.review(dan, "REV-1", "CASE-1"));
        String csv = CldFiles.file(rows);
        long first = batchId(post(token, csv));
        awaitCompleted(token, first);
        Patient patient = byIdentifier(Patient.class, "https://fhir.nhs.uk/Id/nhs-number", dan.nhsNumber())
                .get(0);
        Task review = byIdentifier(Task.class, CldMapper.identifierSystem(la, "review"), dan.id() + ":CASE-1:REV-1")
                .get(0);

        // The same file again: recognised, the same batch.
        HttpResponse<String> again = post(token, csv);
        assertThat(batchId(again)).isEqualTo(first);
        assertThat(JSON.readTree(again.body()).path("duplicate").asBoolean()).isTrue();

        // The same rows in another order (another file): applied, and nothing changes.
        List<String> reversed = new ArrayList<>(rows);
        java.util.Collections.reverse(reversed);
        long second = batchId(post(token, CldFiles.file(reversed)));
        assertThat(second).isNotEqualTo(first);
        JsonNode progress = awaitCompleted(token, second);
        assertThat(progress.path("rows").path("landed").asLong()).isEqualTo(3);
        List<Patient> patients = byIdentifier(Patient.class, "https://fhir.nhs.uk/Id/nhs-number", dan.nhsNumber());
        assertThat(patients).hasSize(1);
        assertThat(patients.get(0).getIdElement().getIdPart())
                .isEqualTo(patient.getIdElement().getIdPart());
        assertThat(patients.get(0).getMeta().getVersionId()).isEqualTo("1");
        List<Task> reviews =
                byIdentifier(Task.class, CldMapper.identifierSystem(la, "review"), dan.id() + ":CASE-1:REV-1");
        assertThat(reviews).hasSize(1);
        assertThat(reviews.get(0).getIdElement().getIdPart())
                .isEqualTo(review.getIdElement().getIdPart());
        assertThat(reviews.get(0).getMeta().getVersionId()).isEqualTo("1");
        assertThat(byIdentifier(ServiceRequest.class, CldMapper.identifierSystem(la, "referral"), dan.id() + ":CASE-1"))
                .hasSize(1);
    }

    @Autowired
    javax.sql.DataSource dataSource;

    @Autowired
    uk.linkwell.gateway.hapi.StoredIdentities identities;

    @Test
    void aChunkWaitsWhileALiveWriterMayBeCreatingARecordItCreates() throws Exception {
        String la = newLocalAuthority();
        String token = caseSystemToken(la);
        Person eve = Person.fresh(la, 1);
        String system = CldMapper.identifierSystem(la, "review");
        String value = eve.id() + ":CASE-1:REV-1";
        long key = identities.identifierHash(
                "Task", "Task?identifier=" + system + "|" + java.net.URLEncoder.encode(value, StandardCharsets.UTF_8));
        final long id;
        // Another session (a case event being applied, say) holds the creation lock of the review's identity.
        try (java.sql.Connection other = AdvisoryLocks.holding(dataSource, key)) {
            id = batchId(post(
                    token,
                    CldFiles.file(List.of(CldFiles.request(eve, "CASE-1"), CldFiles.review(eve, "REV-1", "CASE-1")))));
            await().atMost(Duration.ofSeconds(60)).until(() -> !"queued"
                    .equals(get(token, "/socialcare/batches/" + id)
                            .path("status")
                            .asText()));
            Thread.sleep(1_500);
            JsonNode waiting = get(token, "/socialcare/batches/" + id);
            assertThat(waiting.path("status").asText()).isEqualTo("processing");
            assertThat(waiting.path("rows").path("processed").asLong()).isZero();
            assertThat(byIdentifier(Task.class, system, value)).isEmpty();
            other.commit();
        }
        JsonNode progress = awaitCompleted(token, id);
        assertThat(progress.path("rows").path("landed").asLong()).isEqualTo(2);
        assertThat(byIdentifier(Task.class, system, value)).hasSize(1);
    }

    @Test
    void aRestartResumesAfterTheLastCommittedChunk() throws Exception {
        String la = newLocalAuthority();
        Person[] p = {Person.fresh(la, 1), Person.fresh(la, 2), Person.fresh(la, 3), Person.fresh(la, 4)};
        String bad3 = p[1].id() + "," + p[1].nhsNumber() + ",,,Referral,R-1,,2026-11-02,,,,,,,,,";
        String bad6 = p[3].id() + "," + p[3].nhsNumber() + ",,,Request,R-2,,2026-11-31,,,,,,,,,";
        String file = CldFiles.file(List.of(
                CldFiles.request(p[0], "C-1"),
                bad3,
                CldFiles.request(p[1], "C-2"),
                CldFiles.request(p[2], "C-3"),
                bad6,
                CldFiles.request(p[3], "C-4")));
        // The state a crash after the first chunk (lines 2-4) leaves: its rows applied (here by a batch of just
        // those rows) and committed with the progress of the crashed batch and its bad line 3.
        String token = caseSystemToken(la);
        awaitCompleted(
                token,
                batchId(post(
                        token, CldFiles.file(List.of(CldFiles.request(p[0], "C-1"), CldFiles.request(p[1], "C-2"))))));
        long id = messages.store(new NewMessage(
                        CldBatchJob.SOURCE,
                        la,
                        "CLD",
                        null,
                        null,
                        Instant.now(),
                        file.getBytes(StandardCharsets.UTF_8),
                        "UTF-8",
                        "held back from the worker by this test"))
                .id();
        batches.open(id, la, "test");
        batches.settleAlone(
                id,
                0,
                3,
                2,
                List.of(new CldRowError(3, "Event_Type", "must be one of Request, Assessment," + " Service, Review")));

        // The restart: the processor takes the file up again. Settling line 3 again would break the error
        // table's unique key, so this passing also shows the settled rows were skipped.
        processor.process(messages.find(id).orElseThrow());

        CldBatch batch = batches.find(id).orElseThrow();
        assertThat(batch.getRowsTotal()).isEqualTo(6);
        assertThat(batch.getRowsProcessed()).isEqualTo(6);
        assertThat(batch.getRowsLanded()).isEqualTo(4);
        assertThat(batch.getRowsBad()).isEqualTo(2);
        assertThat(batches.errors(id, 0, 100))
                .extracting(CldBatchError::getLineNumber)
                .containsExactly(3L, 6L);
        for (int i = 0; i < 4; i++) {
            assertThat(byIdentifier(
                            ServiceRequest.class,
                            CldMapper.identifierSystem(la, "referral"),
                            p[i].id() + ":C-" + (i + 1)))
                    .as("referral " + (i + 1))
                    .hasSize(1)
                    .allSatisfy(r -> assertThat(r.getMeta().getVersionId()).isEqualTo("1"));
        }
    }

    @Autowired
    org.springframework.beans.factory.config.AutowireCapableBeanFactory beanFactory;

    @Test
    void chunksWrittenTogetherStillApplyEachPersonsRowsInFileOrder() throws Exception {
        // Chunks of two rows, one row per Bundle, two writers: many chunks in flight, and a person's rows in
        // chunks that follow one another.
        CldBatchProcessor small = new CldBatchProcessor(
                beanFactory.getBean(ca.uhn.fhir.jpa.api.dao.IFhirSystemDao.class),
                batches,
                messages,
                new CldBatchProperties(null, 2, 1, 2, false, null),
                beanFactory.getBean(uk.linkwell.gateway.ingest.IngestProperties.class),
                beanFactory.getBean(org.springframework.transaction.PlatformTransactionManager.class),
                java.time.Clock.systemUTC(),
                beanFactory.getBean(uk.linkwell.gateway.hapi.PlannerStatistics.class),
                beanFactory.getBean(uk.linkwell.gateway.hapi.ConditionalBundleWriter.class),
                beanFactory.getBean(uk.linkwell.gateway.hapi.CreationLocks.class));
        beanFactory.autowireBean(small);
        String la = newLocalAuthority();
        Person[] p = new Person[8];
        for (int i = 0; i < p.length; i++) {
            p[i] = Person.fresh(la, i);
        }
        // The same referral twice: the first row (ended, so completed) must win over the second (active).
        String again = p[0].id() + "," + p[0].nhsNumber() + ",,,Request,CASE-0,,2026-11-02,,,,,,,,,";
        List<String> rows = List.of(
                CldFiles.request(p[0], "CASE-0"), // 2  chunk 1
                CldFiles.request(p[1], "CASE-1"), // 3
                CldFiles.request(p[2], "CASE-2"), // 4  chunk 2 (p0 again:
                again, // 5  waits for chunk 1)
                CldFiles.request(p[3], "CASE-3"), // 6  chunk 3
                CldFiles.request(p[4], "CASE-4"), // 7
                CldFiles.assessment(p[4], "ASMT-4", "CASE-4"), // 8  (p4: chunk 3 grows)
                p[5].id() + "," + p[5].nhsNumber() + ",,,Referral,R-5,,2026-11-02,,,,,,,,,", // 9 bad
                CldFiles.request(p[5], "CASE-5"), // 10
                CldFiles.request(p[6], "CASE-6"), // 11
                CldFiles.review(p[0], "REV-0", "CASE-0"), // 12
                CldFiles.request(p[7], "CASE-7"), // 13
                p[7].id() + "," + p[7].nhsNumber() + ",,,Request,R-7,,2026-13-01,,,,,,,,,", // 14 bad
                CldFiles.service(p[7], "SVC-7", "CASE-7")); // 15
        String file = CldFiles.file(rows);
        long id = messages.store(new NewMessage(
                        CldBatchJob.SOURCE,
                        la,
                        "CLD",
                        null,
                        null,
                        Instant.now(),
                        file.getBytes(StandardCharsets.UTF_8),
                        "UTF-8",
                        "held back from the worker by this test"))
                .id();

        small.process(messages.find(id).orElseThrow());

        CldBatch batch = batches.find(id).orElseThrow();
        assertThat(batch.getRowsProcessed()).isEqualTo(14);
        assertThat(batch.getRowsLanded()).isEqualTo(12);
        assertThat(batch.getRowsBad()).isEqualTo(2);
        assertThat(batches.errors(id, 0, 100))
                .extracting(CldBatchError::getLineNumber)
                .containsExactly(9L, 14L);
        for (int i = 0; i < p.length; i++) {
            assertThat(byIdentifier(Patient.class, "https://fhir.nhs.uk/Id/nhs-number", p[i].nhsNumber()))
                    .as("patient " + i)
                    .hasSize(1);
            assertThat(byIdentifier(
                            ServiceRequest.class, CldMapper.identifierSystem(la, "referral"), p[i].id() + ":CASE-" + i))
                    .as("referral " + i)
                    .hasSize(1)
                    .allSatisfy(r -> assertThat(r.getMeta().getVersionId()).isEqualTo("1"));
        }
        assertThat(byIdentifier(ServiceRequest.class, CldMapper.identifierSystem(la, "referral"), p[0].id() + ":CASE-0")
                        .get(0)
                        .getStatus())
                .isEqualTo(ServiceRequest.ServiceRequestStatus.COMPLETED);
        assertThat(byIdentifier(Task.class, CldMapper.identifierSystem(la, "assessment"), p[4].id() + ":CASE-4:ASMT-4"))
                .hasSize(1);
        assertThat(byIdentifier(Task.class, CldMapper.identifierSystem(la, "review"), p[0].id() + ":CASE-0:REV-0"))
                .hasSize(1);
        assertThat(byIdentifier(
                        ServiceRequest.class, CldMapper.identifierSystem(la, "service"), p[7].id() + ":CASE-7:SVC-7"))
                .hasSize(1);
        // One council Organization however many chunks were in flight.
        assertThat(byIdentifier(
                        org.hl7.fhir.r4.model.Organization.class, "https://fhir.nhs.uk/Id/ods-organization-code", la))
                .hasSize(1);

        // The same rows again (another file): nothing new, nothing changed.
        long second = messages.store(new NewMessage(
                        CldBatchJob.SOURCE,
                        la,
                        "CLD",
                        null,
                        null,
                        Instant.now(),
                        (file + "\n").getBytes(StandardCharsets.UTF_8),
                        "UTF-8",
                        "held back from the worker by this test"))
                .id();
        small.process(messages.find(second).orElseThrow());
        assertThat(batches.find(second).orElseThrow().getRowsLanded()).isEqualTo(12);
        for (int i = 0; i < p.length; i++) {
            assertThat(byIdentifier(Patient.class, "https://fhir.nhs.uk/Id/nhs-number", p[i].nhsNumber()))
                    .as("patient " + i)
                    .hasSize(1)
                    .allSatisfy(r -> assertThat(r.getMeta().getVersionId()).isEqualTo("1"));
        }
    }

    @Test
    void aRunThatLostItsClaimCannotSettleRowsAgain() throws Exception {
        String la = newLocalAuthority();
        long id = messages.store(new NewMessage(
                        CldBatchJob.SOURCE,
                        la,
                        "CLD",
                        null,
                        null,
                        Instant.now(),
                        CldFiles.file(List.of()).getBytes(StandardCharsets.UTF_8),
                        "UTF-8",
                        "held back by this test"))
                .id();
        batches.open(id, la, "test");
        batches.settleAlone(id, 0, 2, 1, List.of(new CldRowError(3, "", "test")));
        // A second run that started from the same offset (its claim had lapsed) is refused and rolled back.
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> batches.settleAlone(id, 0, 2, 2, List.of()))
                .isInstanceOf(CldBatchStore.BatchTakenOver.class);
        CldBatch batch = batches.find(id).orElseThrow();
        assertThat(batch.getRowsProcessed()).isEqualTo(2);
        assertThat(batch.getRowsLanded()).isEqualTo(1);
    }

    @Test
    void filesThatCannotBeTakenAreRefusedWithProblemJsonAndStoredRejected() throws Exception {
        String la = newLocalAuthority();
        String token = caseSystemToken(la);
        assertProblem(post(token, "text/csv", new byte[0]), 400, "empty", null);
        assertProblem(
                post(token, "Reference,NHS_Number,Event_Type\nx,9990000026,Request\n"),
                400,
                "missing-columns",
                "Event_Reference");
        assertProblem(
                post(token, "text/csv", new byte[] {0x50, 0x4b, 0x03, 0x04, 0, 0, 0x14, 0}), 400, "not-csv", null);
        assertProblem(
                post(token, "application/json", "{\"resourceType\":\"Bundle\"}".getBytes(StandardCharsets.UTF_8)),
                415,
                "not-csv",
                null);
        byte[] tooLarge = new byte[32 * 1024 * 1024 + 1];
        java.util.Arrays.fill(tooLarge, (byte) 'a');
        assertProblem(post(token, "text/csv", tooLarge), 413, "too-large", null);
    }

    private void assertProblem(HttpResponse<String> response, int status, String code, String column) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/problem+json");
        JsonNode problem = JSON.readTree(response.body());
        assertThat(problem.path("type").asText()).isEqualTo(CldBatchController.PROBLEM_BASE + code);
        assertThat(problem.path("status").asInt()).isEqualTo(status);
        assertThat(problem.path("detail").asText()).isNotBlank();
        if (column != null) {
            assertThat(problem.path("columns").toString()).contains(column);
        }
        long stored = problem.path("batch").asLong();
        assertThat(messages.find(stored)).get().satisfies(m -> {
            assertThat(m.getStatus().code()).isEqualTo("rejected");
            assertThat(m.getSource()).isEqualTo(CldBatchJob.SOURCE);
            assertThat(m.getLastError()).isNotBlank();
        });
        JsonNode progress = get(adminToken(), "/socialcare/batches/" + stored);
        assertThat(progress.path("status").asText()).isEqualTo("rejected");
    }

    @Test
    void onlyCaseSystemsAndAdministratorsMayUseBatches() throws Exception {
        String la = newLocalAuthority();
        String csv = CldFiles.file(List.of(CldFiles.request(Person.fresh(la, 1), "CASE-1")));
        assertThat(post(null, csv).statusCode()).isEqualTo(401);
        HttpResponse<String> gp = post(tokenFor(TestTokens.Claims.of("gp-system", "Y90001", "system/*.rs")), csv);
        assertThat(gp.statusCode()).isEqualTo(403);
        assertThat(gp.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/problem+json");
        // A case system posts only for its own council and sees only its own batches.
        String token = caseSystemToken(la);
        HttpResponse<String> elsewhere = http().send(
                        HttpRequest.newBuilder(URI.create(gatewayBase() + "/socialcare/batches?localAuthority=OTHER1"))
                                .header("Content-Type", "text/csv")
                                .header("Authorization", "Bearer " + token)
                                .POST(HttpRequest.BodyPublishers.ofString(csv))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(elsewhere.statusCode()).isEqualTo(403);
        long id = batchId(post(token, csv));
        HttpResponse<String> otherCouncil = http().send(
                        HttpRequest.newBuilder(URI.create(gatewayBase() + "/socialcare/batches/" + id))
                                .header("Authorization", "Bearer " + caseSystemToken(newLocalAuthority()))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(otherCouncil.statusCode()).isEqualTo(404);
        HttpResponse<String> gpReads = http().send(
                        HttpRequest.newBuilder(URI.create(gatewayBase() + "/socialcare/batches/" + id))
                                .header(
                                        "Authorization",
                                        "Bearer "
                                                + tokenFor(TestTokens.Claims.of("gp-system", "Y90001", "system/*.rs")))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(gpReads.statusCode()).isEqualTo(403);
        // The administrator may post for a named council.
        HttpResponse<String> admin = http().send(
                        request("/socialcare/batches?localAuthority=" + la)
                                .header("Content-Type", "text/csv")
                                .POST(HttpRequest.BodyPublishers.ofString(
                                        CldFiles.file(List.of(CldFiles.request(Person.fresh(la, 2), "CASE-2")))))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(JSON.readTree(admin.body()).path("localAuthority").asText()).isEqualTo(la);
        awaitCompleted(token, batchId(admin));
        awaitCompleted(token, id);
    }

    @Autowired
    org.springframework.jdbc.core.JdbcTemplate jdbc;

    private long jdbcCount(String sql) {
        return jdbc.queryForObject(sql, Long.class);
    }
}
