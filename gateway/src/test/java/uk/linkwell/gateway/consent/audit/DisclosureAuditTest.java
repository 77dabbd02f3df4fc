package uk.linkwell.gateway.consent.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.support.GenericApplicationContext;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;

/**
 * The disclosure audit trail against the running gateway: recorded disclosures become AuditEvents written in
 * batches, found by patient ("who has seen my record") through the FHIR API; break-glass is flagged for review;
 * a database failure is retried; a clean shutdown writes what was still queued; a full queue pushes back.
 */
class DisclosureAuditTest extends GatewayIntegrationTest {

    @Autowired
    DisclosureAudit audit;

    @Autowired
    DisclosureAuditWriter writer;

    @Autowired
    DisclosureTrail store;

    @Autowired
    MeterRegistry meters;

    @AfterEach
    void databaseBack() throws Exception {
        sql("DROP TRIGGER IF EXISTS lw_test_audit_outage ON lw_disclosure");
    }

    /** A patient with a care plan and a goal, as a GP search would disclose them. */
    private record Record(String patient, String carePlan, String goal, String nhsNumber) {}

    private Record newRecord() {
        String nhsNumber = SyntheticNhsNumbers.next();
        String patient = client().create()
                .resource(LinkwellFixtures.patient(nhsNumber))
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue();
        Reference org = new Reference(client().create()
                .resource(LinkwellFixtures.organisation(
                        "AU" + UUID.randomUUID().toString().substring(0, 6), "Audit test practice"))
                .execute()
                .getId()
                .toUnqualifiedVersionless());
        Goal goal = LinkwellFixtures.goal(new Reference(patient), "I want to walk to the shops");
        String goalId = client().create()
                .resource(goal)
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue();
        CarePlan plan = LinkwellFixtures.actionPlan(new Reference(patient), org);
        plan.addGoal(new Reference(goalId));
        String planId = client().create()
                .resource(plan)
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue();
        return new Record(patient, planId, goalId, nhsNumber);
    }

    private static Disclosure search(Record r, String decision, String basis) {
        return new Disclosure(
                Instant.now(),
                "demo-gp",
                "gp-system",
                "Y90001",
                null,
                r.patient(),
                List.of(r.carePlan(), r.goal()),
                "TREAT",
                decision,
                basis,
                false,
                null,
                "fhir-search",
                UUID.randomUUID().toString());
    }

    private List<AuditEvent> auditEventsFor(String patient, String extra) {
        Bundle bundle = client().search()
                .byUrl("AuditEvent?patient=" + patient + extra + "&_count=200")
                .returnBundle(Bundle.class)
                .execute();
        List<AuditEvent> events = new ArrayList<>();
        bundle.getEntry().forEach(e -> events.add((AuditEvent) e.getResource()));
        return events;
    }

    private double count(String meter) {
        return meters.get(meter).counter().count();
    }

    @Test
    void recordedDisclosuresAreWrittenInBatchesAndFoundByPatient() throws Exception {
        Record r = newRecord();
        long batchesBefore = meters.get("linkwell.consent.audit.batch").timer().count();
        double writtenBefore = count("linkwell.consent.audit.written");
        int n = 20;
        for (int i = 0; i < n; i++) {
            audit.record(search(r, "permit", "author-organisation"));
        }
        await().atMost(Duration.ofSeconds(30))
                .until(() -> auditEventsFor(r.patient(), "").size() == n);
        assertThat(count("linkwell.consent.audit.written") - writtenBefore).isGreaterThanOrEqualTo(n);
        // Twenty disclosures recorded at once go out in a few transactions, not twenty.
        assertThat(meters.get("linkwell.consent.audit.batch").timer().count() - batchesBefore)
                .isLessThan(n / 2);

        AuditEvent event = auditEventsFor(r.patient(), "").get(0);
        assertThat(event.getType().getSystem()).isEqualTo(DisclosureAuditEvents.DICOM);
        assertThat(event.getType().getCode()).isEqualTo("110106");
        assertThat(event.getSubtype()).extracting(c -> c.getCode()).containsExactly("search-type", "fhir-search");
        assertThat(event.getAction()).isEqualTo(AuditEvent.AuditEventAction.R);
        assertThat(event.getOutcome()).isEqualTo(AuditEvent.AuditEventOutcome._0);
        assertThat(event.getOutcomeDesc()).isEqualTo("permit");
        assertThat(((StringType) event.getExtensionByUrl(DisclosureAuditEvents.BASIS_EXTENSION)
                                .getValue())
                        .getValue())
                .isEqualTo("author-organisation");
        assertThat(event.getPurposeOfEventFirstRep().getCodingFirstRep().getCode())
                .isEqualTo("TREAT");

        AuditEvent.AuditEventAgentComponent requester = event.getAgent().stream()
                .filter(AuditEvent.AuditEventAgentComponent::getRequestor)
                .findFirst()
                .orElseThrow();
        assertThat(requester.getAltId()).isEqualTo("demo-gp");
        assertThat(requester.getWho().getIdentifier().getValue()).isEqualTo("demo-gp");
        assertThat(requester.getRoleFirstRep().getCodingFirstRep().getCode()).isEqualTo("gp-system");
        assertThat(requester.getPolicy()).extracting(p -> p.getValue()).containsExactly("author-organisation");
        assertThat(event.getAgent()).anySatisfy(a -> {
            assertThat(a.getWho().getIdentifier().getSystem()).isEqualTo(DisclosureAuditEvents.ODS_SYSTEM);
            assertThat(a.getWho().getIdentifier().getValue()).isEqualTo("Y90001");
        });
        assertThat(event.getSource().getObserver().getDisplay()).isEqualTo("Linkwell gateway");

        // The patient, then each disclosed resource at the version that was current (versioned references).
        assertThat(event.getEntity()).extracting(e -> e.getRole().getCode()).containsExactly("1", "4", "4", null);
        assertThat(event.getEntity().get(0).getWhat().getReference()).startsWith(r.patient() + "/_history/");
        assertThat(event.getEntity().get(1).getWhat().getReference()).startsWith(r.carePlan() + "/_history/");
        assertThat(event.getEntity().get(1).getType().getCode()).isEqualTo("CarePlan");
        assertThat(event.getEntity().get(2).getWhat().getReference()).startsWith(r.goal() + "/_history/");

        // "Who has seen my record" over plain HTTP, as in the README, and "who has seen this plan".
        HttpResponse<String> response = http().send(
                        request("/fhir/AuditEvent?patient=" + r.patient() + "&_summary=count")
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"total\": " + n);
        // The same by NHS number, with a chained search, as the README shows it.
        Bundle byNhsNumber = client().search()
                .byUrl("AuditEvent?patient.identifier=" + LinkwellFixtures.NHS + "|" + r.nhsNumber()
                        + "&_summary=count")
                .returnBundle(Bundle.class)
                .execute();
        assertThat(byNhsNumber.getTotal()).isEqualTo(n);
        Bundle byEntity = client().search()
                .byUrl("AuditEvent?entity=" + r.carePlan() + "&_summary=count")
                .returnBundle(Bundle.class)
                .execute();
        assertThat(byEntity.getTotal()).isEqualTo(n);
        assertThat(writer.queueDepth()).isZero();

        // The trail is its own append-only table, not HAPI's resource store: one row per disclosure, one per
        // resource it was about (the patient, the plan, the goal).
        assertThat(rows("SELECT COUNT(*) FROM LW_DISCLOSURE WHERE PATIENT = '" + r.patient() + "'"))
                .isEqualTo(n);
        assertThat(rows("SELECT COUNT(*) FROM LW_DISCLOSURE_ENTITY e JOIN LW_DISCLOSURE d ON d.ID = e.DISCLOSURE_ID"
                        + " WHERE d.PATIENT = '" + r.patient() + "'"))
                .isEqualTo(3L * n);
        assertThat(rows("SELECT COUNT(*) FROM HFJ_RESOURCE WHERE RES_TYPE = 'AuditEvent'"))
                .isZero();
        // A parameter the trail is not searched by is refused with an OperationOutcome rather than ignored.
        HttpResponse<String> unindexed = http().send(
                        request("/fhir/AuditEvent?entity-role=4").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(unindexed.statusCode()).isEqualTo(400);
        assertThat(unindexed.body()).contains("OperationOutcome").contains("entity-role");
    }

    private static long rows(String countQuery) throws Exception {
        try (Connection c = DriverManager.getConnection(
                        database().jdbcUrl(), database().username(), database().password());
                Statement s = c.createStatement();
                java.sql.ResultSet rs = s.executeQuery(countQuery)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void aBreakGlassDisclosureIsFlaggedForReviewAndFindable() {
        Record r = newRecord();
        double before = count("linkwell.consent.audit.break-glass");
        audit.record(new Disclosure(
                Instant.now(),
                "demo-link-worker",
                "link-worker-app",
                "LW0001",
                null,
                r.patient(),
                List.of(r.carePlan()),
                "ETREAT",
                "permit",
                "break-glass",
                true,
                "imminent risk of harm reported by carer",
                "fhir-read",
                "req-bg-1"));
        String tag = "&_tag=" + DisclosureAuditEvents.REVIEW_TAG_SYSTEM + "|" + DisclosureAuditEvents.BREAK_GLASS_TAG;
        await().atMost(Duration.ofSeconds(30))
                .until(() -> auditEventsFor(r.patient(), tag).size() == 1);
        AuditEvent event = auditEventsFor(r.patient(), tag).get(0);
        assertThat(event.getPurposeOfEventFirstRep().getCodingFirstRep().getCode())
                .isEqualTo("ETREAT");
        assertThat(event.getPurposeOfEventFirstRep().getText()).isEqualTo("imminent risk of harm reported by carer");
        assertThat(event.getSubtype()).extracting(c -> c.getCode()).contains("read");
        assertThat(count("linkwell.consent.audit.break-glass") - before).isEqualTo(1);

        // The reviewers' list: every break-glass disclosure, whoever the patient.
        Bundle review = client().search()
                .byUrl("AuditEvent?_tag=" + DisclosureAuditEvents.REVIEW_TAG_SYSTEM + "|"
                        + DisclosureAuditEvents.BREAK_GLASS_TAG + "&entity-name=req-bg-1")
                .returnBundle(Bundle.class)
                .execute();
        assertThat(review.getEntry()).hasSize(1);
        // An ordinary disclosure carries no review tag.
        audit.record(search(r, "permit", "direct-care"));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> auditEventsFor(r.patient(), "").size() == 2);
        assertThat(auditEventsFor(r.patient(), tag)).hasSize(1);
    }

    @Test
    void aConsentBasisNamesTheConsentAndADenyIsWrittenWithOutcome4AndCounted() {
        Record r = newRecord();
        String consent = client().create()
                .resource(LinkwellFixtures.verbalConsent(
                        new Reference(r.patient()),
                        new Reference(client().create()
                                .resource(LinkwellFixtures.practitioner("Recorder"))
                                .execute()
                                .getId()
                                .toUnqualifiedVersionless())))
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue();
        double deniesBefore = meters.counter("linkwell.consent.audit.decisions", "decision", "deny")
                .count();
        audit.record(search(r, "deny", consent + "#provision.provision[0]"));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> auditEventsFor(r.patient(), "&outcome=4").size() == 1);
        AuditEvent event = auditEventsFor(r.patient(), "&outcome=4").get(0);
        assertThat(event.getOutcomeDesc()).isEqualTo("deny");
        AuditEvent.AuditEventEntityComponent basis = event.getEntity().stream()
                .filter(e -> "13".equals(e.getRole().getCode()))
                .findFirst()
                .orElseThrow();
        assertThat(basis.getWhat().getReference()).startsWith(consent + "/_history/");
        assertThat(basis.getDetailFirstRep().getValueStringType().getValue()).isEqualTo("provision.provision[0]");
        assertThat(auditEventsFor(r.patient(), "&outcome=0")).isEmpty();
        assertThat(meters.counter("linkwell.consent.audit.decisions", "decision", "deny")
                                .count()
                        - deniesBefore)
                .isEqualTo(1);
    }

    @Test
    void aDisclosedResourceCanStillBeDeletedAndADisclosureOfAVanishedOneIsKept() {
        Record r = newRecord();
        audit.record(search(r, "permit", "direct-care"));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> auditEventsFor(r.patient(), "").size() == 1);
        // The trail holds no references HAPI enforces, so it does not hold the plan or the goal in place.
        client().delete()
                .resourceById(new org.hl7.fhir.r4.model.IdType(r.carePlan()))
                .execute();
        client().delete()
                .resourceById(new org.hl7.fhir.r4.model.IdType(r.goal()))
                .execute();
        assertThat(auditEventsFor(r.patient(), "")).hasSize(1);
        assertThat(auditEventsFor(r.patient(), "")
                        .get(0)
                        .getEntity()
                        .get(2)
                        .getWhat()
                        .getReference())
                .startsWith(r.goal() + "/_history/");

        // A disclosure of the deleted plan is still written, at the plan's last version; one naming a resource the
        // server has no trace of keeps the plain reference, described as gone, and is counted.
        String never = "Goal/never-" + UUID.randomUUID().toString().substring(0, 8);
        double unresolvedBefore = count("linkwell.consent.audit.unresolved-references");
        audit.record(new Disclosure(
                Instant.now(),
                "demo-gp",
                "gp-system",
                "Y90001",
                null,
                r.patient(),
                List.of(r.carePlan(), never),
                "TREAT",
                "permit",
                "direct-care",
                false,
                null,
                "fhir-search",
                "req-gone"));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> auditEventsFor(r.patient(), "").size() == 2);
        assertThat(count("linkwell.consent.audit.dropped")).isZero();
        AuditEvent latest = auditEventsFor(r.patient(), "&_sort=-_lastUpdated").get(0);
        assertThat(latest.getEntity().get(1).getWhat().getReference()).startsWith(r.carePlan() + "/_history/");
        assertThat(latest.getEntity().get(2).getWhat().getReference()).isEqualTo(never);
        assertThat(latest.getEntity().get(2).getDescription()).isEqualTo(DisclosureTrail.GONE);
        assertThat(count("linkwell.consent.audit.unresolved-references") - unresolvedBefore)
                .isEqualTo(1);
        // Still found as a disclosure of what it named, and of the patient.
        assertThat(client().search()
                        .byUrl("AuditEvent?entity=" + never + "&_summary=count")
                        .returnBundle(Bundle.class)
                        .execute()
                        .getTotal())
                .isEqualTo(1);
        assertThat(client().search()
                        .byUrl("AuditEvent?entity=" + r.carePlan() + "&_summary=count")
                        .returnBundle(Bundle.class)
                        .execute()
                        .getTotal())
                .isEqualTo(2);
        assertThat(latest.getEntityFirstRep().getWhat().getReference()).startsWith(r.patient() + "/_history/");
    }

    @Test
    void theTrailIsReadSearchedSortedAndPagedAsAuditEventAndTakesNoWrites() throws Exception {
        Record r = newRecord();
        Instant start = Instant.now().minusSeconds(5).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        int n = 12;
        for (int i = 0; i < n; i++) {
            audit.record(new Disclosure(
                    start.plusMillis(100L * i),
                    i % 3 == 0 ? "demo-link-worker" : "demo-gp",
                    "gp-system",
                    "Y90001",
                    null,
                    r.patient(),
                    List.of(r.carePlan()),
                    "TREAT",
                    "permit",
                    "direct-care",
                    false,
                    null,
                    i % 2 == 0 ? "fhir-read" : "fhir-search",
                    "req-page-" + i));
        }
        await().atMost(Duration.ofSeconds(30))
                .until(() -> auditEventsFor(r.patient(), "").size() == n);

        // Newest first, five to a page, followed through the next links to the end.
        Bundle page = client().search()
                .byUrl("AuditEvent?patient=" + r.patient() + "&_sort=-date&_count=5")
                .returnBundle(Bundle.class)
                .execute();
        assertThat(page.getTotal()).isEqualTo(n);
        List<String> requestIds = new ArrayList<>();
        int pages = 0;
        while (true) {
            pages++;
            page.getEntry().forEach(e -> requestIds.add(requestId((AuditEvent) e.getResource())));
            if (page.getLink(Bundle.LINK_NEXT) == null) {
                break;
            }
            page = client().loadPage().next(page).execute();
        }
        assertThat(pages).isEqualTo(3);
        List<String> expected = new ArrayList<>();
        for (int i = n - 1; i >= 0; i--) {
            expected.add("req-page-" + i);
        }
        assertThat(requestIds).containsExactlyElementsOf(expected);

        // Read by id, as the search gave it.
        AuditEvent first = auditEventsFor(r.patient(), "&_sort=date").get(0);
        AuditEvent read = client().read()
                .resource(AuditEvent.class)
                .withId(first.getIdElement().getIdPart())
                .execute();
        assertThat(requestId(read)).isEqualTo("req-page-0");
        assertThat(read.getMeta().getVersionId()).isEqualTo("1");

        // The parameters the trail is searched by.
        assertThat(auditEventsFor(r.patient(), "&altid=demo-link-worker")).hasSize(4);
        assertThat(auditEventsFor(r.patient(), "&subtype=read")).hasSize(6);
        assertThat(auditEventsFor(r.patient(), "&subtype=" + DisclosureAuditEvents.CHANNEL_SYSTEM + "|fhir-search"))
                .hasSize(6);
        assertThat(auditEventsFor(r.patient(), "&subtype=read,search-type")).hasSize(n);
        assertThat(auditEventsFor(r.patient(), "&date=ge" + start.plusMillis(600)))
                .hasSize(6);
        assertThat(auditEventsFor(r.patient(), "&date=ge" + start.plusMillis(600) + "&date=le" + start.plusMillis(800)))
                .hasSize(3);
        assertThat(auditEventsFor(r.patient(), "&entity-name=REQ-PAGE-1")).hasSize(3);
        assertThat(auditEventsFor(r.patient(), "&entity-name:exact=req-page-1")).hasSize(1);
        assertThat(auditEventsFor(r.patient(), "&type=" + DisclosureAuditEvents.DICOM + "|110106"))
                .hasSize(n);
        assertThat(auditEventsFor(r.patient(), "&type=" + DisclosureAuditEvents.DICOM + "|110100"))
                .isEmpty();
        assertThat(auditEventsFor(r.patient(), "&_id=" + first.getIdElement().getIdPart()))
                .hasSize(1);
        assertThat(auditEventsFor(r.patient(), "&_tag=http://example.org/other|tag"))
                .isEmpty();

        // What the trail does not do is refused, with an OperationOutcome.
        HttpResponse<String> unknown = http().send(
                        request("/fhir/AuditEvent/no-such-event").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(unknown.statusCode()).isEqualTo(404);
        HttpResponse<String> chained = http().send(
                        request("/fhir/AuditEvent?entity.identifier=x%7Cy")
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(chained.statusCode()).isEqualTo(400);
        assertThat(chained.body()).contains("OperationOutcome");
        HttpResponse<String> sorted = http().send(
                        request("/fhir/AuditEvent?_sort=outcome").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(sorted.statusCode()).isEqualTo(400);
        assertThat(sorted.body()).contains("sorted by date");
        HttpResponse<String> create = http().send(
                        request("/fhir/AuditEvent")
                                .header("Content-Type", "application/fhir+json")
                                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                                        "{\"resourceType\":\"AuditEvent\"}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        // (HAPI's answer to an interaction a resource type does not offer.)
        assertThat(create.statusCode()).isEqualTo(400);
        assertThat(create.body()).contains("OperationOutcome").contains("POST");
    }

    private static String requestId(AuditEvent event) {
        return event.getEntity().stream()
                .filter(e -> "XrequestId".equals(e.getType().getCode()))
                .findFirst()
                .orElseThrow()
                .getName();
    }

    @Test
    void aBatchThatFailsWhileTheDatabaseRefusesIsRetriedAndWrittenWhenItIsBack() throws Exception {
        Record r = newRecord();
        double failuresBefore = count("linkwell.consent.audit.batch.failures");
        // Only the trail's inserts fail, as when the audit writes hit a database outage.
        sql(
                """
                CREATE OR REPLACE FUNCTION lw_test_audit_outage() RETURNS trigger AS $$
                BEGIN RAISE EXCEPTION 'simulated audit outage'; END $$ LANGUAGE plpgsql""");
        sql("CREATE TRIGGER lw_test_audit_outage BEFORE INSERT ON lw_disclosure FOR EACH ROW"
                + " EXECUTE FUNCTION lw_test_audit_outage()");
        for (int i = 0; i < 3; i++) {
            audit.record(search(r, "permit", "direct-care"));
        }
        await().atMost(Duration.ofSeconds(30))
                .until(() -> count("linkwell.consent.audit.batch.failures") - failuresBefore >= 2);
        assertThat(auditEventsFor(r.patient(), "")).isEmpty();

        databaseBack();
        await().atMost(Duration.ofSeconds(60))
                .until(() -> auditEventsFor(r.patient(), "").size() == 3);
        assertThat(count("linkwell.consent.audit.dropped")).isZero();
    }

    @Test
    void closingTheContextWritesEverythingStillQueued() {
        Record r = newRecord();
        // A writer that would hold its batch for an hour: only the shutdown can write these.
        AuditProperties holdForAnHour =
                new AuditProperties(1000, Duration.ofHours(1), 1000, null, null, null, null, null, null);
        SimpleMeterRegistry ownMeters = new SimpleMeterRegistry();
        int n = 50;
        try (GenericApplicationContext context = new GenericApplicationContext()) {
            context.registerBean(
                    DisclosureAuditWriter.class, () -> new DisclosureAuditWriter(store, holdForAnHour, ownMeters));
            context.refresh();
            DisclosureAuditWriter own = context.getBean(DisclosureAuditWriter.class);
            assertThat(own.isRunning()).isTrue();
            for (int i = 0; i < n; i++) {
                own.record(search(r, "permit", "direct-care"));
            }
            assertThat(ownMeters.get("linkwell.consent.audit.written").counter().count())
                    .isZero();
        }
        assertThat(ownMeters.get("linkwell.consent.audit.written").counter().count())
                .isEqualTo(n);
        assertThat(ownMeters.get("linkwell.consent.audit.dropped").counter().count())
                .isZero();
        assertThat(auditEventsFor(r.patient(), "")).hasSize(n);
    }

    @Test
    void aFullQueueMakesCallersWaitThenRefusesAndNothingAcceptedIsLost() {
        Record r = newRecord();
        AuditProperties tiny =
                new AuditProperties(10, Duration.ofMillis(10), 2, Duration.ofMillis(100), null, null, null, null, null);
        SimpleMeterRegistry ownMeters = new SimpleMeterRegistry();
        DisclosureAuditWriter own = new DisclosureAuditWriter(store, tiny, ownMeters);
        // Not started yet: nothing drains, so the third disclosure finds the queue full.
        own.record(search(r, "permit", "direct-care"));
        own.record(search(r, "permit", "direct-care"));
        assertThatThrownBy(() -> own.record(search(r, "permit", "direct-care")))
                .isInstanceOf(AuditUnavailableException.class);
        assertThat(ownMeters
                        .get("linkwell.consent.audit.back-pressure")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(ownMeters.get("linkwell.consent.audit.refused").counter().count())
                .isEqualTo(1);
        assertThat(own.queueDepth()).isEqualTo(2);
        own.start();
        try {
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> auditEventsFor(r.patient(), "").size() == 2);
        } finally {
            own.stop();
        }
        // After stop, a straggler is written on the caller's thread rather than left in a dead queue.
        own.record(search(r, "permit", "direct-care"));
        assertThat(ownMeters.get("linkwell.consent.audit.synchronous").counter().count())
                .isEqualTo(1);
        assertThat(auditEventsFor(r.patient(), "")).hasSize(3);
    }

    /** A row written before the stored form (the AuditEvent's own JSON) is still served, found and read. */
    @Test
    void rowsHoldingAnAuditEventsJsonAreStillServed() throws Exception {
        Record r = newRecord();
        String id = UUID.randomUUID().toString();
        AuditEvent old = DisclosureAuditEvents.toAuditEvent(search(r, "permit", "author-organisation"), "Linkwell");
        old.setId(new org.hl7.fhir.r4.model.IdType("AuditEvent", id, "1"));
        old.getMeta().setVersionId("1").setLastUpdated(new java.util.Date());
        String json = fhirContext.newJsonParser().encodeResourceToString(old).replace("'", "''");
        sql("INSERT INTO LW_DISCLOSURE (ID, RECORDED, PATIENT, OUTCOME, CHANNEL, CLIENT_ID, PRACTITIONER, BREAK_GLASS,"
                + " REQUEST_ID, BODY) VALUES ('" + id + "', now(), '" + r.patient() + "', '0', 'fhir-search',"
                + " 'demo-gp', NULL, false, NULL, convert_to('" + json + "', 'UTF8'))");

        AuditEvent read = client().read().resource(AuditEvent.class).withId(id).execute();
        assertThat(read.getOutcomeDesc()).isEqualTo("permit");
        assertThat(read.getEntity())
                .extracting(e -> e.getWhat().getReference())
                .contains(r.patient(), r.carePlan(), r.goal());
        assertThat(auditEventsFor(r.patient(), ""))
                .extracting(e -> e.getIdElement().getIdPart())
                .contains(id);
    }

    /** Runs SQL as the database owner; the shared server may be short of connections for a moment. */
    private static void sql(String sql) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try (Connection c = DriverManager.getConnection(
                            database().jdbcUrl(),
                            database().username(),
                            database().password());
                    Statement s = c.createStatement()) {
                s.execute(sql);
                return;
            } catch (java.sql.SQLException e) {
                if (attempt >= 30 || !String.valueOf(e.getMessage()).contains("too many clients")) {
                    throw e;
                }
                Thread.sleep(1000);
            }
        }
    }
}
