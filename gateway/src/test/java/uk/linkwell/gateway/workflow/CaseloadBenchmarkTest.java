package uk.linkwell.gateway.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.PractitionerRole;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;
import uk.linkwell.gateway.testsupport.TestTokens.Claims;
import uk.linkwell.profiles.LinkwellProfiles;

/**
 * Benchmark (only with -Pbench): {@code PractitionerRole/{id}/$caseload} for a team of 20 workers, each care
 * manager of 25 active cases with two open reviews per case, and 20 referrals waiting, asked by the team's case
 * system over HTTP on PostgreSQL, one request at a time. Target: p99 under 200 ms. Writes
 * target/bench/caseload.txt; the answers are checked, the timings are reported, not asserted.
 */
@Tag("bench")
class CaseloadBenchmarkTest extends GatewayIntegrationTest {

    static final int WORKERS = 20;
    static final int CASES_EACH = 25;
    static final int WARM_UP = Integer.getInteger("bench.caseload.warm-up", 200);
    static final int MEASURED = Integer.getInteger("bench.caseload.requests", 1000);

    private static final String[] RAG = {"red", "amber", "green"};

    @Test
    void caseloadOfAWorkerInATeamOfTwenty() throws Exception {
        String ods = "B" + UUID.randomUUID().toString().substring(0, 5).toUpperCase();
        Reference team = create(LinkwellFixtures.organisation(ods, "Bench team"));
        List<String> roles = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
            Reference practitioner = create(LinkwellFixtures.practitioner("Bench" + w));
            Reference role =
                    create(new PractitionerRole().setPractitioner(practitioner).setOrganization(team));
            roles.add(role.getReferenceElement().getIdPart());
            seedCaseload(team, ods, practitioner, role, w);
        }
        String token = tokenFor(Claims.of(
                "social-care-system",
                ods,
                "system/*.rs system/Patient.cu system/EpisodeOfCare.cu system/CarePlan.cu system/Task.cu"));

        for (int i = 0; i < WARM_UP; i++) {
            ask(token, roles.get(i % WORKERS));
        }
        long[] nanos = new long[MEASURED];
        for (int i = 0; i < MEASURED; i++) {
            long start = System.nanoTime();
            Parameters answer = ask(token, roles.get(i % WORKERS));
            nanos[i] = System.nanoTime() - start;
            if (i < WORKERS) {
                assertThat(count(answer, "activeCases")).isEqualTo(CASES_EACH);
                assertThat(count(answer, "reviewsDue") + count(answer, "reviewsOverdue"))
                        .isEqualTo(CASES_EACH);
                assertThat(count(answer, "awaitingAllocation")).isEqualTo(WORKERS);
            }
        }
        Arrays.sort(nanos);
        String report = String.format(
                Locale.ROOT,
                "$caseload, team of %d workers x %d active cases, %d reviews and %d waiting allocations;"
                        + " %d requests after %d warm-up, one at a time%n"
                        + "p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms (target p99 < 200 ms)%n",
                WORKERS,
                CASES_EACH,
                WORKERS * CASES_EACH * 2,
                WORKERS,
                MEASURED,
                WARM_UP,
                millis(nanos, 0.50),
                millis(nanos, 0.90),
                millis(nanos, 0.99),
                nanos[nanos.length - 1] / 1e6);
        Path out = Path.of("target", "bench", "caseload.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report);
        System.out.print(report);
    }

    /**
     * One worker's cases as an operator back-loads them: per case a person, an active EpisodeOfCare with the worker
     * as care manager and a complexity, and two open reviews (one due within 28 days or overdue, one later); and
     * one referral waiting for the team.
     */
    private void seedCaseload(Reference team, String ods, Reference practitioner, Reference role, int worker) {
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        Instant now = Instant.now();
        for (int c = 0; c < CASES_EACH; c++) {
            String patient = "urn:uuid:" + UUID.randomUUID();
            String episode = "urn:uuid:" + UUID.randomUUID();
            add(bundle, patient, LinkwellFixtures.patient(SyntheticNhsNumbers.next()));
            EpisodeOfCare case_ = LinkwellFixtures.episode(
                    new Reference(patient), team.copy(), EpisodeOfCare.EpisodeOfCareStatus.ACTIVE);
            case_.setCareManager(practitioner.copy());
            case_.addExtension(LinkwellProfiles.COMPLEXITY_RATING_EXTENSION, rag(RAG[(worker + c) % 3]));
            add(bundle, episode, teams(case_, ods));
            // Due in 1-27 days or overdue by 1-3 days, and a year ahead.
            int dueInDays = c % 4 == 0 ? -(1 + c % 3) : 1 + c % 27;
            add(bundle, null, teams(review(patient, episode, role, now.plus(dueInDays, ChronoUnit.DAYS)), ods));
            add(bundle, null, teams(review(patient, episode, role, now.plus(365, ChronoUnit.DAYS)), ods));
        }
        String waiting = "urn:uuid:" + UUID.randomUUID();
        String waitingCase = "urn:uuid:" + UUID.randomUUID();
        add(bundle, waiting, LinkwellFixtures.patient(SyntheticNhsNumbers.next()));
        add(
                bundle,
                waitingCase,
                teams(
                        LinkwellFixtures.episode(
                                new Reference(waiting), team.copy(), EpisodeOfCare.EpisodeOfCareStatus.ACTIVE),
                        ods));
        Task allocation = careTask("allocation", waiting, waitingCase, team);
        allocation.addExtension(LinkwellProfiles.COMPLEXITY_RATING_EXTENSION, rag("amber"));
        add(bundle, null, teams(allocation, ods));
        client().transaction().withBundle(bundle).execute();
    }

    /** The team's record, as the case system's own writes are (author organisation): $caseload counts what it reads. */
    private static <R extends Resource> R teams(R resource, String ods) {
        resource.getMeta()
                .addTag()
                .setSystem(uk.linkwell.gateway.consent.AuthorOrganisationStamp.TAG_SYSTEM)
                .setCode(ods);
        return resource;
    }

    private static Task review(String patient, String episode, Reference owner, Instant due) {
        Task review = careTask("review", patient, episode, owner);
        review.getRestriction().getPeriod().setEnd(Date.from(due));
        return review;
    }

    private static Task careTask(String code, String patient, String episode, Reference owner) {
        return new Task()
                .setStatus(Task.TaskStatus.REQUESTED)
                .setIntent(Task.TaskIntent.ORDER)
                .setCode(new CodeableConcept(new Coding(LinkwellProfiles.CARE_TASK_SYSTEM, code, null)))
                .setFor(new Reference(patient))
                .setFocus(new Reference(episode))
                .setAuthoredOn(new Date())
                .setOwner(owner.copy());
    }

    private static CodeableConcept rag(String code) {
        return new CodeableConcept(new Coding(LinkwellProfiles.COMPLEXITY_RATING_SYSTEM, code, null));
    }

    private static void add(Bundle bundle, String fullUrl, Resource resource) {
        Bundle.BundleEntryComponent entry = bundle.addEntry().setResource(resource);
        if (fullUrl != null) {
            entry.setFullUrl(fullUrl);
        }
        entry.getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl(resource.fhirType());
    }

    private Reference create(Resource resource) {
        return new Reference(
                client().create().resource(resource).execute().getId().toUnqualifiedVersionless());
    }

    private Parameters ask(String token, String role) {
        HttpResponse<String> response = fhir(token, "GET", "PractitionerRole/" + role + "/$caseload", null);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return fhirContext.newJsonParser().parseResource(Parameters.class, response.body());
    }

    private static int count(Parameters answer, String name) {
        return ((IntegerType) answer.getParameter(name).getValue()).getValue();
    }

    private static double millis(long[] sorted, double quantile) {
        int index = Math.min(sorted.length - 1, (int) Math.ceil(quantile * sorted.length) - 1);
        return sorted[index] / 1e6;
    }
}
