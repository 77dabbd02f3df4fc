package uk.linkwell.gateway.consent;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Consent.ConsentProvisionType;
import org.hl7.fhir.r4.model.Endpoint;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;
import uk.linkwell.gateway.testsupport.TestTokens.Claims;

/**
 * The reproductions of the independent probe suite (issue 23), each a probe of its own, against the one decision
 * point: write responses, history, nested {@code _has}, types outside the patient compartment, self-granted
 * relationships, minimum necessary by role, existence oracles and break-glass. Every assertion is on what a client
 * receives: status, body, entries.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DecisionPointProbesTest extends ConsentProbes {

    static final String WIDE = "system/*.cruds";

    private final String otherPractice =
            "H" + UUID.randomUUID().toString().substring(0, 5).toUpperCase();
    private final String otherTeam =
            "U" + UUID.randomUUID().toString().substring(0, 5).toUpperCase();
    private final String otherCouncil =
            "B" + UUID.randomUUID().toString().substring(0, 5).toUpperCase();
    private Reference person;
    private String nhs;
    private Reference psyPlan;
    private Reference ordinaryPlan;
    private Reference psyGoal;
    private Reference consentRef;
    private Reference otherLinkWorker;

    @BeforeAll
    void people() {
        organisations();
        create(client(), LinkwellFixtures.organisation(otherPractice, "Another surgery"));
        create(client(), LinkwellFixtures.organisation(otherTeam, "Another link worker team"));
        create(client(), LinkwellFixtures.organisation(otherCouncil, "Another council"));
        person = person();
        nhs = client().read()
                .resource(Patient.class)
                .withId(person.getReferenceElement())
                .execute()
                .getIdentifierFirstRep()
                .getValue();
        ordinaryPlan = plan(person);
        psyPlan = create(
                client(),
                labelled(authoredBy(LinkwellFixtures.actionPlan(person, teamOrg), teamOds), SECURITY_ACT, "PSY"));
        psyGoal = create(
                client(),
                labelled(authoredBy(LinkwellFixtures.goal(person, "Feel less anxious"), teamOds), SECURITY_ACT, "PSY"));
        // The person consents to their GP and the link worker team, except mental-health records.
        Consent c = consent(person, ConsentProvisionType.PERMIT);
        toActor(c.getProvision(), gpOrg);
        toActor(c.getProvision(), teamOrg);
        c.getProvision()
                .addProvision()
                .setType(ConsentProvisionType.DENY)
                .addSecurityLabel(new Coding(SECURITY_ACT, "PSY", null));
        consentRef = record(c);
        // A link worker of another team, with the person on its caseload too (through the care team).
        otherLinkWorker = create(client(), LinkwellFixtures.practitioner("Other-linkworker"));
        org.hl7.fhir.r4.model.CareTeam team = new org.hl7.fhir.r4.model.CareTeam()
                .setStatus(org.hl7.fhir.r4.model.CareTeam.CareTeamStatus.ACTIVE)
                .setSubject(person)
                .setName("Second team");
        team.addParticipant().setMember(otherLinkWorker);
        create(client(), authoredBy(team, otherTeam));
    }

    private String otherPracticeToken() {
        return tokenFor(Claims.of("gp-system", otherPractice, WIDE));
    }

    private String hospitalToken() {
        return tokenFor(Claims.of("hospital", "RXX", WIDE));
    }

    private String otherTeamToken() {
        return tokenFor(
                Claims.of("link-worker-app", otherTeam, LW_SCOPES).withPractitioner(otherLinkWorker.getReference()));
    }

    private HttpResponse<String> call(String token, String method, String path, String body, String... headers) {
        return fhir(token, method, path, body, headers);
    }

    /** Two answers that must not tell a hidden record from a missing one: same status, same body. */
    private static void sameAnswer(HttpResponse<String> hidden, HttpResponse<String> missing) {
        assertThat(hidden.statusCode())
                .as(hidden.body() + " against " + missing.body())
                .isEqualTo(missing.statusCode());
        assertThat(hidden.body()).isEqualTo(missing.body());
    }

    private String unused(String type) {
        return type + "/linkwell-unused-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /**
     * An operator signed in to an app holds only the scopes on types about no one (Measure, the directory): a
     * {@code _revinclude} from the directory must not bring people's records back, though operators are exempt
     * from consent. The same search with an operator client's wildcard scopes does (the probe can fail).
     */
    @Test
    void scopesNamingOnlyTheDirectoryReachNoOnesRecordsThroughRevinclude() {
        String path = "Organization?_id=" + gpOrg.getReferenceElement().getIdPart()
                + "&_revinclude=Patient:general-practitioner";
        String narrow = tokenFor(Claims.of("admin", gpOds, "system/Measure.rs system/Organization.rs"));
        String wide = tokenFor(Claims.of("admin", gpOds, WIDE));

        HttpResponse<String> operatorsApp = get(narrow, path);
        HttpResponse<String> operatorsClient = get(wide, path);

        // Refused, or answered without them: either way no Patient leaves.
        assertThat(operatorsApp.statusCode()).as(operatorsApp.body()).isIn(200, 403);
        assertThat(operatorsApp.body()).doesNotContain("\"resourceType\": \"Patient\"");
        assertThat(operatorsClient.body()).contains("\"resourceType\": \"Patient\"");
    }

    // ---- 1. write responses ------------------------------------------------------------------------------------

    @Test
    void aConditionalCreateNeverAnswersWithSomeoneElsesRecord() {
        // An empty body naming another practice's patient: refused for its body (validated before any match).
        HttpResponse<String> empty = call(
                otherPracticeToken(),
                "POST",
                "Patient",
                "{\"resourceType\":\"Patient\"}",
                "If-None-Exist",
                "identifier=" + LinkwellFixtures.NHS + "|" + nhs);
        assertThat(empty.statusCode()).as(empty.body()).isEqualTo(422);
        assertThat(empty.body()).doesNotContain(nhs).doesNotContain("Test").doesNotContain(person.getReference());
        // A CarePlan "if none exists" with the id of one the client may not see, against an unused id: alike.
        String body = fhirContext.newJsonParser().encodeResourceToString(LinkwellFixtures.actionPlan(person, teamOrg));
        HttpResponse<String> hidden = call(
                otherPracticeToken(),
                "POST",
                "CarePlan",
                body,
                "If-None-Exist",
                "_id=" + psyPlan.getReferenceElement().getIdPart());
        HttpResponse<String> missing =
                call(otherPracticeToken(), "POST", "CarePlan", body, "If-None-Exist", "_id=linkwell-unused");
        sameAnswer(hidden, missing);
        assertThat(hidden.body()).doesNotContain(psyPlan.getReferenceElement().getIdPart());
    }

    @Test
    void aPatchIsAuthorisedBeforeItRunsSoItsTestRevealsNothing() {
        String right = "[{\"op\":\"test\",\"path\":\"/gender\",\"value\":\"female\"}]";
        String wrong = "[{\"op\":\"test\",\"path\":\"/gender\",\"value\":\"unknown\"}]";
        HttpResponse<String> guessedRight = call(hospitalToken(), "PATCH", person.getReference(), right);
        HttpResponse<String> guessedWrong = call(hospitalToken(), "PATCH", person.getReference(), wrong);
        sameAnswer(guessedRight, guessedWrong);
        assertThat(guessedRight.statusCode()).isIn(403, 404);
        assertThat(guessedRight.body()).doesNotContain(nhs).doesNotContain("female");
        // A no-op patch of a record the app may not read is "not known", as for an unused id.
        Reference gpsPsyGoal = create(
                client(),
                labelled(
                        authoredBy(LinkwellFixtures.goal(person, "Feel less anxious"), gpOds, "gp-system"),
                        SECURITY_ACT,
                        "PSY"));
        HttpResponse<String> noOp = call(linkWorkerToken(), "PATCH", gpsPsyGoal.getReference(), "[]");
        HttpResponse<String> noOpMissing = call(linkWorkerToken(), "PATCH", unused("Goal"), "[]");
        sameAnswer(noOp, noOpMissing);
        assertThat(noOp.statusCode()).isEqualTo(404);
        assertThat(noOp.body()).doesNotContain("anxious");
    }

    @Test
    void theBodyOfAWriteTheClientMayNotReadIsLeftOut() {
        // The hospital writes a Patient and may read nothing: created, with no body.
        String body = fhirContext
                .newJsonParser()
                .encodeResourceToString(LinkwellFixtures.patient(SyntheticNhsNumbers.next()));
        HttpResponse<String> created = call(hospitalToken(), "POST", "Patient", body);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(created.body()).isEmpty();
        assertThat(created.headers().firstValue("Location")).isPresent();
    }

    @Test
    void theBodyOfAWriteIsADisclosureAndIsAudited() {
        // The GP patches a plan it may read: the response carries the plan, so the trail records it as disclosed.
        HttpResponse<String> patched = call(
                tokenFor(Claims.of("gp-system", gpOds, WIDE)),
                "PATCH",
                ordinaryPlan.getReference(),
                "[{\"op\":\"add\",\"path\":\"/description\",\"value\":\"Reviewed\"}]");
        assertThat(patched.statusCode()).as(patched.body()).isEqualTo(200);
        assertThat(patched.body()).contains("Reviewed");
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(30))
                .untilAsserted(() -> {
                    org.hl7.fhir.r4.model.Bundle trail = client().search()
                            .byUrl("AuditEvent?entity=" + ordinaryPlan.getReference() + "&subtype=operation")
                            .returnBundle(org.hl7.fhir.r4.model.Bundle.class)
                            .execute();
                    assertThat(trail.getEntry()).anySatisfy(e -> assertThat(
                                    fhirContext.newJsonParser().encodeResourceToString(e.getResource()))
                            .contains(gpOds));
                });
    }

    @Test
    void errorsCarryNoSqlOrSchemaNames() {
        var point = new DecisionPoint(null, null, fhirContext, null, null, null, null);
        var conflict = new ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException(
                "HAPI-0550: could not execute batch [insert into HFJ_RES_SEARCH_URL (RES_SEARCH_URL) values (?)]"
                        + " Key (res_search_url, partition_id)=(Patient?identifier=x|9990000018, -1) already exists");
        var answered = point.uniformErrors(null, conflict);
        assertThat(answered.getStatusCode()).isEqualTo(409);
        assertThat(answered.getMessage())
                .doesNotContain("HFJ_")
                .doesNotContain("insert")
                .doesNotContain("999");
    }

    // ---- 2. history ----------------------------------------------------------------------------------------------

    @Test
    void aVersionIsJudgedWithTheRecordAsItIsNow() {
        // Written unlabelled, then labelled PSY (which the person's consent keeps from the GP).
        CarePlan plan = authoredBy(LinkwellFixtures.actionPlan(person, teamOrg), teamOds);
        Reference later = create(client(), plan);
        CarePlan stored = client().read()
                .resource(CarePlan.class)
                .withId(later.getReferenceElement())
                .execute();
        assertThat(call(gpToken(), "GET", later.getReference(), null).statusCode())
                .isEqualTo(200);
        stored.getMeta().addSecurity(new Coding(SECURITY_ACT, "PSY", null));
        client().update().resource(stored).execute();

        HttpResponse<String> now = call(gpToken(), "GET", later.getReference(), null);
        HttpResponse<String> first = call(gpToken(), "GET", later.getReference() + "/_history/1", null);
        HttpResponse<String> all = call(gpToken(), "GET", later.getReference() + "/_history", null);
        assertThat(now.statusCode()).isEqualTo(404);
        sameAnswer(first, call(gpToken(), "GET", unused("CarePlan") + "/_history/1", null));
        assertThat(all.statusCode()).isEqualTo(404);
        HttpResponse<String> typeHistory = call(gpToken(), "GET", "CarePlan/_history", null);
        assertThat(typeHistory.statusCode()).isEqualTo(403);
        assertThat(typeHistory.body())
                .doesNotContain(later.getReferenceElement().getIdPart());
    }

    // ---- 3. searches ---------------------------------------------------------------------------------------------

    @Test
    void searchesAreDecidedOnTheParsedQueryWhereverAParameterHides() {
        for (String query : List.of(
                "CarePlan?subject:Patient._has:Condition:subject:_security=" + SECURITY_ACT + "|PSY",
                "CarePlan?subject:Patient._has:Encounter:subject:status=in-progress",
                "CarePlan?_sort=subject:Patient.name",
                "CarePlan?goal.lifecycle-status=active",
                "Patient?_has:CarePlan:subject:_security=" + SECURITY_ACT + "|PSY")) {
            for (String token : List.of(gpToken(), linkWorkerToken())) {
                HttpResponse<String> r = call(token, "GET", query, null);
                assertThat(r.statusCode()).as(query).isEqualTo(403);
                assertThat(r.body()).doesNotContain(person.getReference()).doesNotContain(psyPlan.getReference());
            }
        }
        // Chains into the person by NHS number still work.
        HttpResponse<String> byNhs =
                call(gpToken(), "GET", "CarePlan?subject:Patient.identifier=" + LinkwellFixtures.NHS + "|" + nhs, null);
        assertThat(ids(bundle(byNhs))).contains(ordinaryPlan.getReference()).doesNotContain(psyPlan.getReference());
        // So do the Linkwell package's own search parameters (the README tour counts plans by complexity).
        HttpResponse<String> byComplexity =
                call(gpToken(), "GET", "CarePlan?complexity=amber,red,green&_count=200", null);
        assertThat(byComplexity.statusCode()).as(byComplexity.body()).isEqualTo(200);
        assertThat(ids(bundle(byComplexity))).doesNotContain(psyPlan.getReference());
    }

    // ---- 4. types outside the patient compartment ---------------------------------------------------------------

    @Test
    void aDocumentIsThePersonsAndTheDirectoryKeepsItsSecrets() {
        Binary letter = new Binary();
        letter.setContentType("text/plain");
        letter.setData(
                "Discharge letter: overdose, HIV clinic follow-up".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        letter.setSecurityContext(person);
        // As FHIR JSON (HAPI's client would send the bare bytes, without the securityContext).
        HttpResponse<String> stored = call(
                adminToken(),
                "POST",
                "Binary",
                fhirContext.newJsonParser().encodeResourceToString(authoredBy(letter, laOds)));
        assertThat(stored.statusCode()).as(stored.body()).isEqualTo(201);
        Reference binary = new Reference(new org.hl7.fhir.r4.model.IdType(
                        stored.headers().firstValue("Location").orElseThrow())
                .toUnqualifiedVersionless()
                .getValue()
                .replaceAll("^.*/(Binary/[^/]+)$", "$1"));
        String strangerCouncil = tokenFor(Claims.of("social-care-system", otherCouncil, "system/*.rs"));
        sameAnswer(
                call(strangerCouncil, "GET", binary.getReference(), null),
                call(strangerCouncil, "GET", unused("Binary"), null));
        HttpResponse<String> listed = call(strangerCouncil, "GET", "Binary?_total=accurate", null);
        assertThat(ids(bundle(listed))).doesNotContain(binary.getReference());
        assertThat(listed.body()).doesNotContain("overdose");
        // The council that wrote it, with the person's case, reads it.
        assertThat(call(localAuthorityToken(), "GET", binary.getReference(), null)
                        .statusCode())
                .isEqualTo(200);

        Endpoint endpoint = new Endpoint()
                .setStatus(Endpoint.EndpointStatus.ACTIVE)
                .setAddress("https://council.example/hook")
                .setConnectionType(new Coding(
                        "http://terminology.hl7.org/CodeSystem/endpoint-connection-type", "hl7-fhir-rest", null));
        endpoint.addPayloadType().setText("any");
        endpoint.addHeader("Authorization: Bearer secret-of-the-council");
        Reference endpointRef = create(client(), endpoint);
        String wideGp = tokenFor(Claims.of("gp-system", gpOds, WIDE));
        HttpResponse<String> read = call(wideGp, "GET", endpointRef.getReference(), null);
        assertThat(read.statusCode()).isEqualTo(404);
        assertThat(call(wideGp, "GET", "Endpoint", null).body()).doesNotContain("secret-of-the-council");
    }

    // ---- 5. relationships that grant access ---------------------------------------------------------------------

    @Test
    void relationshipsThatGrantAccessComeOnlyFromTheirDoors() {
        // The hospital cannot move the person's GP registration to another practice.
        HttpResponse<String> moved = call(
                hospitalToken(),
                "PATCH",
                person.getReference(),
                "[{\"op\":\"replace\",\"path\":\"/generalPractitioner/0/reference\",\"value\":\"Organization/1\"}]");
        assertThat(moved.statusCode()).isIn(403, 404);
        assertThat(call(otherPracticeToken(), "GET", person.getReference(), null)
                        .statusCode())
                .isEqualTo(404);
        // Nor open a case for a council.
        String episode =
                """
                {"resourceType":"EpisodeOfCare","status":"active","patient":{"reference":"%s"},
                 "managingOrganization":{"reference":"%s"},"period":{"start":"2026-12-01"},
                 "type":[{"text":"Adult social care case"}]}"""
                        .formatted(person.getReference(), laOrg.getReference());
        HttpResponse<String> opened = call(hospitalToken(), "POST", "EpisodeOfCare", episode);
        assertThat(opened.statusCode()).as(opened.body()).isEqualTo(403);
        // A GP system cannot register people itself, nor write the directory.
        Patient registered = LinkwellFixtures.patient(SyntheticNhsNumbers.next());
        registered.addGeneralPractitioner(gpOrg);
        HttpResponse<String> registration = call(
                tokenFor(Claims.of("gp-system", gpOds, WIDE)),
                "POST",
                "Patient",
                fhirContext.newJsonParser().encodeResourceToString(registered));
        assertThat(registration.statusCode()).as(registration.body()).isEqualTo(403);
        HttpResponse<String> org = call(
                tokenFor(Claims.of("gp-system", gpOds, WIDE)),
                "POST",
                "Organization",
                fhirContext.newJsonParser().encodeResourceToString(LinkwellFixtures.organisation(gpOds, "Second me")));
        assertThat(org.statusCode()).isEqualTo(403);
    }

    @Test
    void aConsentIsWidenedOnlyByWhoRecordedItAndNarrowedByAnyoneCaring() {
        Consent stored = client().read()
                .resource(Consent.class)
                .withId(consentRef.getReferenceElement())
                .execute();
        String practice = tokenFor(Claims.of("gp-system", gpOds, WIDE).withClientId("practice-" + gpOds));
        // The GP practice (caring for the person, and shown the Consent) drops the PSY exclusion: refused.
        Consent widened = stored.copy();
        widened.getProvision().getProvision().clear();
        HttpResponse<String> widen = call(
                practice,
                "PUT",
                consentRef.getReference(),
                fhirContext.newJsonParser().encodeResourceToString(widened));
        assertThat(widen.statusCode()).as(widen.body()).isEqualTo(403);
        assertThat(call(practice, "GET", psyPlan.getReference(), null).statusCode())
                .isEqualTo(404);
        // A team the Consent does not share with cannot see it, let alone change it: as if it did not exist.
        String unusedConsent = unused("Consent");
        HttpResponse<String> hiddenPut = call(
                otherTeamToken(),
                "PUT",
                consentRef.getReference(),
                fhirContext.newJsonParser().encodeResourceToString(widened));
        HttpResponse<String> missingPut = call(
                otherTeamToken(),
                "PUT",
                unusedConsent,
                fhirContext
                        .newJsonParser()
                        .encodeResourceToString(widened.copy().setId(unusedConsent)));
        sameAnswer(hiddenPut, missingPut);
        // Adding an exception (a nested deny) narrows: any organisation shown it may; and so may a withdrawal.
        Consent narrowed = stored.copy();
        narrowed.getProvision()
                .addProvision()
                .setType(ConsentProvisionType.DENY)
                .addSecurityLabel(new Coding(SECURITY_ACT, "ETH", null));
        HttpResponse<String> narrow = call(
                practice,
                "PUT",
                consentRef.getReference(),
                fhirContext.newJsonParser().encodeResourceToString(narrowed));
        assertThat(narrow.statusCode()).as(narrow.body()).isEqualTo(200);
    }

    // ---- 6. minimum necessary by role -----------------------------------------------------------------------------

    @Test
    void minimumNecessaryFollowsTheRoleNotTheOrganisationCode() {
        ServiceRequest referral = LinkwellFixtures.referral(person, gpOrg, teamOrg);
        referral.addReasonCode().setText("Poorly controlled diabetes, HbA1c 80");
        Reference gpReferral = create(client(), authoredBy(referral, gpOds, "gp-system"));
        Condition condition = new Condition()
                .setSubject(person)
                .setCode(new org.hl7.fhir.r4.model.CodeableConcept().setText("Type 2 diabetes"));
        Reference gpCondition = create(client(), authoredBy(condition, gpOds, "gp-system"));
        // A link worker employed by the practice shares its ODS code, not its GP system's view.
        String practiceLinkWorker =
                tokenFor(Claims.of("link-worker-app", gpOds, LW_SCOPES).withPractitioner(linkWorker.getReference()));
        HttpResponse<String> seen = call(practiceLinkWorker, "GET", gpReferral.getReference(), null);
        assertThat(seen.statusCode()).as(seen.body()).isEqualTo(200);
        assertThat(seen.body()).doesNotContain("HbA1c");
        assertThat(call(practiceLinkWorker, "GET", gpCondition.getReference(), null)
                        .statusCode())
                .isEqualTo(404);
        // The GP system itself sees both whole.
        assertThat(call(gpToken(), "GET", gpReferral.getReference(), null).body())
                .contains("HbA1c");
    }

    // ---- 8. existence oracles -------------------------------------------------------------------------------------

    @Test
    void aHiddenRecordADeletedOneAMissingOneAndOneOfAnotherTypeAllLookTheSame() {
        String stranger = otherPracticeToken();
        HttpResponse<String> missingPlan = call(stranger, "GET", unused("CarePlan"), null);
        sameAnswer(call(stranger, "GET", ordinaryPlan.getReference(), null), missingPlan);
        sameAnswer(
                call(stranger, "GET", "CarePlan/" + person.getReferenceElement().getIdPart(), null), missingPlan);
        Reference gone = create(client(), authoredBy(LinkwellFixtures.goal(person, "Done with"), teamOds));
        client().delete().resourceById(gone.getReferenceElement()).execute();
        sameAnswer(call(stranger, "GET", gone.getReference(), null), call(stranger, "GET", unused("Goal"), null));
        // Deleting, or updating with If-Match, a hidden record answers as for an unused id.
        sameAnswer(
                call(stranger, "DELETE", ordinaryPlan.getReference(), null),
                call(stranger, "DELETE", unused("CarePlan"), null));
        CarePlan replacement = LinkwellFixtures.actionPlan(person, gpOrg);
        replacement.setId(ordinaryPlan.getReferenceElement().getIdPart());
        HttpResponse<String> ifMatch = call(
                stranger,
                "PUT",
                ordinaryPlan.getReference(),
                fhirContext.newJsonParser().encodeResourceToString(replacement),
                "If-Match",
                "W/\"1\"");
        assertThat(ifMatch.statusCode()).isEqualTo(404);
        assertThat(ifMatch.body()).doesNotContain("version");
        // A revinclude of records the client may not see: the same answer whether they exist or not.
        Reference withCondition = create(client(), withGp(LinkwellFixtures.patient(SyntheticNhsNumbers.next())));
        Reference bare = create(client(), withGp(LinkwellFixtures.patient(SyntheticNhsNumbers.next())));
        Condition hiddenCondition = new Condition()
                .setSubject(withCondition)
                .setCode(new org.hl7.fhir.r4.model.CodeableConcept().setText("Depression"));
        create(client(), labelled(authoredBy(hiddenCondition, teamOds), SECURITY_ACT, "PSY"));
        HttpResponse<String> withHidden = call(
                gpToken(),
                "GET",
                "Patient?_id=" + withCondition.getReferenceElement().getIdPart() + "&_revinclude=Condition:subject",
                null);
        HttpResponse<String> without = call(
                gpToken(),
                "GET",
                "Patient?_id=" + bare.getReferenceElement().getIdPart() + "&_revinclude=Condition:subject",
                null);
        assertThat(withHidden.statusCode()).isEqualTo(without.statusCode()).isEqualTo(200);
        assertThat(ids(bundle(withHidden))).containsExactly(withCondition.getReference());
        assertThat(ids(bundle(without))).containsExactly(bare.getReference());
        assertThat(withHidden.body()).doesNotContain("Depression");
    }

    private Patient withGp(Patient patient) {
        patient.addGeneralPractitioner(gpOrg);
        return patient;
    }

    // ---- 9. break-glass -----------------------------------------------------------------------------------------

    @Test
    void breakGlassIsForOneNamedPerson() {
        // Its own client id: a window break-glass opens lasts, for that client, beyond this test.
        String glassGp = tokenFor(Claims.of("gp-system", gpOds, GP_SCOPES).withClientId("glass-" + gpOds));
        Reference someone = person();
        Reference refused = create(
                client(),
                labelled(authoredBy(LinkwellFixtures.actionPlan(someone, teamOrg), teamOds), SECURITY_ACT, "PSY"));
        String[] glass = {
            FhirConsentAdapter.PURPOSE_HEADER, "ETREAT", FhirConsentAdapter.REASON_HEADER, "Threatening self-harm"
        };
        HttpResponse<String> population = call(glassGp, "GET", "CarePlan?_count=50", null, glass);
        assertThat(population.statusCode()).isEqualTo(403);
        assertThat(population.body()).doesNotContain(refused.getReference());
        HttpResponse<String> named = call(glassGp, "GET", "CarePlan?subject=" + someone.getReference(), null, glass);
        assertThat(ids(bundle(named))).contains(refused.getReference());
        // Another person's records stay as they were: the glass opened for the one named.
        assertThat(call(glassGp, "GET", psyPlan.getReference(), null).statusCode())
                .isEqualTo(404);
    }
}
