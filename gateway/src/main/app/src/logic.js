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

/**
 * The team Organizations the signed-in worker belongs to, from their PractitionerRoles (active ones): the
 * relative "Organization/<id>" references, each once. Only references on this server are kept, so a search built
 * from them goes to this gateway.
 */
export function teamOrganisations(roles) {
    const teams = roles
        .filter((role) => role?.resourceType === "PractitionerRole" && role.active !== false)
        .map((role) => referenceOf(role.organization))
        .filter((ref) => /^Organization\/[A-Za-z0-9\-.]{1,64}$/.test(ref ?? ""));
    return [...new Set(teams)];
}

/** Tasks from several searches as one list, each Task once (by id), in the order first found. */
export function mergeTasks(...lists) {
    const seen = new Map();
    for (const task of lists.flat()) {
        if (task?.id && !seen.has(task.id)) seen.set(task.id, task);
    }
    return [...seen.values()];
}

/**
 * Who a waiting referral is for, as the card names them: the person's name when the worker can read their record
 * (names: "Patient/1" -> name), or that they are not on the worker's caseload yet when the gateway withholds it
 * (withheld: the references read and withheld). A referral is shown either way; it is addressed to the team.
 */
export function referralPerson(task, names, withheld) {
    const patient = referenceOf(task?.for);
    if (patient && names.has(patient)) return { name: names.get(patient), onCaseload: true };
    if (!patient || withheld.has(patient)) return { name: null, onCaseload: false, text: "person not on your caseload yet" };
    return { name: task.for?.display ?? null, onCaseload: true };
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
    const bestInterest = (latest.extension ?? []).some(
        (e) => e.url === "https://fhir.linkwell.example/StructureDefinition/best-interest-decision" && e.valueBoolean === true,
    );
    const how = bestInterest ? " (best-interest decision)" : method ? ` (${method})` : "";
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

// ---- the operator page: roles, inbound messages, outbound deliveries, the service's figures ----

/**
 * The claims of a JWT access token, read for the app's own choices (which page to offer), never trusted for
 * access: the gateway decides on every request. Null when the token is not a JWT (an opaque provider's token).
 */
export function tokenClaims(accessToken) {
    const part = typeof accessToken === "string" ? accessToken.split(".")[1] : null;
    if (!part) return null;
    try {
        const base64 = part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "=");
        const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
        return JSON.parse(new TextDecoder().decode(bytes));
    } catch {
        return null;
    }
}

/** Whether the signed-in person is an operator (role admin): the app then opens the operator page. */
export function isOperator(claims) {
    return claims?.role === "admin";
}

/** The inbound message statuses the operator page shows, in the order a message passes through them. */
export const MESSAGE_STATUSES = ["received", "done", "failed", "rejected"];
/** The outbound delivery statuses, as the outbox names them. */
export const DELIVERY_STATUSES = ["pending", "sending", "delivered", "withheld", "dead"];

/** {status: count} as rows in the given order, with any other status the server reports after them. */
export function statusCounts(byStatus, order) {
    const counts = byStatus ?? {};
    const extra = Object.keys(counts).filter((s) => !order.includes(s)).sort();
    return [...order, ...extra].map((status) => ({ status, count: Number(counts[status] ?? 0) }));
}

/** A page of /admin/messages as rows; failed and rejected ones can be reprocessed (as the gateway allows). */
export function messageRows(page) {
    return (page?.items ?? []).map((m) => ({
        id: m.id,
        source: m.source ?? "",
        type: m.messageType ?? "",
        controlId: m.controlId ?? "",
        receivedAt: m.receivedAt ?? null,
        status: m.status,
        error: m.lastError ?? "",
        reprocessable: ["failed", "rejected", "unmatched"].includes(m.status),
    }));
}

/** A page of /admin/deliveries as rows; a dead delivery can be retried. */
export function deliveryRows(page) {
    return (page?.items ?? []).map((d) => ({
        id: d.id,
        event: d.event ?? "",
        status: d.status,
        channel: d.channel ?? "",
        endpoint: d.endpoint ?? "",
        attempts: d.attempts ?? 0,
        answer: d.lastAnswer ?? "",
        retryable: d.status === "dead",
    }));
}

/** The text of an /admin problem+json answer (title and detail), or the status when it has none. */
export function problemText(status, body) {
    const detail = [body?.title, body?.detail].filter(Boolean).join(": ");
    return detail || `The server answered ${status}`;
}

function isoDay(year, month, day) {
    return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/** The current calendar month or year, in England, as $evaluate-measure's periodStart and periodEnd (days). */
export function measurePeriod(kind, now = new Date()) {
    const [year, month] = now
        .toLocaleDateString("en-CA", { timeZone: "Europe/London", year: "numeric", month: "2-digit" })
        .split("-")
        .map(Number);
    if (kind === "year") return { periodStart: isoDay(year, 1, 1), periodEnd: isoDay(year, 12, 31) };
    const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
    return { periodStart: isoDay(year, month, 1), periodEnd: isoDay(year, month, last) };
}

/** The Measures the operator page charts, by id, with the words it uses for them. */
export const SERVICE_MEASURES = [
    { id: "caseload", label: "Active cases" },
    { id: "referrals-assessed-on-time", label: "Referrals assessed on time" },
    { id: "referrals-declined", label: "Referrals declined" },
    { id: "action-plans-within-28-days", label: "Action plans within 28 days" },
    { id: "reviewed-in-12-months", label: "Reviewed in 12 months" },
    { id: "goals-met", label: "Goals met" },
];

function populationCount(populations, code) {
    const p = (populations ?? []).find((x) => (x.code?.coding ?? []).some((c) => c.code === code));
    if (!p) return null;
    return typeof p.count === "number" ? p.count : "masked";
}

/**
 * A summary MeasureReport as one figure: a count (a cohort Measure) or a proportion (numerator of denominator and
 * its score as a percentage); "masked" where the gateway suppressed a small count.
 */
export function figureOf(report, label) {
    const group = report?.group?.[0] ?? {};
    const count = populationCount(group.population, "initial-population");
    if (count !== null) return { label, kind: "count", count };
    const numerator = populationCount(group.population, "numerator");
    const denominator = populationCount(group.population, "denominator");
    const score = typeof group.measureScore?.value === "number" ? group.measureScore.value : null;
    return {
        label,
        kind: "proportion",
        numerator,
        denominator,
        percent: score === null ? null : Math.round(score * 1000) / 10,
    };
}

/** A figure in words, as the chart's text alternative says it: "3 of 4 (75%)", "12", "none in the period". */
export function figureText(figure) {
    if (figure.kind === "count") return figure.count === "masked" ? "fewer than 5" : String(figure.count);
    if (figure.denominator === 0 || figure.denominator === null) return "none in the period";
    const of = `${figure.numerator} of ${figure.denominator}`;
    return figure.percent === null ? of : `${of} (${figure.percent}%)`;
}

/**
 * Horizontal bars for values (each {label, value}) in a width-wide box: one row of barHeight per value, the longest
 * bar the largest value (or max when given), at least 0.
 */
export function barChart(values, { width = 320, barHeight = 22, labelWidth = 150, max } = {}) {
    const top = Math.max(max ?? 0, ...values.map((v) => (typeof v.value === "number" ? v.value : 0)), 0);
    const room = width - labelWidth - 40;
    return {
        height: values.length * barHeight,
        bars: values.map((v, i) => {
            const value = typeof v.value === "number" ? Math.max(0, v.value) : 0;
            return {
                label: v.label,
                value,
                x: labelWidth,
                y: i * barHeight + 3,
                width: top === 0 ? 0 : round((value / top) * room),
                height: barHeight - 6,
            };
        }),
    };
}

// ---- consent recording ----

export const BEST_INTEREST = "https://fhir.linkwell.example/StructureDefinition/best-interest-decision";
export const CONSENT_RECORDED_BY = "https://fhir.linkwell.example/StructureDefinition/consent-recorded-by";

/**
 * The person's Consent (LinkwellConsent) to share with the team, as the worker records it: given verbally or in
 * writing, or, when the person lacks capacity, a best-interest decision made by the worker (Consent.performer). The
 * sharing it permits, or refuses, is with the team's Organization.
 */
export function buildConsent({ patient, decision, method, bestInterest, recordedBy, team, dateTime }) {
    const errors = [];
    if (!["permit", "deny"].includes(decision)) errors.push({ field: "decision", text: "Say whether the person agrees to share" });
    if (!bestInterest && !["verbal", "written"].includes(method)) {
        errors.push({ field: "method", text: "Say how consent was given: verbally or in writing" });
    }
    if (!recordedBy) errors.push({ field: "recordedBy", text: "The worker recording it is not known: sign in again" });
    if (!team) errors.push({ field: "team", text: "The person has no case with a team to share with" });
    if (errors.length > 0) return { errors };
    const extension = [{ url: CONSENT_RECORDED_BY, valueReference: { reference: recordedBy } }];
    if (bestInterest) extension.push({ url: BEST_INTEREST, valueBoolean: true });
    else extension.push({ url: CONSENT_METHOD, valueCode: method });
    return {
        consent: {
            resourceType: "Consent",
            status: "active",
            extension,
            scope: { coding: [{ system: "http://terminology.hl7.org/CodeSystem/consentscope", code: "patient-privacy" }] },
            category: [{ coding: [{ system: "http://loinc.org", code: "59284-0" }] }],
            patient: { reference: patient },
            dateTime,
            // The person gives consent; a best-interest decision is made by the worker for them.
            performer: [{ reference: bestInterest ? recordedBy : patient }],
            policy: [{ uri: "https://fhir.linkwell.example/policy/information-sharing-agreement" }],
            provision: {
                type: decision,
                actor: [
                    {
                        role: { coding: [{ system: "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", code: "IRCP" }] },
                        reference: { reference: team },
                    },
                ],
            },
        },
    };
}

// ---- allocation ----

/** Allocation Tasks (care-task|allocation) still waiting for a worker, the oldest first. */
export function waitingAllocations(tasks) {
    return tasks
        .filter((t) => isAllocation(t) && t.status === "requested")
        .sort((a, b) => String(a.authoredOn ?? "").localeCompare(String(b.authoredOn ?? "")));
}

/** The team's workers from a PractitionerRole search with its Practitioners included: {reference, name}. */
export function teamWorkers(bundle) {
    const practitioners = new Map(
        (bundle?.entry ?? [])
            .map((e) => e.resource)
            .filter((r) => r?.resourceType === "Practitioner")
            .map((p) => [`Practitioner/${p.id}`, displayName(p)]),
    );
    return matches(bundle, "PractitionerRole")
        .filter((role) => role.active !== false)
        .map((role) => {
            const practitioner = referenceOf(role.practitioner);
            return {
                reference: `PractitionerRole/${role.id}`,
                practitioner,
                name: practitioners.get(practitioner) ?? role.practitioner?.display ?? practitioner ?? `PractitionerRole/${role.id}`,
            };
        })
        .sort((a, b) => a.name.localeCompare(b.name));
}

export const OVER_CAP_REASON = "https://fhir.linkwell.example/StructureDefinition/allocation-over-cap-reason";

/**
 * The allocation Task completed, naming the worker who takes the case and its RAG complexity, with the reason for
 * going over the worker's cap when one is given (the gateway refuses an over-cap allocation without one, 409).
 */
export function allocateCase(task, { worker, complexity, overCapReason }) {
    const errors = [];
    if (!worker) errors.push({ field: "worker", text: "Choose the worker who takes the case" });
    if (!["red", "amber", "green"].includes(complexity)) errors.push({ field: "complexity", text: "Choose red, amber or green" });
    if (errors.length > 0) return { errors };
    const done = structuredClone(task);
    done.status = "completed";
    done.owner = { reference: worker };
    const reason = overCapReason?.trim();
    done.extension = [
        ...(task.extension ?? []).filter((e) => e.url !== COMPLEXITY_EXTENSION && e.url !== OVER_CAP_REASON),
        { url: COMPLEXITY_EXTENSION, valueCodeableConcept: { coding: [{ system: COMPLEXITY_SYSTEM, code: complexity }] } },
        ...(reason ? [{ url: OVER_CAP_REASON, valueString: reason }] : []),
    ];
    return { task: done };
}

/** Whether a refused allocation was refused for the cap (409, naming the over-cap reason), so a reason would do. */
export function isOverCap(status, message) {
    return status === 409 && /caseload cap/i.test(message ?? "");
}

function parseJson(text) {
    try {
        return JSON.parse(text);
    } catch {
        return null;
    }
}

/**
 * What the gateway said when it refused a FHIR request: its OperationOutcome's diagnostics. fhirclient puts the
 * answer in the error's body, or only in its message after the status and URL ("409 URL: ... {json}").
 */
export function outcomeMessage(error) {
    let body = typeof error?.body === "string" ? parseJson(error.body) : error?.body;
    if (!body?.issue && typeof error?.message === "string" && error.message.includes("{")) {
        body = parseJson(error.message.slice(error.message.indexOf("{")));
    }
    const issues = body?.issue;
    if (issues?.length) return issues.map((i) => i.diagnostics ?? i.details?.text ?? i.code).join("; ");
    return error?.message ?? "The server refused";
}
