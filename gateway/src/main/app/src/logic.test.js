import { describe, expect, it } from "vitest";
import questionnaire from "../../../../../profiles/src/main/resources/linkwell-package/package/Questionnaire-ons4-wellbeing.json";
import declineValueSet from "../../../../../profiles/src/main/resources/linkwell-package/package/ValueSet-referral-decline-reason.json";
import declineCodeSystem from "../../../../../profiles/src/main/resources/linkwell-package/package/CodeSystem-referral-decline-reason.json";
import {
    CARE_TASK,
    COMPLEXITY_EXTENSION,
    RECOMMENDED_ALTERNATIVE,
    WELLBEING_MEASURE,
    acceptReferral,
    buildWellbeingResponse,
    completeReview,
    chartSeries,
    consentSummary,
    declineReferral,
    displayName,
    idOf,
    isReferral,
    matches,
    mergeTasks,
    orWithheld,
    referralPerson,
    teamOrganisations,
    ragOf,
    reviewState,
    summariseCaseload,
    valueSetOptions,
    waitingReferrals,
    wellbeingQuestions,
} from "./logic.js";

const NOW = new Date("2026-12-07T12:00:00Z");
const rated = (code) => ({
    extension: [{ url: COMPLEXITY_EXTENSION, valueCodeableConcept: { coding: [{ code }] } }],
});
const review = (patient, end, status = "requested") => ({
    resourceType: "Task",
    status,
    code: { coding: [{ system: CARE_TASK, code: "review" }] },
    for: { reference: patient },
    restriction: { period: { end } },
});
const referral = (id, end, status = "requested") => ({
    resourceType: "Task",
    id,
    status,
    focus: { reference: "ServiceRequest/9" },
    for: { reference: "Patient/1" },
    restriction: { period: { end } },
});

describe("RAG", () => {
    it("is a word and a level from the complexity extension", () => {
        expect(ragOf(rated("red"))).toEqual({ word: "Red", level: "red" });
        expect(ragOf(rated("amber")).word).toBe("Amber");
        expect(ragOf(rated("green")).word).toBe("Green");
    });
    it("is 'Not rated' without a rating or with an unknown code", () => {
        expect(ragOf({})).toEqual({ word: "Not rated", level: "unrated" });
        expect(ragOf(rated("purple")).level).toBe("unrated");
    });
});

describe("caseload summary", () => {
    it("counts each person's open reviews as due or overdue and orders red first", () => {
        const episodes = [
            { id: "e1", patient: { reference: "Patient/1" }, ...rated("green") },
            { id: "e2", patient: { reference: "Patient/2" }, ...rated("red") },
        ];
        const reviews = [
            review("Patient/1", "2026-12-01T23:59:59Z"), // overdue
            review("Patient/1", "2026-12-20T23:59:59Z"), // due within 28 days
            review("Patient/1", "2026-11-01T23:59:59Z", "completed"), // done: not counted
            review("Patient/2", "2027-06-01T23:59:59Z"), // later
        ];
        const rows = summariseCaseload(episodes, reviews, NOW);
        expect(rows.map((r) => r.patient)).toEqual(["Patient/2", "Patient/1"]);
        expect(rows[1]).toMatchObject({ reviewsDue: 1, reviewsOverdue: 1, rag: { word: "Green" } });
        expect(rows[1].nextReview.toISOString()).toBe("2026-12-01T23:59:59.000Z");
        expect(rows[0]).toMatchObject({ reviewsDue: 0, reviewsOverdue: 0, rag: { word: "Red" } });
    });
    it("places a review by its due date against now", () => {
        expect(reviewState(review("Patient/1", "2026-12-06T00:00:00Z"), NOW)).toBe("overdue");
        expect(reviewState(review("Patient/1", "2027-01-03T00:00:00Z"), NOW)).toBe("due");
        expect(reviewState(review("Patient/1", "2027-01-05T00:00:00Z"), NOW)).toBe("later");
        expect(reviewState({ resourceType: "Task" }, NOW)).toBeNull();
    });
    it("lists referrals still requested, soonest due first, and not reviews", () => {
        const tasks = [
            referral("late", "2026-12-10T23:59:59Z"),
            referral("soon", "2026-12-08T23:59:59Z"),
            referral("done", "2026-12-01T23:59:59Z", "accepted"),
            review("Patient/1", "2026-12-01T23:59:59Z"),
        ];
        expect(waitingReferrals(tasks).map((t) => t.id)).toEqual(["soon", "late"]);
        expect(isReferral(tasks[3])).toBe(false);
    });
});

describe("search bundles and references", () => {
    it("keeps matches only", () => {
        const bundle = {
            entry: [
                { resource: { resourceType: "Task", id: "1" }, search: { mode: "match" } },
                { resource: { resourceType: "Patient", id: "2" }, search: { mode: "include" } },
                { resource: { resourceType: "OperationOutcome" }, search: { mode: "outcome" } },
            ],
        };
        expect(matches(bundle).map((r) => r.id)).toEqual(["1"]);
        expect(matches({})).toEqual([]);
    });
    it("takes the id from relative, absolute and versioned references", () => {
        expect(idOf("Patient/12")).toBe("12");
        expect(idOf("http://x/fhir/Patient/12/_history/3")).toBe("12");
        expect(idOf(null)).toBeNull();
    });
    it("names a person, or says the name is not recorded", () => {
        expect(displayName({ name: [{ family: "Example", given: ["Jo", "Ann"] }] })).toBe("Jo Ann Example");
        expect(displayName({ name: [{ text: "Jo Example" }] })).toBe("Jo Example");
        expect(displayName({})).toBe("Name not recorded");
    });
});

describe("withheld", () => {
    it("turns 403 and 404 into withheld, not failures", async () => {
        expect(await orWithheld(Promise.reject({ status: 404 }))).toEqual({ withheld: true, value: null });
        expect(await orWithheld(Promise.reject({ statusCode: 403 }))).toEqual({ withheld: true, value: null });
        expect(await orWithheld(Promise.resolve({ id: "1" }))).toEqual({ withheld: false, value: { id: "1" } });
    });
    it("lets other failures through", async () => {
        await expect(orWithheld(Promise.reject({ status: 500, message: "boom" }))).rejects.toMatchObject({ status: 500 });
        await expect(orWithheld(Promise.reject(new TypeError("network")))).rejects.toThrow("network");
    });
});

describe("consent status", () => {
    it("says what the latest active Consent records", () => {
        const consents = [
            { status: "active", dateTime: "2026-01-01", provision: { type: "permit" } },
            {
                status: "active",
                dateTime: "2026-12-01T10:00:00Z",
                provision: { type: "permit" },
                extension: [{ url: "https://fhir.linkwell.example/StructureDefinition/consent-method", valueCode: "verbal" }],
            },
        ];
        expect(consentSummary(consents)).toEqual({ status: "given", text: "Consent to share recorded (verbal) on 1 Dec 2026" });
        expect(consentSummary([{ status: "active", provision: { type: "deny" } }]).text).toBe("Sharing refused");
        expect(consentSummary([]).text).toBe("No consent recorded");
        expect(consentSummary([{ status: "inactive" }]).status).toBe("withdrawn");
    });
});

describe("wellbeing", () => {
    const questions = wellbeingQuestions(questionnaire);
    it("reads the four ONS4 questions from the stored Questionnaire", () => {
        expect(questions.map((q) => q.linkId)).toEqual(["life-satisfaction", "worthwhile", "happiness", "anxiety"]);
        expect(questions.every((q) => q.min === 0 && q.max === 10)).toBe(true);
    });
    it("builds a completed QuestionnaireResponse with one whole number per question", () => {
        const { response, errors } = buildWellbeingResponse({
            questions,
            answers: { "life-satisfaction": "4", worthwhile: "5", happiness: "0", anxiety: "10" },
            patient: "Patient/1",
            author: "Practitioner/7",
            authored: "2026-12-07",
            basedOn: "CarePlan/3",
        });
        expect(errors).toBeUndefined();
        expect(response).toMatchObject({
            resourceType: "QuestionnaireResponse",
            status: "completed",
            questionnaire: "https://fhir.linkwell.example/Questionnaire/ons4-wellbeing",
            subject: { reference: "Patient/1" },
            author: { reference: "Practitioner/7" },
            basedOn: [{ reference: "CarePlan/3" }],
            authored: "2026-12-07",
        });
        expect(response.item.map((i) => i.answer[0].valueInteger)).toEqual([4, 5, 0, 10]);
    });
    it("names each answer out of range or not whole, and builds nothing", () => {
        const { response, errors } = buildWellbeingResponse({
            questions,
            answers: { "life-satisfaction": "11", worthwhile: "2.5", happiness: "", anxiety: "3" },
            patient: "Patient/1",
            authored: "2026-12-07",
        });
        expect(response).toBeUndefined();
        expect(errors.map((e) => e.linkId)).toEqual(["life-satisfaction", "worthwhile", "happiness"]);
        expect(errors[0].text).toBe("Life satisfaction: answer with a whole number from 0 to 10");
    });
    it("charts one point per answer, time across and 0-10 up", () => {
        const obs = (code, day, value, status = "final") => ({
            status,
            code: { coding: [{ system: WELLBEING_MEASURE, code }] },
            effectiveDateTime: day,
            valueInteger: value,
        });
        const series = chartSeries(
            [
                obs("happiness", "2026-10-01", 3),
                obs("happiness", "2026-12-01", 6),
                obs("anxiety", "2026-10-01", 10),
                obs("anxiety", "2026-11-01", 0, "entered-in-error"),
            ],
            { width: 200, height: 120, pad: 20 },
        );
        const happiness = series.find((s) => s.measure === "happiness").points;
        expect(happiness.map((p) => [p.x, p.y])).toEqual([
            [20, 76],
            [180, 52],
        ]);
        const anxiety = series.find((s) => s.measure === "anxiety").points;
        expect(anxiety).toHaveLength(1);
        expect(anxiety[0].y).toBe(20);
        expect(chartSeries([])).toEqual([]);
    });
});

describe("referral decisions", () => {
    const options = valueSetOptions(declineValueSet, [declineCodeSystem]);
    it("offers the ValueSet's codes: the local CodeSystem and SNOMED CT's 'declined'", () => {
        expect(options.map((o) => o.code)).toContain("needs-met-elsewhere");
        expect(options.find((o) => o.system === "http://snomed.info/sct").code).toBe("871711000000103");
        expect(options).toHaveLength(declineCodeSystem.concept.length + 1);
    });
    it("declines with a coded reason and the alternatives, leaving the original Task as it was", () => {
        const task = referral("t1", "2026-12-10T23:59:59Z");
        const reason = options.find((o) => o.code === "needs-met-elsewhere");
        const { task: declined } = declineReferral(task, {
            reason,
            note: " Debt advice first ",
            alternatives: ["Citizens Advice debt clinic", "  ", "Food bank"],
        });
        expect(declined.status).toBe("rejected");
        expect(declined.statusReason).toEqual({
            coding: [{ system: reason.system, code: "needs-met-elsewhere", display: reason.display }],
            text: "Debt advice first",
        });
        expect(declined.extension).toEqual([
            { url: RECOMMENDED_ALTERNATIVE, valueCodeableConcept: { text: "Citizens Advice debt clinic" } },
            { url: RECOMMENDED_ALTERNATIVE, valueCodeableConcept: { text: "Food bank" } },
        ]);
        expect(task.status).toBe("requested");
    });
    it("refuses to decline without a reason or an alternative", () => {
        const { errors } = declineReferral(referral("t1"), { reason: null, alternatives: [" "] });
        expect(errors.map((e) => e.field)).toEqual(["reason", "alternatives"]);
    });
    it("accepts", () => {
        expect(acceptReferral(referral("t1")).status).toBe("accepted");
    });
});

describe("reviews", () => {
    it("completes a review with its outcome and the RAG it found", () => {
        const open = { ...review("Patient/1", "2026-12-01T23:59:59Z"), extension: [{ url: "other", valueString: "kept" }] };
        const { task } = completeReview(open, { outcome: " Carer unwell; more support needed ", complexity: "red" });
        expect(task.status).toBe("completed");
        expect(task.output).toEqual([{ type: { text: "outcome" }, valueString: "Carer unwell; more support needed" }]);
        expect(ragOf(task).word).toBe("Red");
        expect(task.extension[0]).toEqual({ url: "other", valueString: "kept" });
        expect(open.status).toBe("requested");
    });
    it("keeps the rating when none is given, and needs an outcome", () => {
        expect(completeReview(review("Patient/1"), { outcome: "Fine", complexity: "" }).task.extension).toBeUndefined();
        expect(completeReview(review("Patient/1"), { outcome: "  " }).errors[0].field).toBe("outcome");
        expect(completeReview(review("Patient/1"), { outcome: "x", complexity: "blue" }).errors[0].field).toBe("complexity");
    });
});

describe("the team's worklist", () => {
    const role = (org, active = true) => ({ resourceType: "PractitionerRole", active, organization: { reference: org } });
    it("finds the worker's team Organizations from their active PractitionerRoles, each once, local ones only", () => {
        expect(
            teamOrganisations([
                role("Organization/team"),
                role("Organization/team"),
                role("Organization/old", false),
                role("https://example.invalid/fhir/Organization/x"),
                { resourceType: "PractitionerRole" },
                role("Organization/other"),
            ]),
        ).toEqual(["Organization/team", "Organization/other"]);
        expect(teamOrganisations([])).toEqual([]);
    });
    it("merges the caseload's and the team's Tasks without duplicates", () => {
        const merged = mergeTasks([referral("a"), referral("b")], [referral("b", "2026-12-01"), referral("c")], []);
        expect(merged.map((t) => t.id)).toEqual(["a", "b", "c"]);
        expect(merged[1].restriction.period.end).toBeUndefined();
    });
    it("lists a merged referral once, soonest due first", () => {
        const early = referral("late", "2026-12-20T00:00:00Z");
        const waiting = waitingReferrals(mergeTasks([early, referral("soon", "2026-12-08T00:00:00Z")], [early]));
        expect(waiting.map((t) => t.id)).toEqual(["soon", "late"]);
    });
    it("names the person when readable, and says they are not on the caseload yet when withheld", () => {
        const names = new Map([["Patient/1", "Jo Example"]]);
        expect(referralPerson(referral("t1"), names, new Set())).toEqual({ name: "Jo Example", onCaseload: true });
        const newcomer = { ...referral("t2"), for: { reference: "Patient/7" } };
        expect(referralPerson(newcomer, names, new Set(["Patient/7"]))).toEqual({
            name: null,
            onCaseload: false,
            text: "person not on your caseload yet",
        });
        expect(referralPerson({ ...referral("t3"), for: undefined }, names, new Set()).onCaseload).toBe(false);
    });
});
