// The app's own logic, free of the DOM and the network, so that Vitest can check it (logic.test.js).

export const CARE_TASK = "https://fhir.linkwell.example/CodeSystem/care-task";
export const COMPLEXITY_EXTENSION = "https://fhir.linkwell.example/StructureDefinition/complexity-rating";
export const RECOMMENDED_ALTERNATIVE = "https://fhir.linkwell.example/StructureDefinition/recommended-alternative";
export const DECLINE_REASON_SYSTEM = "https://fhir.linkwell.example/CodeSystem/referral-decline-reason";
export const WELLBEING_MEASURE = "https://fhir.linkwell.example/CodeSystem/wellbeing-measure";
export const ONS4_QUESTIONNAIRE = "https://fhir.linkwell.example/Questionnaire/ons4-wellbeing";
export const COMPLEXITY_SYSTEM = "https://fhir.linkwell.example/CodeSystem/complexity-rating";
export const CONSENT_METHOD = "https://fhir.linkwell.example/StructureDefinition/consent-method";

/** How far ahead a review counts as due, as the gateway's $caseload counts it (linkwell.caseload.reviews-due-within). */
export const REVIEWS_DUE_WITHIN_DAYS = 28;

const RAG = {
    red: { word: "Red", level: "red" },
    amber: { word: "Amber", level: "amber" },
    green: { word: "Green", level: "green" },
};

/** The RAG rating of a case or plan (the complexity-rating extension) as a word and a colour class. */
export function ragOf(resource) {
    const ext = (resource?.extension ?? []).find((e) => e.url === COMPLEXITY_EXTENSION);
    const code = ext?.valueCodeableConcept?.coding?.find((c) => c.code)?.code;
    return RAG[code] ?? { word: "Not rated", level: "unrated" };
}

/** The resources a search Bundle matched (not its includes, not OperationOutcomes). */
export function matches(bundle, type) {
    return (bundle?.entry ?? [])
        .filter((e) => e.resource && (!e.search?.mode || e.search.mode === "match"))
        .map((e) => e.resource)
        .filter((r) => !type || r.resourceType === type);
}

/** "Patient/123" from a Reference, or null. */
export function referenceOf(ref) {
    return typeof ref?.reference === "string" ? ref.reference : null;
}

/** The id part of "Patient/123" (also of an absolute URL or a versioned reference). */
export function idOf(reference) {
    if (!reference) return null;
    const parts = reference.split("/_history/")[0].split("/");
    return parts[parts.length - 1] || null;
}

function hasCode(task, code) {
    return (task?.code?.coding ?? []).some((c) => c.system === CARE_TASK && c.code === code);
}

export const isReview = (task) => hasCode(task, "review");
export const isAllocation = (task) => hasCode(task, "allocation");

/** A referral Task: its focus is the ServiceRequest (the referral), and it is not a care task. */
export function isReferral(task) {
    return (referenceOf(task?.focus) ?? "").startsWith("ServiceRequest/") && !isReview(task) && !isAllocation(task);
}

/** The due date a workflow Task keeps in restriction.period.end, or null. */
export function dueDate(task) {
    const end = task?.restriction?.period?.end;
    return end ? new Date(end) : null;
}

/** "overdue", "due" (within the window) or "later" for an open review; null when it has no due date. */
export function reviewState(task, now = new Date(), withinDays = REVIEWS_DUE_WITHIN_DAYS) {
    const due = dueDate(task);
    if (!due) return null;
    if (due.getTime() < now.getTime()) return "overdue";
    return due.getTime() <= now.getTime() + withinDays * 86_400_000 ? "due" : "later";
}

/**
 * One row per active case on the caseload: the person, the RAG rating, and their open reviews counted as due
 * or overdue. Rows are ordered red, amber, green, unrated, then by the earliest review.
 */
export function summariseCaseload(episodes, reviews, now = new Date()) {
    const order = { red: 0, amber: 1, green: 2, unrated: 3 };
    return episodes
        .map((episode) => {
            const patient = referenceOf(episode.patient);
            const open = reviews.filter(
                (t) => t.status === "requested" && isReview(t) && referenceOf(t.for) === patient,
            );
            const states = open.map((t) => reviewState(t, now));
            const dues = open.map(dueDate).filter(Boolean).sort((a, b) => a - b);
            return {
                episodeId: episode.id,
                patient,
                rag: ragOf(episode),
                reviewsDue: states.filter((s) => s === "due").length,
                reviewsOverdue: states.filter((s) => s === "overdue").length,
                nextReview: dues[0] ?? null,
            };
        })
        .sort(
            (a, b) =>
                order[a.rag.level] - order[b.rag.level] ||
                (a.nextReview?.getTime() ?? Infinity) - (b.nextReview?.getTime() ?? Infinity),
        );
}

/** Referral Tasks still waiting for the team's decision, the soonest due first. */
export function waitingReferrals(tasks) {
    return tasks
        .filter((t) => isReferral(t) && t.status === "requested")
        .sort((a, b) => (dueDate(a)?.getTime() ?? Infinity) - (dueDate(b)?.getTime() ?? Infinity));
}

/** A person's name as they would read it: "Jo Example"; "Name not recorded" without one. */
export function displayName(patient) {
    const name = (patient?.name ?? []).find((n) => n.use === "usual") ?? patient?.name?.[0];
    if (!name) return "Name not recorded";
    if (name.text) return name.text;
    const text = [...(name.given ?? []), name.family].filter(Boolean).join(" ");
    return text || "Name not recorded";
}

/** A date as a person reads it in England: "7 Dec 2026". */
export function formatDate(value) {
    if (!value) return "";
    const date = value instanceof Date ? value : new Date(value);
    if (Number.isNaN(date.getTime())) return String(value);
    return date.toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "Europe/London" });
}

/**
 * What the server withholds is not an error: a 403 or 404 (a hidden record reads as a missing one) becomes
 * {withheld: true}; anything else is a failure and is thrown on.
 */
export async function orWithheld(promise) {
    try {
        return { withheld: false, value: await promise };
    } catch (error) {
        const status = error?.status ?? error?.statusCode ?? error?.response?.status;
        if (status === 403 || status === 404 || status === 410) {
            return { withheld: true, value: null };
        }
        throw error;
    }
}

/** The person's consent to share as words: the latest active patient-privacy Consent, or that none is recorded. */
export function consentSummary(consents) {
    const active = consents
        .filter((c) => c.status === "active")
        .sort((a, b) => String(b.dateTime ?? "").localeCompare(String(a.dateTime ?? "")));
    if (active.length === 0) {
        const withdrawn = consents.some((c) => c.status === "inactive" || c.status === "rejected");
        return { status: withdrawn ? "withdrawn" : "none", text: withdrawn ? "Consent withdrawn" : "No consent recorded" };
    }
    const latest = active[0];
    const type = latest.provision?.type === "deny" ? "Sharing refused" : "Consent to share recorded";
    const method = (latest.extension ?? []).find((e) => e.url === CONSENT_METHOD)?.valueCode;
    const how = method ? ` (${method})` : "";
    const when = latest.dateTime ? ` on ${formatDate(latest.dateTime)}` : "";
    return { status: latest.provision?.type === "deny" ? "refused" : "given", text: `${type}${how}${when}` };
}

/** The answerable items of the ONS4 Questionnaire: linkId, text, and the range its extensions give (0-10). */
export function wellbeingQuestions(questionnaire) {
    return (questionnaire?.item ?? [])
        .filter((item) => item.type === "integer")
        .map((item) => {
            const ext = (url) => (item.extension ?? []).find((e) => e.url.endsWith(url))?.valueInteger;
            return {
                linkId: item.linkId,
                text: item.text,
                label: item.code?.[0]?.display ?? item.linkId,
                min: ext("/minValue") ?? 0,
                max: ext("/maxValue") ?? 10,
            };
        });
}

/**
 * A completed QuestionnaireResponse for the person's answers ({linkId: "7"}), or {errors} naming each answer
 * that is not a whole number in its question's range. The server checks the same; this says so before sending.
 */
export function buildWellbeingResponse({ questions, answers, patient, author, authored, basedOn }) {
    const errors = [];
    const item = questions.map((q) => {
        const raw = String(answers[q.linkId] ?? "").trim();
        const value = Number(raw);
        if (raw === "" || !Number.isInteger(value) || value < q.min || value > q.max) {
            errors.push({ linkId: q.linkId, text: `${q.label}: answer with a whole number from ${q.min} to ${q.max}` });
        }
        return { linkId: q.linkId, text: q.text, answer: [{ valueInteger: value }] };
    });
    if (errors.length > 0) return { errors };
    const response = {
        resourceType: "QuestionnaireResponse",
        status: "completed",
        questionnaire: ONS4_QUESTIONNAIRE,
        subject: { reference: patient },
        authored,
        item,
    };
    if (author) response.author = { reference: author };
    if (basedOn) response.basedOn = [{ reference: basedOn }];
    return { response };
}

/**
 * The chart of wellbeing over time: one series per measure, each point placed in a width x height box, time
 * across (the first answer at the left, the last at the right) and 0-10 up.
 */
export function chartSeries(observations, { width = 320, height = 160, pad = 24 } = {}) {
    const points = observations
        .filter((o) => o.status !== "entered-in-error" && typeof o.valueInteger === "number")
        .map((o) => ({
            measure: (o.code?.coding ?? []).find((c) => c.system === WELLBEING_MEASURE)?.code,
            time: new Date(o.effectiveDateTime ?? o.issued ?? 0).getTime(),
            value: o.valueInteger,
            date: o.effectiveDateTime,
        }))
        .filter((p) => p.measure && !Number.isNaN(p.time));
    const times = points.map((p) => p.time);
    const first = Math.min(...times);
    const last = Math.max(...times);
    const span = last - first;
    const x = (t) => (span === 0 ? width / 2 : pad + ((t - first) / span) * (width - 2 * pad));
    const y = (v) => height - pad - (v / 10) * (height - 2 * pad);
    const series = new Map();
    for (const p of points) {
        if (!series.has(p.measure)) series.set(p.measure, []);
        series.get(p.measure).push({ ...p, x: round(x(p.time)), y: round(y(p.value)) });
    }
    return [...series.entries()].map(([measure, pts]) => ({
        measure,
        points: pts.sort((a, b) => a.time - b.time),
    }));
}

function round(n) {
    return Math.round(n * 10) / 10;
}

/** The referral Task declined: a coded reason from the referral-decline-reason ValueSet and the alternatives. */
export function declineReferral(task, { reason, note, alternatives }) {
    const named = (alternatives ?? []).map((a) => a.trim()).filter(Boolean);
    const errors = [];
    if (!reason?.code) errors.push({ field: "reason", text: "Choose a reason" });
    if (named.length === 0) errors.push({ field: "alternatives", text: "Name at least one alternative service" });
    if (errors.length > 0) return { errors };
    const declined = structuredClone(task);
    declined.status = "rejected";
    declined.statusReason = {
        coding: [{ system: reason.system, code: reason.code, display: reason.display }],
        ...(note?.trim() ? { text: note.trim() } : {}),
    };
    declined.extension = [
        ...(task.extension ?? []).filter((e) => e.url !== RECOMMENDED_ALTERNATIVE),
        ...named.map((text) => ({ url: RECOMMENDED_ALTERNATIVE, valueCodeableConcept: { text } })),
    ];
    return { task: declined };
}

/** The referral Task accepted (the gateway then opens the case and its allocation). */
export function acceptReferral(task) {
    return { ...structuredClone(task), status: "accepted" };
}

/** The codes of a ValueSet's compose, from its CodeSystems' concepts where the include names none. */
export function valueSetOptions(valueSet, codeSystems) {
    return (valueSet?.compose?.include ?? []).flatMap((include) => {
        const concepts =
            include.concept ?? codeSystems.find((cs) => cs.url === include.system)?.concept ?? [];
        return concepts.map((c) => ({ system: include.system, code: c.code, display: c.display ?? c.code }));
    });
}

/**
 * The review Task completed: its outcome as the output the gateway requires (type.text "outcome"), and the RAG it
 * found, if the worker gave one (the gateway moves it onto the case and opens the next review).
 */
export function completeReview(task, { outcome, complexity }) {
    const text = outcome?.trim();
    if (!text) return { errors: [{ field: "outcome", text: "Say what the review found" }] };
    if (complexity && !["red", "amber", "green"].includes(complexity)) {
        return { errors: [{ field: "complexity", text: "Choose red, amber or green" }] };
    }
    const done = structuredClone(task);
    done.status = "completed";
    done.output = [
        ...(task.output ?? []).filter((o) => o.type?.text !== "outcome"),
        { type: { text: "outcome" }, valueString: text },
    ];
    if (complexity) {
        done.extension = [
            ...(task.extension ?? []).filter((e) => e.url !== COMPLEXITY_EXTENSION),
            { url: COMPLEXITY_EXTENSION, valueCodeableConcept: { coding: [{ system: COMPLEXITY_SYSTEM, code: complexity }] } },
        ];
    }
    return { task: done };
}
