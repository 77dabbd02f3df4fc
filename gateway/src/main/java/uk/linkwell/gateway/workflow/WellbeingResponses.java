package uk.linkwell.gateway.workflow;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.QuestionnaireResponse;
import org.hl7.fhir.r4.model.QuestionnaireResponse.QuestionnaireResponseItemAnswerComponent;
import org.hl7.fhir.r4.model.QuestionnaireResponse.QuestionnaireResponseItemComponent;
import org.hl7.fhir.r4.model.QuestionnaireResponse.QuestionnaireResponseStatus;
import org.hl7.fhir.r4.model.Reference;
import uk.linkwell.profiles.LinkwellPackage;
import uk.linkwell.profiles.LinkwellProfiles;

/**
 * A person's answers to the ONS4 wellbeing questions: holds each response to what the questions ask (every
 * question of a completed response answered with a whole number from 0 to 10) and turns a completed response into
 * one Observation per measure, so that a chart of progress is one search
 * ({@code Observation?patient=...&code=<measure>&_sort=date}).
 */
@Interceptor
public class WellbeingResponses {

    /** Identifies the Observation of one answer: {@code <QuestionnaireResponse id>-<measure>}. */
    public static final String ANSWER_IDENTIFIER = LinkwellPackage.CANONICAL_BASE + "/Id/wellbeing-answer";

    /** The questions, by linkId, in the Questionnaire's order; each linkId is its measure's code. */
    static final Map<String, String> MEASURES = measures();

    private static final String SURVEY = "http://terminology.hl7.org/CodeSystem/observation-category";

    /** Before profile validation (order 0), so a wrong answer is named by its question. */
    static final int ORDER = -40;

    private final DaoRegistry daos;

    public WellbeingResponses(DaoRegistry daos) {
        this.daos = daos;
    }

    private static Map<String, String> measures() {
        Map<String, String> measures = new LinkedHashMap<>();
        measures.put("life-satisfaction", "Life satisfaction");
        measures.put("worthwhile", "Worthwhile");
        measures.put("happiness", "Happiness");
        measures.put("anxiety", "Anxiety");
        return measures;
    }

    @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED, order = ORDER)
    public void creating(IBaseResource resource) {
        if (resource instanceof QuestionnaireResponse response && isWellbeing(response)) {
            check(response);
        }
    }

    @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED, order = ORDER)
    public void updating(IBaseResource previous, IBaseResource resource) {
        if (!(resource instanceof QuestionnaireResponse response)) {
            return;
        }
        if (previous instanceof QuestionnaireResponse before && isWellbeing(before) && isFinal(before)) {
            // Its Observations are what the chart shows: a correction is a new response, the old one withdrawn.
            boolean withdrawn = response.getStatus() == QuestionnaireResponseStatus.ENTEREDINERROR;
            if (!isWellbeing(response) || (!withdrawn && !sameAnswers(before, response))) {
                throw unprocessable(
                        "A completed wellbeing response keeps its answers: set its status to entered-in-error and"
                                + " record a new response",
                        "QuestionnaireResponse.item");
            }
            if (withdrawn) {
                return;
            }
        }
        if (isWellbeing(response)) {
            check(response);
        }
    }

    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
    public void created(IBaseResource resource) {
        if (resource instanceof QuestionnaireResponse response && isWellbeing(response) && isFinal(response)) {
            recordAnswers(response);
        }
    }

    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
    public void updated(IBaseResource previous, IBaseResource resource) {
        if (!(resource instanceof QuestionnaireResponse response) || !isWellbeing(response)) {
            return;
        }
        if (response.getStatus() == QuestionnaireResponseStatus.ENTEREDINERROR) {
            withdrawAnswers(response);
        } else if (isFinal(response) && !(previous instanceof QuestionnaireResponse before && isFinal(before))) {
            recordAnswers(response);
        }
    }

    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_DELETED)
    public void deleted(IBaseResource resource) {
        if (resource instanceof QuestionnaireResponse response && isWellbeing(response)) {
            withdrawAnswers(response);
        }
    }

    static boolean isWellbeing(QuestionnaireResponse response) {
        String questionnaire = response.getQuestionnaire();
        return questionnaire != null
                && (questionnaire.equals(LinkwellProfiles.WELLBEING_QUESTIONNAIRE)
                        || questionnaire.startsWith(LinkwellProfiles.WELLBEING_QUESTIONNAIRE + "|"));
    }

    private static boolean isFinal(QuestionnaireResponse response) {
        return response.getStatus() == QuestionnaireResponseStatus.COMPLETED
                || response.getStatus() == QuestionnaireResponseStatus.AMENDED;
    }

    /** Every answer a whole number from 0 to 10, each question at most once; all four once the response is done. */
    static void check(QuestionnaireResponse response) {
        Set<String> answered = new HashSet<>();
        for (int i = 0; i < response.getItem().size(); i++) {
            QuestionnaireResponseItemComponent item = response.getItem().get(i);
            String where = "QuestionnaireResponse.item[" + i + "]";
            String linkId = item.getLinkId();
            if (linkId == null || !MEASURES.containsKey(linkId)) {
                throw unprocessable(
                        "The wellbeing questions are " + String.join(", ", MEASURES.keySet()) + "; item " + i
                                + " answers " + (linkId == null ? "no question" : "'" + linkId + "'"),
                        where + ".linkId");
            }
            if (!answered.add(linkId)) {
                throw unprocessable("Question '" + linkId + "' is answered twice", where);
            }
            List<QuestionnaireResponseItemAnswerComponent> answers = item.getAnswer();
            if (answers.size() != 1 || !score(answers.get(0)).isPresent()) {
                throw unprocessable(
                        "Question '" + linkId + "' is answered with one whole number from 0 to 10", where + ".answer");
            }
        }
        if (isFinal(response)) {
            for (String measure : MEASURES.keySet()) {
                if (!answered.contains(measure)) {
                    throw unprocessable(
                            "A completed wellbeing response answers every question; '" + measure + "' has no answer",
                            "QuestionnaireResponse.item");
                }
            }
        }
        if (!response.getMeta().hasProfile(LinkwellProfiles.WELLBEING_RESPONSE)) {
            // Held to the profile (a person, the day answered, at most one plan) by profile validation.
            response.getMeta().addProfile(LinkwellProfiles.WELLBEING_RESPONSE);
        }
    }

    private static java.util.OptionalInt score(QuestionnaireResponseItemAnswerComponent answer) {
        if (answer.getValue() instanceof IntegerType value && value.getValue() != null) {
            int score = value.getValue();
            if (score >= 0 && score <= 10) {
                return java.util.OptionalInt.of(score);
            }
        }
        return java.util.OptionalInt.empty();
    }

    private static boolean sameAnswers(QuestionnaireResponse before, QuestionnaireResponse after) {
        return answers(before).equals(answers(after))
                && before.getSubject().getReference() != null
                && before.getSubject().getReference().equals(after.getSubject().getReference())
                && before.getAuthoredElement().equalsDeep(after.getAuthoredElement());
    }

    private static Map<String, Integer> answers(QuestionnaireResponse response) {
        Map<String, Integer> answers = new LinkedHashMap<>();
        for (QuestionnaireResponseItemComponent item : response.getItem()) {
            if (item.getAnswer().size() == 1 && item.getAnswerFirstRep().getValue() instanceof IntegerType value) {
                answers.put(item.getLinkId(), value.getValue());
            } else {
                answers.put(item.getLinkId(), null);
            }
        }
        return answers;
    }

    /**
     * One Observation per answer, as the gateway, with the response's author organisation, author role and security
     * labels so that the same people see the answers as see the response. Conditional on the answer's identifier, so
     * recording the same response again adds nothing.
     */
    private void recordAnswers(QuestionnaireResponse response) {
        String responseId = response.getIdElement().getIdPart();
        IFhirResourceDao<Observation> observations = daos.getResourceDao(Observation.class);
        for (QuestionnaireResponseItemComponent item : response.getItem()) {
            String measure = item.getLinkId();
            int score = score(item.getAnswerFirstRep()).orElseThrow();
            Observation answer = new Observation();
            answer.addIdentifier().setSystem(ANSWER_IDENTIFIER).setValue(responseId + "-" + measure);
            answer.setStatus(Observation.ObservationStatus.FINAL);
            answer.addCategory(new CodeableConcept(new Coding(SURVEY, "survey", "Survey")));
            answer.setCode(new CodeableConcept(
                    new Coding(LinkwellProfiles.WELLBEING_MEASURE_SYSTEM, measure, MEASURES.get(measure))));
            answer.setSubject(response.getSubject().copy());
            answer.setEffective(response.getAuthoredElement().copy());
            answer.setValue(new IntegerType(score));
            response.getBasedOn().forEach(plan -> answer.addBasedOn(plan.copy()));
            String author = response.getAuthor().getReference();
            if (author != null && !author.startsWith("Device/")) {
                answer.addPerformer(response.getAuthor().copy());
            }
            answer.addDerivedFrom(new Reference("QuestionnaireResponse/" + responseId));
            response.getMeta().getTag().forEach(tag -> answer.getMeta().addTag(tag.copy()));
            response.getMeta().getSecurity().forEach(label -> answer.getMeta().addSecurity(label.copy()));
            observations.create(
                    answer,
                    "Observation?identifier=" + ANSWER_IDENTIFIER + "|" + responseId + "-" + measure,
                    new SystemRequestDetails());
        }
    }

    /** A response withdrawn as entered in error takes its answers off the chart. */
    private void withdrawAnswers(QuestionnaireResponse response) {
        IFhirResourceDao<Observation> observations = daos.getResourceDao(Observation.class);
        SearchParameterMap derived = SearchParameterMap.newSynchronous()
                .add(
                        Observation.SP_DERIVED_FROM,
                        new ReferenceParam("QuestionnaireResponse/"
                                + response.getIdElement().getIdPart()));
        for (IBaseResource found : observations.searchForResources(derived, new SystemRequestDetails())) {
            Observation answer = (Observation) found;
            if (answer.getStatus() != Observation.ObservationStatus.ENTEREDINERROR) {
                answer.setStatus(Observation.ObservationStatus.ENTEREDINERROR);
                observations.update(answer, new SystemRequestDetails());
            }
        }
    }

    private static UnprocessableEntityException unprocessable(String message, String expression) {
        OperationOutcome outcome = new OperationOutcome();
        outcome.addIssue()
                .setSeverity(OperationOutcome.IssueSeverity.ERROR)
                .setCode(OperationOutcome.IssueType.INVALID)
                .setDiagnostics(message)
                .addExpression(expression)
                .addLocation(expression);
        return new UnprocessableEntityException(message, outcome);
    }
}
