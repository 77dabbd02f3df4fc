package uk.linkwell.gateway.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.PositiveIntType;
import org.hl7.fhir.r4.model.PractitionerRole;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Task;
import org.hl7.fhir.r4.model.Task.TaskStatus;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;
import uk.linkwell.gateway.testsupport.TestTokens.Claims;
import uk.linkwell.profiles.LinkwellProfiles;

/**
 * Caseloads over HTTP on PostgreSQL: a GP system refers, the council's case system (the receiving team) accepts
 * and allocates, a worker's app then reaches the person, and $caseload counts what the team needs to know. Each
 * test has a team of its own, so every count is exact.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CaseloadAllocationTest extends GatewayIntegrationTest {

    /** As demo-gp and demo-social-care in application.yaml. */
    static final String GP_SCOPES = "system/Patient.crus system/CarePlan.rs system/Goal.rs system/ServiceRequest.crs "
            + "system/Task.crs system/Consent.c system/Flag.rs system/Communication.crs system/Organization.rs "
            + "system/Practitioner.rs";

    static final String SOCIAL_CARE_SCOPES = "system/*.rs system/Patient.cu system/EpisodeOfCare.cu "
            + "system/CarePlan.cu system/ServiceRequest.cu system/Task.cu";

    static final String LINK_WORKER_SCOPES =
            "user/Patient.rs user/EpisodeOfCare.rs user/CareTeam.rs user/Task.rs user/PractitionerRole.rs";

    /** The PractitionerRole id whose cap GatewayIntegrationTest configures (linkwell.caseload.caps) as 1. */
    static final String CONFIG_CAPPED_ROLE = "caseload-test-config-cap";

    private String practice;
    private Reference practiceRef;
    private IGenericClient gp;

    /** A receiving team (a council's care management), its case system's token and two workers. */
    private record Team(String ods, Reference organisation, String token, Worker worker, Worker colleague) {}

    /** A worker: the Practitioner (whom their app acts for) and their role in the team. */
    private record Worker(Reference practitioner, Reference role) {
        String roleId() {
            return role.getReferenceElement().getIdPart();
        }
    }

    private record Case(IdType referral, Reference patient, Task allocation) {}

    @BeforeAll
    void aPractice() {
        practice = "G" + UUID.randomUUID().toString().substring(0, 5).toUpperCase();
        practiceRef = new Reference(client().create()
                .resource(LinkwellFixtures.organisation(practice, "Brook Surgery"))
                .execute()
                .getId()
                .toUnqualifiedVersionless());
        gp = clientAs(Claims.of("gp-system", practice, GP_SCOPES));
    }

    private Team newTeam() {
        String ods = "L" + UUID.randomUUID().toString().substring(0, 5).toUpperCase();
        Reference organisation = create(LinkwellFixtures.organisation(ods, "Care management team"));
        return new Team(
                ods,
                organisation,
                tokenFor(Claims.of("social-care-system", ods, SOCIAL_CARE_SCOPES)),
                worker(organisation, "Worker", null),
                worker(organisation, "Colleague", null));
    }

    private Worker worker(Reference team, String family, Integer cap) {
        Reference practitioner = create(LinkwellFixtures.practitioner(family));
        PractitionerRole role =
                new PractitionerRole().setPractitioner(practitioner).setOrganization(team);
        if (cap != null) {
            role.addExtension(LinkwellProfiles.CASELOAD_CAP_EXTENSION, new PositiveIntType(cap));
        }
        return new Worker(practitioner, create(role));
    }

    private Reference create(org.hl7.fhir.r4.model.Resource resource) {
        return new Reference(
                client().create().resource(resource).execute().getId().toUnqualifiedVersionless());
    }

    private String appToken(Team team, Worker worker) {
        return tokenFor(Claims.of("link-worker-app", team.ods(), LINK_WORKER_SCOPES)
                .withPractitioner(worker.practitioner().getReference()));
    }

    /** A person registered at the practice, referred by the GP system to the team: the referral Task's id. */
    private IdType refer(Team team, String proposedComplexity) {
        String nhs = SyntheticNhsNumbers.next();
        Patient person = LinkwellFixtures.patient(nhs);
        person.addGeneralPractitioner(practiceRef);
        client().create().resource(person).execute();
        String patient = "Patient?identifier=" + LinkwellFixtures.NHS + "|" + nhs;
        String referrer = "Organization?identifier=" + LinkwellFixtures.ODS + "|" + practice;
        String owner = "Organization?identifier=" + LinkwellFixtures.ODS + "|" + team.ods();
        ServiceRequest request =
                LinkwellFixtures.referral(new Reference(patient), new Reference(referrer), new Reference(owner));
        if (proposedComplexity != null) {
            request.addExtension(LinkwellProfiles.COMPLEXITY_RATING_EXTENSION, rag(proposedComplexity));
        }
        String requestUrl = "urn:uuid:" + UUID.randomUUID();
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        bundle.addEntry()
                .setFullUrl(requestUrl)
                .setResource(request)
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("ServiceRequest");
        Task task = new Task()
                .setStatus(TaskStatus.REQUESTED)
                .setIntent(Task.TaskIntent.ORDER)
                .setFocus(new Reference(requestUrl))
                .setFor(new Reference(patient))
                .setAuthoredOn(new Date())
                .setRequester(new Reference(referrer))
                .setOwner(new Reference(owner));
        bundle.addEntry()
                .setFullUrl("urn:uuid:" + UUID.randomUUID())
                .setResource(task)
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Task");
        Bundle response = gp.transaction().withBundle(bundle).execute();
        return response.getEntry().stream()
                .map(e -> e.getResponse().getLocation())
                .filter(l -> l.startsWith("Task/"))
                .map(l -> new IdType(l).toUnqualifiedVersionless())
                .findFirst()
                .orElseThrow();
    }

    private static CodeableConcept rag(String code) {
        return new CodeableConcept(new Coding(LinkwellProfiles.COMPLEXITY_RATING_SYSTEM, code, null));
    }

    /** The team accepts the referral (with a complexity on the accepting Task, or none): the case and its allocation Task. */
    private Case accept(Team team, IdType referral, String complexity) {
        IGenericClient socialCare = clientWithToken(team.token());
        Task task = socialCare.read().resource(Task.class).withId(referral).execute();
        task.setStatus(TaskStatus.ACCEPTED);
        if (complexity != null) {
            task.addExtension(LinkwellProfiles.COMPLEXITY_RATING_EXTENSION, rag(complexity));
        }
        socialCare.update().resource(task).execute();
        Bundle found = socialCare
                .search()
                .forResource(Task.class)
                .where(Task.BASED_ON.hasId(referral.getValue()))
                .and(Task.CODE.exactly().systemAndCode(LinkwellProfiles.CARE_TASK_SYSTEM, "allocation"))
                .returnBundle(Bundle.class)
                .execute();
        assertThat(found.getEntry()).hasSize(1);
        Task allocation = (Task) found.getEntryFirstRep().getResource();
        return new Case(referral, allocation.getFor(), allocation);
    }

    private Case acceptedCase(Team team, String complexity) {
        return accept(team, refer(team, null), complexity);
    }

    /** The team completes the allocation Task naming the worker, as its case system sends it: status and body. */
    private HttpResponse<String> allocate(String token, Case theCase, Reference worker, String overCapReason) {
        Task allocation = clientWithToken(token)
                .read()
                .resource(Task.class)
                .withId(theCase.allocation().getIdElement().toUnqualifiedVersionless())
                .execute();
        allocation.setStatus(TaskStatus.COMPLETED);
        allocation.setOwner(worker.copy());
        if (overCapReason != null) {
            allocation.addExtension(
                    LinkwellProfiles.ALLOCATION_OVER_CAP_REASON_EXTENSION, new StringType(overCapReason));
        }
        return fhir(
                token,
                "PUT",
                "Task/" + allocation.getIdElement().getIdPart(),
                fhirContext.newJsonParser().encodeResourceToString(allocation));
    }

    private EpisodeOfCare episodeOf(Case theCase) {
        return client().read()
                .resource(EpisodeOfCare.class)
                .withId(theCase.allocation().getFocus().getReferenceElement())
                .execute();
    }

    private HttpResponse<String> readPatient(String token, Case theCase) {
        return fhir(token, "GET", theCase.patient().getReference(), null);
    }

    private OperationOutcome outcome(HttpResponse<String> response) {
        return fhirContext.newJsonParser().parseResource(OperationOutcome.class, response.body());
    }

    private Parameters caseload(String token, Worker worker) {
        HttpResponse<String> response = fhir(token, "GET", "PractitionerRole/" + worker.roleId() + "/$caseload", null);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return fhirContext.newJsonParser().parseResource(Parameters.class, response.body());
    }

    private static int count(Parameters answer, String name) {
        return ((IntegerType) answer.getParameter(name).getValue()).getValue();
    }

    private static int part(Parameters answer, String name, String part) {
        return answer.getParameter(name).getPart().stream()
                .filter(p -> p.getName().equals(part))
                .map(p -> ((IntegerType) p.getValue()).getValue())
                .findFirst()
                .orElseThrow();
    }

    @Test
    void anAcceptedReferralWaitsForAllocationWithTheComplexityTheTeamGaveIt() {
        Team team = newTeam();
        IdType referral = refer(team, "green");
        Case theCase = accept(team, referral, "amber");

        Task allocation = theCase.allocation();
        assertThat(allocation.getStatus()).isEqualTo(TaskStatus.REQUESTED);
        assertThat(allocation.getFocus().getReference()).startsWith("EpisodeOfCare/");
        assertThat(allocation.getBasedOnFirstRep().getReference()).isEqualTo(referral.getValue());
        assertThat(allocation.getOwner().getReference())
                .isEqualTo(team.organisation().getReference());
        // The accepting Task's complexity wins over the referrer's.
        assertThat(Caseloads.complexityOf(allocation)).isEqualTo("amber");
        EpisodeOfCare episode = episodeOf(theCase);
        assertThat(Caseloads.complexityOf(episode)).isEqualTo("amber");
        assertThat(episode.hasCareManager()).isFalse();

        // Without one on the accepting Task, the referral's; the team's $caseload counts both as waiting.
        Case second = accept(team, refer(team, "red"), null);
        assertThat(Caseloads.complexityOf(second.allocation())).isEqualTo("red");
        Parameters answer = caseload(team.token(), team.worker());
        assertThat(count(answer, "awaitingAllocation")).isEqualTo(2);
        assertThat(part(answer, "awaitingAllocationByComplexity", "amber")).isEqualTo(1);
        assertThat(part(answer, "awaitingAllocationByComplexity", "red")).isEqualTo(1);
    }

    @Test
    void allocatingMakesTheWorkerCareManagerAndPutsThePersonOnTheirAppsCaseloadOnly() {
        Team team = newTeam();
        Case theCase = acceptedCase(team, "red");
        String workerApp = appToken(team, team.worker());
        String colleagueApp = appToken(team, team.colleague());
        assertThat(readPatient(workerApp, theCase).statusCode()).isEqualTo(404);

        java.util.Date before = new java.util.Date(System.currentTimeMillis() - 60_000);
        HttpResponse<String> allocated =
                allocate(team.token(), theCase, team.worker().role(), null);

        assertThat(allocated.statusCode()).as(allocated.body()).isEqualTo(200);
        // When it was allocated (the action-plan figure's 28 days run from it), as the gateway's clock says.
        Task done = client().read()
                .resource(Task.class)
                .withId(theCase.allocation().getIdElement().toUnqualifiedVersionless())
                .execute();
        assertThat(done.getExecutionPeriod().getEnd()).isAfter(before);
        EpisodeOfCare episode = episodeOf(theCase);
        // The person is care manager (the R4 care-manager search indexes Practitioners); the role joins the team.
        assertThat(episode.getCareManager().getReference())
                .isEqualTo(team.worker().practitioner().getReference());
        assertThat(Caseloads.complexityOf(episode)).isEqualTo("red");
        assertThat(episode.getTeam()).hasSize(1);
        CareTeam careTeam = client().read()
                .resource(CareTeam.class)
                .withId(episode.getTeamFirstRep().getReferenceElement())
                .execute();
        assertThat(careTeam.getSubject().getReference())
                .isEqualTo(theCase.patient().getReference());
        assertThat(careTeam.getParticipant())
                .extracting(p -> p.getMember().getReference())
                .containsExactly(team.worker().role().getReference());
        // The allocated worker's app reads the person; a colleague's does not (not known, as a missing record).
        HttpResponse<String> read = readPatient(workerApp, theCase);
        assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
        assertThat(readPatient(colleagueApp, theCase).statusCode()).isEqualTo(404);
        // Done is done: the allocation is not moved to someone else by editing it.
        HttpResponse<String> moved =
                allocate(team.token(), theCase, team.colleague().role(), null);
        assertThat(moved.statusCode()).as(moved.body()).isEqualTo(409);
        assertThat(outcome(moved).getIssueFirstRep().getExpression().get(0).getValue())
                .isEqualTo("Task.status");
    }

    @Test
    void anAllocationWithoutAComplexityIsRefusedNamingTheExtension() {
        Team team = newTeam();
        Case theCase = acceptedCase(team, null);
        assertThat(theCase.allocation().getExtensionsByUrl(LinkwellProfiles.COMPLEXITY_RATING_EXTENSION))
                .isEmpty();

        HttpResponse<String> refused =
                allocate(team.token(), theCase, team.worker().role(), null);

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(422);
        assertThat(outcome(refused).getIssueFirstRep().getExpression().get(0).getValue())
                .isEqualTo("Task.extension:complexityRating");
        assertThat(episodeOf(theCase).hasCareManager()).isFalse();
    }

    @Test
    void anAllocationOverTheCapIsRefusedAndGoesThroughWithAReasonThatStaysVisible() {
        Team team = newTeam();
        Worker capped = worker(team.organisation(), "Parttime", 2);
        allocateOk(team, acceptedCase(team, "green"), capped);
        allocateOk(team, acceptedCase(team, "amber"), capped);
        Case third = acceptedCase(team, "red");

        HttpResponse<String> refused = allocate(team.token(), third, capped.role(), null);

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(409);
        String diagnostics = outcome(refused).getIssueFirstRep().getDiagnostics();
        assertThat(diagnostics)
                .contains(capped.role().getReference())
                .contains("care manager of 2 active cases")
                .contains("their cap is 2")
                .contains(LinkwellProfiles.ALLOCATION_OVER_CAP_REASON_EXTENSION);
        assertThat(outcome(refused).getIssueFirstRep().getExpression().get(0).getValue())
                .isEqualTo("Task.owner");
        assertThat(episodeOf(third).hasCareManager()).isFalse();

        HttpResponse<String> withReason =
                allocate(team.token(), third, capped.role(), "Knew the person from a previous case");

        assertThat(withReason.statusCode()).as(withReason.body()).isEqualTo(200);
        assertThat(episodeOf(third).getCareManager().getReference())
                .isEqualTo(capped.practitioner().getReference());
        Parameters answer = caseload(team.token(), capped);
        assertThat(count(answer, "cap")).isEqualTo(2);
        assertThat(count(answer, "activeCases")).isEqualTo(3);
        assertThat(answer.getParameterBool("overCap")).isTrue();
        assertThat(count(answer, "allocationsOverCap")).isEqualTo(1);
        assertThat(((Reference) answer.getParameter("allocationOverCap").getValue()).getReference())
                .isEqualTo(third.allocation()
                        .getIdElement()
                        .toUnqualifiedVersionless()
                        .getValue());
    }

    @Test
    void aCapInConfigurationWinsOverTheDefault() {
        Team team = newTeam();
        PractitionerRole role = new PractitionerRole()
                .setPractitioner(create(LinkwellFixtures.practitioner("Configured")))
                .setOrganization(team.organisation());
        role.setId("PractitionerRole/" + CONFIG_CAPPED_ROLE);
        client().update().resource(role).execute();
        Reference configured = new Reference("PractitionerRole/" + CONFIG_CAPPED_ROLE);
        allocateOk(team, acceptedCase(team, "green"), new Worker(role.getPractitioner(), configured));

        HttpResponse<String> refused = allocate(team.token(), acceptedCase(team, "green"), configured, null);

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(409);
        assertThat(outcome(refused).getIssueFirstRep().getDiagnostics())
                .contains("care manager of 1 active case ")
                .contains("their cap is 1");
    }

    private void allocateOk(Team team, Case theCase, Worker worker) {
        HttpResponse<String> response = allocate(team.token(), theCase, worker.role(), null);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    @Test
    void casesAreSearchableByCareManagerStatusAndComplexity() {
        Team team = newTeam();
        Case red = acceptedCase(team, "red");
        Case amber = acceptedCase(team, "amber");
        Case colleagues = acceptedCase(team, "red");
        allocateOk(team, red, team.worker());
        allocateOk(team, amber, team.worker());
        allocateOk(team, colleagues, team.colleague());
        String query = "EpisodeOfCare?care-manager="
                + team.worker().practitioner().getReference() + "&status=active&complexity=red";

        for (String token : List.of(team.token(), appToken(team, team.worker()))) {
            HttpResponse<String> response = fhir(token, "GET", query, null);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            Bundle found = fhirContext.newJsonParser().parseResource(Bundle.class, response.body());
            assertThat(found.getEntry())
                    .extracting(e -> e.getResource()
                            .getIdElement()
                            .toUnqualifiedVersionless()
                            .getValue())
                    .containsExactly(red.allocation().getFocus().getReference());
        }
        // The colleague's app finds none of the worker's cases.
        HttpResponse<String> colleague = fhir(appToken(team, team.colleague()), "GET", query, null);
        assertThat(colleague.statusCode()).isEqualTo(200);
        assertThat(fhirContext
                        .newJsonParser()
                        .parseResource(Bundle.class, colleague.body())
                        .getEntry())
                .isEmpty();
    }

    @Test
    void caseloadCountsCasesByComplexityAndReviewsDueAndOverdue() {
        Team team = newTeam();
        Case red = acceptedCase(team, "red");
        Case amber = acceptedCase(team, "amber");
        Case amber2 = acceptedCase(team, "amber");
        acceptedCase(team, "green"); // waiting
        allocateOk(team, red, team.worker());
        allocateOk(team, amber, team.worker());
        allocateOk(team, amber2, team.colleague());
        Instant now = Instant.now();
        review(red, team.worker(), now.plus(5, ChronoUnit.DAYS), TaskStatus.REQUESTED); // due
        review(amber, team.worker(), now.plus(27, ChronoUnit.DAYS), TaskStatus.REQUESTED); // due
        review(amber, team.worker(), now.plus(60, ChronoUnit.DAYS), TaskStatus.REQUESTED); // later
        review(red, team.worker(), now.minus(3, ChronoUnit.DAYS), TaskStatus.REQUESTED); // overdue
        review(red, team.worker(), now.minus(10, ChronoUnit.DAYS), TaskStatus.COMPLETED); // done
        review(amber2, team.colleague(), now.minus(1, ChronoUnit.DAYS), TaskStatus.REQUESTED); // not theirs

        Parameters answer = caseload(team.token(), team.worker());

        assertThat(count(answer, "activeCases")).isEqualTo(2);
        assertThat(count(answer, "cap")).isEqualTo(25);
        assertThat(answer.getParameterBool("overCap")).isFalse();
        assertThat(part(answer, "activeCasesByComplexity", "red")).isEqualTo(1);
        assertThat(part(answer, "activeCasesByComplexity", "amber")).isEqualTo(1);
        assertThat(part(answer, "activeCasesByComplexity", "green")).isZero();
        assertThat(count(answer, "reviewsDue")).isEqualTo(2);
        assertThat(count(answer, "reviewsOverdue")).isEqualTo(1);
        assertThat(count(answer, "awaitingAllocation")).isEqualTo(1);
        assertThat(part(answer, "awaitingAllocationByComplexity", "green")).isEqualTo(1);
        assertThat(count(answer, "allocationsOverCap")).isZero();
        // The worker's own app counts what it could read itself, the same as its own search finds: the reviews are
        // the case system's records, so without the person's consent the app is not shown them.
        String app = appToken(team, team.worker());
        HttpResponse<String> search = fhir(
                app,
                "GET",
                "Task?code=review&status=requested&owner="
                        + team.worker().role().getReference() + "&due-date=lt"
                        + Instant.now().truncatedTo(ChronoUnit.SECONDS) + "&_summary=count",
                null);
        assertThat(search.statusCode()).as(search.body()).isEqualTo(200);
        int readable = fhirContext
                .newJsonParser()
                .parseResource(Bundle.class, search.body())
                .getTotal();
        assertThat(count(caseload(app, team.worker()), "reviewsOverdue")).isEqualTo(readable);
        assertThat(count(caseload(adminToken(), team.worker()), "activeCases")).isEqualTo(2);
    }

    /** A review Task as the review work writes them, created directly by an operator for the test. */
    private void review(Case theCase, Worker owner, Instant due, TaskStatus status) {
        Task review = new Task()
                .setStatus(status)
                .setIntent(Task.TaskIntent.ORDER)
                .setCode(new CodeableConcept(new Coding(LinkwellProfiles.CARE_TASK_SYSTEM, "review", "Review")))
                .setFor(theCase.patient().copy())
                .setFocus(theCase.allocation().getFocus().copy())
                .setAuthoredOn(new Date())
                .setOwner(owner.role().copy());
        review.getRestriction().getPeriod().setEnd(Date.from(due));
        // The case's readers, as the review work gives them (its author tags).
        episodeOf(theCase).getMeta().getTag().stream()
                .filter(t -> t.getSystem().startsWith("https://fhir.linkwell.example/CodeSystem/author-"))
                .forEach(t -> review.getMeta().addTag(t.copy()));
        if (status == TaskStatus.COMPLETED) {
            // A completed review records its outcome (workflow.CaseReviews).
            review.addOutput()
                    .setType(new CodeableConcept().setText("outcome"))
                    .setValue(new org.hl7.fhir.r4.model.StringType("Reviewed; no change"));
        }
        client().create().resource(review).execute();
    }

    @Test
    void caseloadIsForTheWorkersOwnTeamAndOperatorsOnly() {
        Team team = newTeam();
        Team otherTeam = newTeam();
        String path = "PractitionerRole/" + team.worker().roleId() + "/$caseload";

        assertThat(fhir(team.token(), "GET", path, null).statusCode()).isEqualTo(200);
        assertThat(fhir(adminToken(), "GET", path, null).statusCode()).isEqualTo(200);
        // Another team's case system and apps, and a GP practice: the worker is not known to them.
        HttpResponse<String> otherCouncil = fhir(otherTeam.token(), "GET", path, null);
        assertThat(otherCouncil.statusCode()).as(otherCouncil.body()).isEqualTo(404);
        assertThat(fhir(appToken(otherTeam, otherTeam.worker()), "GET", path, null)
                        .statusCode())
                .isEqualTo(404);
        assertThat(fhir(
                                tokenFor(Claims.of("gp-system", practice, GP_SCOPES + " system/PractitionerRole.rs")),
                                "GET",
                                path,
                                null)
                        .statusCode())
                .isEqualTo(404);
        assertThat(fhir(team.token(), "GET", "PractitionerRole/no-such-role/$caseload", null)
                        .statusCode())
                .isEqualTo(404);

        // An operator may allocate a team's case; another team may not (the case is not known to it).
        HttpResponse<String> byOperator = allocate(
                adminToken(), acceptedCase(team, "green"), team.worker().role(), null);
        assertThat(byOperator.statusCode()).as(byOperator.body()).isEqualTo(200);
        Case another = acceptedCase(team, "green");
        HttpResponse<String> refused = fhir(
                otherTeam.token(),
                "PUT",
                "Task/" + another.allocation().getIdElement().getIdPart(),
                fhirContext
                        .newJsonParser()
                        .encodeResourceToString(another.allocation()
                                .setStatus(TaskStatus.COMPLETED)
                                .setOwner(otherTeam.worker().role().copy())));
        assertThat(refused.statusCode()).isIn(403, 404);
        assertThat(episodeOf(another).hasCareManager()).isFalse();
    }

    @Test
    void aCaseSystemCannotNameACareManagerAroundTheAllocation() {
        Team team = newTeam();
        Case theCase = acceptedCase(team, "red");
        EpisodeOfCare episode = clientWithToken(team.token())
                .read()
                .resource(EpisodeOfCare.class)
                .withId(theCase.allocation().getFocus().getReferenceElement())
                .execute();
        episode.setCareManager(team.worker().practitioner().copy());

        HttpResponse<String> refused = fhir(
                team.token(),
                "PUT",
                "EpisodeOfCare/" + episode.getIdElement().getIdPart(),
                fhirContext.newJsonParser().encodeResourceToString(episode));

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
        assertThat(refused.body()).contains("EpisodeOfCare.careManager");
        assertThat(episodeOf(theCase).hasCareManager()).isFalse();
        assertThat(readPatient(appToken(team, team.worker()), theCase).statusCode())
                .isEqualTo(404);
    }

    /** The probes' attack: a team's case system opens an allocation of another team's case to its own worker. */
    @Test
    void aClientCannotOpenAnAllocationOrPointOneAtAnotherCase() {
        Team team = newTeam();
        Team victims = newTeam();
        Case own = acceptedCase(team, "green");
        Case theirs = acceptedCase(victims, "amber");
        String episode = theirs.allocation().getFocus().getReference();

        Task forged = new Task()
                .setStatus(TaskStatus.COMPLETED)
                .setIntent(Task.TaskIntent.ORDER)
                .setCode(new CodeableConcept(new Coding(LinkwellProfiles.CARE_TASK_SYSTEM, "allocation", null)))
                .setFor(own.patient().copy())
                .setFocus(new Reference(episode))
                .setAuthoredOn(new Date())
                .setOwner(team.worker().role().copy());
        forged.addExtension(LinkwellProfiles.COMPLEXITY_RATING_EXTENSION, rag("green"));
        HttpResponse<String> created =
                fhir(team.token(), "POST", "Task", fhirContext.newJsonParser().encodeResourceToString(forged));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(422);
        assertThat(created.body()).contains("Task.code");

        // Its own allocation Task, completed but pointed at the other team's case: refused too.
        Task repointed = clientWithToken(team.token())
                .read()
                .resource(Task.class)
                .withId(own.allocation().getIdElement().toUnqualifiedVersionless())
                .execute();
        repointed.setStatus(TaskStatus.COMPLETED).setOwner(team.worker().role().copy());
        repointed.setFocus(new Reference(episode));
        HttpResponse<String> updated = fhir(
                team.token(),
                "PUT",
                "Task/" + repointed.getIdElement().getIdPart(),
                fhirContext.newJsonParser().encodeResourceToString(repointed));
        assertThat(updated.statusCode()).as(updated.body()).isEqualTo(422);
        assertThat(updated.body()).contains("Task.focus");

        assertThat(episodeOf(theirs).hasCareManager()).isFalse();
        assertThat(fhir(appToken(team, team.worker()), "GET", theirs.patient().getReference(), null)
                        .statusCode())
                .isEqualTo(404);
    }

    /** A referral Task does not leave the referral workflow (and the figures) by taking a care-process code. */
    @Test
    void aReferralTaskCannotTakeACareProcessCode() {
        Team team = newTeam();
        IdType referral = refer(team, null);
        Task task = clientWithToken(team.token())
                .read()
                .resource(Task.class)
                .withId(referral)
                .execute();
        task.getCode().addCoding(new Coding(LinkwellProfiles.CARE_TASK_SYSTEM, "review", null));

        HttpResponse<String> refused = fhir(
                team.token(),
                "PUT",
                "Task/" + referral.getIdPart(),
                fhirContext.newJsonParser().encodeResourceToString(task));

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(422);
        assertThat(refused.body()).contains("Task.code");
    }

    @Test
    void theCapabilityStatementListsTheOperation() {
        CapabilityStatement capabilities =
                client().capabilities().ofType(CapabilityStatement.class).execute();
        assertThat(capabilities.getRestFirstRep().getResource().stream()
                        .filter(r -> r.getType().equals("PractitionerRole"))
                        .flatMap(r -> r.getOperation().stream())
                        .map(o -> o.getName()))
                .contains("caseload");
    }
}
