package uk.linkwell.gateway.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Questionnaire;
import org.hl7.fhir.r4.model.QuestionnaireResponse;
import org.hl7.fhir.r4.model.QuestionnaireResponse.QuestionnaireResponseStatus;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import uk.linkwell.gateway.consent.AuthorOrganisationStamp;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;
import uk.linkwell.gateway.testsupport.TestTokens.Claims;
import uk.linkwell.profiles.LinkwellProfiles;

/**
 * The ONS4 wellbeing questions through the FHIR API on PostgreSQL, as a link worker's app uses them: the
 * Questionnaire is readable, a completed response becomes four Observations that chart progress in one search,
 * a wrong answer is refused naming its question and stores nothing, and a link worker of another team sees none
 * of it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WellbeingResponsesTest extends GatewayIntegrationTest {

    /** As demo-link-worker in application.yaml. */
    static final String LW_SCOPES = "user/Patient.rs user/CarePlan.cruds user/Goal.cruds user/ServiceRequest.cruds "
            + "user/Task.cruds user/QuestionnaireResponse.cruds user/Consent.crus user/CareTeam.rs "
            + "user/Questionnaire.rs user/Observation.rs";

    private static final String MEASURE = LinkwellProfiles.WELLBEING_MEASURE_SYSTEM;

    private final String team =
            "W" + UUID.randomUUID().toString().substring(0, 5).toUpperCase();
    private final String otherTeam =
            "W" + UUID.randomUUID().toString().substring(0, 5).toUpperCase();
    private String linkWorker;
    private String otherLinkWorker;

    @BeforeAll
    void twoTeams() {
        IGenericClient admin = client();
        teamOrg = create(admin, LinkwellFixtures.organisation(team, "Link worker team"));
        admin.create()
                .resource(LinkwellFixtures.organisation(otherTeam, "Another team"))
                .execute();
        Reference worker = create(admin, LinkwellFixtures.practitioner("Rivers"));
        Reference other = create(admin, LinkwellFixtures.practitioner("Lake"));
        linkWorker = tokenFor(Claims.of("link-worker-app", team, LW_SCOPES).withPractitioner(worker.getReference()));
        otherLinkWorker =
                tokenFor(Claims.of("link-worker-app", otherTeam, LW_SCOPES).withPractitioner(other.getReference()));
        this.worker = worker;
    }

    private Reference worker;
    private Reference teamOrg;

    /** A person on the link worker's caseload (a care team the worker is in, set up by an operator). */
    private Reference person() {
        IGenericClient admin = client();
        Reference patient = create(admin, LinkwellFixtures.patient(SyntheticNhsNumbers.next()));
        CareTeam careTeam = new CareTeam()
                .setStatus(CareTeam.CareTeamStatus.ACTIVE)
                .setSubject(patient)
                .setName("Link worker care team");
        careTeam.addParticipant().setMember(worker);
        careTeam.getMeta()
                .addTag()
                .setSystem(AuthorOrganisationStamp.TAG_SYSTEM)
                .setCode(team);
        create(admin, careTeam);
        return patient;
    }

    private static Reference create(IGenericClient client, Resource resource) {
        return new Reference(
                client.create().resource(resource).execute().getId().toUnqualifiedVersionless());
    }

    private static QuestionnaireResponse response(Reference patient, String authored, int... scores) {
        QuestionnaireResponse response = new QuestionnaireResponse()
                .setStatus(QuestionnaireResponseStatus.COMPLETED)
                .setQuestionnaire(LinkwellProfiles.WELLBEING_QUESTIONNAIRE)
                .setSubject(patient)
                .setAuthoredElement(new DateTimeType(authored));
        List<String> questions = List.copyOf(WellbeingResponses.MEASURES.keySet());
        for (int i = 0; i < scores.length; i++) {
            response.addItem().setLinkId(questions.get(i)).addAnswer().setValue(new IntegerType(scores[i]));
        }
        return response;
    }

    private String json(Resource resource) {
        return fhirContext.newJsonParser().encodeResourceToString(resource);
    }

    private HttpResponse<String> post(String token, QuestionnaireResponse response) {
        return fhir(token, "POST", "QuestionnaireResponse", json(response));
    }

    private String created(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        String location = response.headers().firstValue("Location").orElseThrow();
        return location.replaceAll(".*/QuestionnaireResponse/([^/]+)/_history/.*", "$1");
    }

    private <T extends Resource> List<T> search(String token, String query, Class<T> type) {
        HttpResponse<String> response = fhir(token, "GET", query, null);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        Bundle bundle = fhirContext.newJsonParser().parseResource(Bundle.class, response.body());
        return bundle.getEntry().stream()
                .map(Bundle.BundleEntryComponent::getResource)
                .filter(type::isInstance)
                .map(type::cast)
                .toList();
    }

    @Test
    void theQuestionsAreReadableAsAQuestionnaire() {
        HttpResponse<String> response = fhir(linkWorker, "GET", "Questionnaire/ons4-wellbeing", null);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        Questionnaire questions = fhirContext.newJsonParser().parseResource(Questionnaire.class, response.body());
        assertThat(questions.getUrl()).isEqualTo(LinkwellProfiles.WELLBEING_QUESTIONNAIRE);
        assertThat(questions.getItem())
                .extracting(Questionnaire.QuestionnaireItemComponent::getLinkId)
                .containsExactly("life-satisfaction", "worthwhile", "happiness", "anxiety");
        assertThat(questions.getItem())
                .allSatisfy(item -> assertThat(item.getType()).isEqualTo(Questionnaire.QuestionnaireItemType.INTEGER));
    }

    @Test
    void completedResponsesChartProgressInOneSearch() {
        Reference patient = person();
        Reference plan = create(client(), LinkwellFixtures.actionPlan(patient, teamOrg));
        QuestionnaireResponse first = response(patient, "2026-10-01", 4, 5, 3, 8);
        first.addBasedOn(plan);
        first.setAuthor(worker);
        String firstId = created(post(linkWorker, first));
        String secondId = created(post(linkWorker, response(patient, "2026-12-01", 6, 7, 6, 4)));

        List<Observation> happiness = search(
                linkWorker,
                "Observation?patient=" + patient.getReference() + "&code=" + MEASURE + "|happiness&_sort=date",
                Observation.class);

        assertThat(happiness).hasSize(2);
        assertThat(happiness)
                .extracting(o -> ((IntegerType) o.getValue()).getValue())
                .containsExactly(3, 6);
        assertThat(happiness)
                .extracting(o -> o.getEffectiveDateTimeType().getValueAsString())
                .containsExactly("2026-10-01", "2026-12-01");
        Observation earlier = happiness.get(0);
        assertThat(earlier.getStatus()).isEqualTo(Observation.ObservationStatus.FINAL);
        assertThat(earlier.getSubject().getReference()).isEqualTo(patient.getReference());
        assertThat(earlier.getDerivedFromFirstRep().getReference()).isEqualTo("QuestionnaireResponse/" + firstId);
        assertThat(earlier.getBasedOnFirstRep().getReference()).isEqualTo(plan.getReference());
        assertThat(earlier.getPerformerFirstRep().getReference()).isEqualTo(worker.getReference());
        assertThat(earlier.getCategoryFirstRep().getCodingFirstRep().getCode()).isEqualTo("survey");

        List<Observation> all =
                search(linkWorker, "Observation?patient=" + patient.getReference() + "&_count=50", Observation.class);
        assertThat(all).hasSize(8);
        assertThat(all)
                .filteredOn(o -> o.getDerivedFromFirstRep().getReference().equals("QuestionnaireResponse/" + secondId))
                .extracting(o -> o.getCode().getCodingFirstRep().getCode() + "="
                        + o.getValue().primitiveValue())
                .containsExactlyInAnyOrder("life-satisfaction=6", "worthwhile=7", "happiness=6", "anxiety=4");
    }

    @Test
    void aWrongAnswerIsRefusedNamingItsQuestionAndNothingIsStored() {
        Reference patient = person();
        record Case(String name, Consumer<QuestionnaireResponse> spoil, String expression, String says) {}
        List<Case> cases = List.of(
                new Case(
                        "above 10",
                        r -> r.getItem().get(2).getAnswerFirstRep().setValue(new IntegerType(11)),
                        "QuestionnaireResponse.item[2].answer",
                        "'happiness'"),
                new Case(
                        "below 0",
                        r -> r.getItem().get(3).getAnswerFirstRep().setValue(new IntegerType(-1)),
                        "QuestionnaireResponse.item[3].answer",
                        "'anxiety'"),
                new Case(
                        "a decimal",
                        r -> r.getItem().get(0).getAnswerFirstRep().setValue(new DecimalType("7.5")),
                        "QuestionnaireResponse.item[0].answer",
                        "'life-satisfaction'"),
                new Case(
                        "text",
                        r -> r.getItem().get(1).getAnswerFirstRep().setValue(new StringType("7")),
                        "QuestionnaireResponse.item[1].answer",
                        "'worthwhile'"),
                new Case(
                        "two answers",
                        r -> r.getItem().get(1).addAnswer().setValue(new IntegerType(3)),
                        "QuestionnaireResponse.item[1].answer",
                        "'worthwhile'"),
                new Case(
                        "no answer",
                        r -> r.getItem().get(1).getAnswer().clear(),
                        "QuestionnaireResponse.item[1].answer",
                        "'worthwhile'"),
                new Case(
                        "a question left out",
                        r -> r.getItem().remove(3),
                        "QuestionnaireResponse.item",
                        "'anxiety' has no answer"),
                new Case(
                        "a question answered twice",
                        r -> r.getItem().get(3).setLinkId("happiness"),
                        "QuestionnaireResponse.item[3]",
                        "'happiness' is answered twice"),
                new Case(
                        "a question that is not asked",
                        r -> r.getItem().get(0).setLinkId("loneliness"),
                        "QuestionnaireResponse.item[0].linkId",
                        "'loneliness'"));

        for (Case c : cases) {
            QuestionnaireResponse response = response(patient, "2026-11-02", 5, 5, 5, 5);
            c.spoil().accept(response);

            HttpResponse<String> answer = post(linkWorker, response);

            assertThat(answer.statusCode()).as(c.name() + ": " + answer.body()).isEqualTo(422);
            OperationOutcome outcome = fhirContext.newJsonParser().parseResource(OperationOutcome.class, answer.body());
            assertThat(outcome.getIssueFirstRep().getExpression())
                    .as(c.name())
                    .extracting(StringType::getValue)
                    .containsExactly(c.expression());
            assertThat(outcome.getIssueFirstRep().getDiagnostics()).as(c.name()).contains(c.says());
        }
        assertThat(search(
                        adminToken(),
                        "QuestionnaireResponse?subject=" + patient.getReference(),
                        QuestionnaireResponse.class))
                .isEmpty();
        assertThat(search(adminToken(), "Observation?subject=" + patient.getReference(), Observation.class))
                .isEmpty();
    }

    @Test
    void aCompletedResponseNeedsThePersonAndTheDay() {
        QuestionnaireResponse nobody = response(null, "2026-11-02", 5, 5, 5, 5);
        nobody.setSubject(null);

        // A link worker may write only about someone on its caseload; an operator is held to the profile.
        HttpResponse<String> answer = post(linkWorker, nobody);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(403);
        HttpResponse<String> asOperator = post(adminToken(), nobody);
        assertThat(asOperator.statusCode()).as(asOperator.body()).isEqualTo(422);
        assertThat(asOperator.body()).contains("QuestionnaireResponse.subject");

        QuestionnaireResponse undated = response(person(), "2026-11-02", 5, 5, 5, 5);
        undated.setAuthoredElement(null);
        HttpResponse<String> refused = post(linkWorker, undated);
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(422);
        assertThat(refused.body()).contains("QuestionnaireResponse.authored");
    }

    @Test
    void aResponseInProgressIsKeptAndChartedOnceCompleted() {
        Reference patient = person();
        QuestionnaireResponse draft = response(patient, "2026-11-03", 7, 8);
        draft.setStatus(QuestionnaireResponseStatus.INPROGRESS);
        String id = created(post(linkWorker, draft));
        assertThat(search(linkWorker, "Observation?patient=" + patient.getReference(), Observation.class))
                .isEmpty();

        QuestionnaireResponse done = response(patient, "2026-11-03", 7, 8, 6, 2);
        done.setId(id);
        HttpResponse<String> updated = fhir(linkWorker, "PUT", "QuestionnaireResponse/" + id, json(done));

        assertThat(updated.statusCode()).as(updated.body()).isEqualTo(200);
        assertThat(search(linkWorker, "Observation?patient=" + patient.getReference(), Observation.class))
                .hasSize(4);
    }

    @Test
    void aCompletedResponseIsCorrectedByWithdrawingIt() {
        Reference patient = person();
        String id = created(post(linkWorker, response(patient, "2026-11-04", 2, 3, 4, 9)));

        QuestionnaireResponse changed = response(patient, "2026-11-04", 2, 3, 9, 9);
        changed.setId(id);
        HttpResponse<String> refused = fhir(linkWorker, "PUT", "QuestionnaireResponse/" + id, json(changed));
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(422);
        assertThat(refused.body()).contains("entered-in-error");

        QuestionnaireResponse withdrawn = response(patient, "2026-11-04", 2, 3, 4, 9);
        withdrawn.setId(id);
        withdrawn.setStatus(QuestionnaireResponseStatus.ENTEREDINERROR);
        HttpResponse<String> accepted = fhir(linkWorker, "PUT", "QuestionnaireResponse/" + id, json(withdrawn));
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);

        assertThat(search(
                        linkWorker,
                        "Observation?patient=" + patient.getReference() + "&status:not=entered-in-error",
                        Observation.class))
                .isEmpty();
        assertThat(search(linkWorker, "Observation?patient=" + patient.getReference(), Observation.class))
                .hasSize(4)
                .allSatisfy(o -> assertThat(o.getStatus()).isEqualTo(Observation.ObservationStatus.ENTEREDINERROR));
    }

    @Test
    void anotherTeamSeesNoneOfIt() {
        Reference patient = person();
        String id = created(post(linkWorker, response(patient, "2026-11-05", 5, 6, 7, 3)));

        // A search naming someone off the caseload is refused, as for any record of theirs.
        HttpResponse<String> named =
                fhir(otherLinkWorker, "GET", "Observation?patient=" + patient.getReference(), null);
        assertThat(named.statusCode()).as(named.body()).isEqualTo(403);
        assertThat(named.body()).doesNotContain("happiness");
        assertThat(search(otherLinkWorker, "Observation?code=" + MEASURE + "|happiness", Observation.class))
                .noneMatch(o -> o.getSubject().getReference().equals(patient.getReference()));
        HttpResponse<String> read = fhir(otherLinkWorker, "GET", "QuestionnaireResponse/" + id, null);
        assertThat(read.statusCode()).isEqualTo(404);
        assertThat(search(linkWorker, "Observation?patient=" + patient.getReference(), Observation.class))
                .hasSize(4);
    }
}
