// The link worker app: SMART standalone launch with fhirclient, then the public FHIR API only.
import FHIR from "fhirclient";
import "./style.css";
import declineValueSet from "../../../../../profiles/src/main/resources/linkwell-package/package/ValueSet-referral-decline-reason.json";
import declineCodeSystem from "../../../../../profiles/src/main/resources/linkwell-package/package/CodeSystem-referral-decline-reason.json";
import {
    CARE_TASK,
    WELLBEING_MEASURE,
    acceptReferral,
    buildWellbeingResponse,
    completeReview,
    chartSeries,
    consentSummary,
    declineReferral,
    displayName,
    dueDate,
    formatDate,
    idOf,
    isReferral,
    isReview,
    matches,
    orWithheld,
    ragOf,
    referenceOf,
    reviewState,
    summariseCaseload,
    valueSetOptions,
    waitingReferrals,
    wellbeingQuestions,
} from "./logic.js";

const CLIENT_ID = "demo-app";
const SCOPE =
    "openid fhirUser offline_access user/Patient.rs user/Practitioner.rs user/EpisodeOfCare.rs user/CarePlan.rs " +
    "user/Goal.rs user/ServiceRequest.rs user/Task.rus user/Consent.rs user/Questionnaire.rs " +
    "user/QuestionnaireResponse.crs user/Observation.rs";
const WANTED_ROUTE = "linkwell.app.route";

const main = document.getElementById("main");
const status = document.getElementById("status");
let client;

// ---- small DOM helpers: text is always set as text, never as HTML ----
function h(tag, attrs = {}, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
        if (v === false || v == null) continue;
        if (k === "class") el.className = v;
        else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
        else el.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat(Infinity)) {
        if (c == null || c === false) continue;
        el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
}
const svg = (tag, attrs = {}, ...children) => {
    const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    for (const c of children.flat(Infinity)) if (c != null) el.append(c instanceof Node ? c : document.createTextNode(c));
    return el;
};
const withheld = (what) => h("p", { class: "withheld", "data-withheld": "" }, `${what}: withheld`);
const rag = (r) => h("span", { class: `rag rag-${r.level}` }, r.word);
function say(text) {
    status.textContent = text;
}
function show(heading, ...content) {
    main.replaceChildren(h("h1", { tabindex: "-1", id: "page-heading" }, heading), ...content);
    document.getElementById("page-heading").focus();
    document.title = `${heading} - Linkwell`;
}

async function search(path) {
    const result = await orWithheld(client.request(path, { flat: false }));
    return result.withheld ? null : matches(result.value);
}

// ---- sign-in ----
function fhirBase() {
    return new URL("../fhir", window.location.href.split(/[?#]/)[0]).href;
}

function signInPage() {
    document.getElementById("who").textContent = "";
    show(
        "Sign in",
        h("p", {}, "Sign in with your Linkwell account to see your caseload."),
        h("button", { type: "button", id: "sign-in", onclick: signIn }, "Sign in"),
    );
}

function signIn() {
    // fhirclient lets ?iss= (and ?clientId=, ?launch=) in the page's URL override what it is given: a link with
    // another server's address would send the link worker to that server's sign-in. This app talks to its own
    // gateway only, so the query goes before anything is read from it.
    window.history.replaceState(null, "", window.location.pathname + window.location.hash);
    sessionStorage.setItem(WANTED_ROUTE, window.location.hash);
    FHIR.oauth2.authorize({
        clientId: CLIENT_ID,
        scope: SCOPE,
        iss: fhirBase(),
        redirectUri: window.location.href.split(/[?#]/)[0],
        pkceMode: "required",
    });
}

async function start() {
    const params = new URLSearchParams(window.location.search);
    if (!params.has("code") && !params.has("state") && !sessionStorage.getItem("SMART_KEY")) {
        signInPage();
        return;
    }
    try {
        client = await FHIR.oauth2.ready();
    } catch (error) {
        sessionStorage.removeItem("SMART_KEY");
        signInPage();
        say(`Sign-in did not complete: ${error.message}`);
        return;
    }
    if (String(client.state.serverUrl).replace(/\/+$/, "") !== fhirBase().replace(/\/+$/, "")) {
        // Signed in somewhere else (a crafted link): nothing is read from or written to that server.
        sessionStorage.clear();
        signInPage();
        say("Sign-in did not complete: the app works with this gateway only.");
        return;
    }
    const wanted = sessionStorage.getItem(WANTED_ROUTE);
    sessionStorage.removeItem(WANTED_ROUTE);
    if (wanted && !window.location.hash) window.location.hash = wanted;
    const me = client.getFhirUser() ?? client.state.tokenResponse?.fhirUser;
    document.getElementById("who").replaceChildren(
        h("span", { id: "signed-in-as" }, me ? `Signed in (${me})` : "Signed in"),
        " ",
        h("button", { type: "button", class: "secondary", onclick: signOut }, "Sign out"),
    );
    window.addEventListener("hashchange", route);
    await route();
}

function signOut() {
    sessionStorage.clear();
    window.location.hash = "";
    window.location.reload();
}

async function route() {
    const person = window.location.hash.match(/^#\/person\/([A-Za-z0-9\-.]{1,64})$/);
    say("");
    try {
        if (person) await personPage(person[1]);
        else await caseloadPage();
    } catch (error) {
        say(`Something went wrong: ${error.message}`);
    }
}

// ---- my caseload ----
async function caseloadPage() {
    say("Loading your caseload");
    const me = client.getFhirUser();
    const episodes =
        (await search(`EpisodeOfCare?care-manager=${encodeURIComponent(me)}&status=active&_count=100`)) ?? [];
    const reviews =
        (await search(`Task?code=${encodeURIComponent(CARE_TASK + "|review")}&status=requested&_count=200`)) ?? [];
    const tasks = (await search("Task?status=requested&_count=200")) ?? [];
    const rows = summariseCaseload(episodes, reviews);
    const people = await Promise.all(
        rows.map(async (row) => ({
            row,
            // Only a reference on this server: the token must never go to an address a record names.
            person: isLocalPatient(row.patient) ? await orWithheld(client.request(row.patient)) : { withheld: true },
        })),
    );
    const table = h(
        "table",
        { id: "caseload" },
        h("caption", {}, `${rows.length} active ${rows.length === 1 ? "case" : "cases"}`),
        h(
            "thead",
            {},
            h("tr", {}, h("th", { scope: "col" }, "Person"), h("th", { scope: "col" }, "RAG"),
                h("th", { scope: "col" }, "Reviews due"), h("th", { scope: "col" }, "Reviews overdue"),
                h("th", { scope: "col" }, "Next review")),
        ),
        h(
            "tbody",
            {},
            people.map(({ row, person }) =>
                h(
                    "tr",
                    { "data-patient": idOf(row.patient) },
                    h("td", {}, person.withheld
                        ? h("span", { class: "withheld", "data-withheld": "" }, "Withheld")
                        : h("a", { href: `#/person/${idOf(row.patient)}` }, displayName(person.value))),
                    h("td", {}, rag(row.rag)),
                    h("td", {}, String(row.reviewsDue)),
                    h("td", { class: row.reviewsOverdue > 0 ? "overdue" : "" }, String(row.reviewsOverdue)),
                    h("td", {}, row.nextReview ? formatDate(row.nextReview) : "None open"),
                ),
            ),
        ),
    );
    const waiting = waitingReferrals(tasks);
    const names = new Map(people.filter((p) => !p.person.withheld).map((p) => [p.row.patient, displayName(p.person.value)]));
    show(
        "My caseload",
        rows.length ? h("div", { class: "table-wrap" }, table) : h("p", { id: "caseload-empty" }, "No active cases."),
        h("h2", {}, "Referrals waiting"),
        waiting.length
            ? h("ul", { id: "referrals", class: "cards" }, waiting.map((t) => referralCard(t, { name: names.get(referenceOf(t.for)) })))
            : h("p", {}, "No referrals waiting."),
    );
    say("");
}

// ---- a referral: accept, or decline with a coded reason and alternatives ----
const DECLINE_REASONS = valueSetOptions(declineValueSet, [declineCodeSystem]);

function referralCard(task, { withPerson = true, name } = {}) {
    const id = task.id;
    const due = dueDate(task);
    const overdue = due && due < new Date();
    const reasonId = `reason-${id}`;
    const altId = `alternative-${id}`;
    const noteId = `note-${id}`;
    const errors = h("div", { class: "errors", role: "alert" });
    const form = h(
        "form",
        { class: "decline", "aria-label": "Decline this referral" },
        h("label", { for: reasonId }, "Reason for declining"),
        h("select", { id: reasonId, name: "reason" }, h("option", { value: "" }, "Choose a reason"),
            DECLINE_REASONS.map((r) => h("option", { value: `${r.system}|${r.code}` }, r.display))),
        h("label", { for: altId }, "Alternative services (one a line)"),
        h("textarea", { id: altId, name: "alternatives", rows: "2" }),
        h("label", { for: noteId }, "Note to the referrer (optional)"),
        h("input", { id: noteId, name: "note", type: "text" }),
        errors,
        h("button", { type: "submit", class: "danger" }, "Decline referral"),
    );
    form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const [system, code] = form.reason.value.split("|");
        const reason = DECLINE_REASONS.find((r) => r.system === system && r.code === code);
        const result = declineReferral(task, {
            reason,
            note: form.note.value,
            alternatives: form.alternatives.value.split("\n"),
        });
        if (result.errors) {
            errors.replaceChildren(...result.errors.map((e) => h("p", {}, e.text)));
            return;
        }
        await decide(result.task, "Referral declined", errors);
    });
    return h(
        "li",
        { class: "card referral", "data-task": id },
        h("h3", {}, withPerson && (name ?? task.for?.display) ? `Referral for ${name ?? task.for.display}` : "Referral"),
        h("p", {}, "Status: ", h("strong", {}, task.status)),
        due ? h("p", { class: overdue ? "overdue" : "" }, `Due ${formatDate(due)}${overdue ? " (overdue)" : ""}`) : null,
        withPerson && referenceOf(task.for)?.startsWith("Patient/")
            ? h("p", {}, h("a", { href: `#/person/${idOf(referenceOf(task.for))}` }, "Open the person"))
            : null,
        task.status === "requested"
            ? [
                  h("button", { type: "button", class: "accept", onclick: () => decide(acceptReferral(task), "Referral accepted", errors) }, "Accept referral"),
                  h("details", {}, h("summary", {}, "Decline"), form),
              ]
            : null,
    );
}

async function decide(task, done, errors) {
    say("Saving the decision");
    try {
        await client.update(task);
        say(done);
        await route();
        say(done);
    } catch (error) {
        errors.replaceChildren(h("p", {}, outcomeText(error)));
    }
}

function outcomeText(error) {
    const issues = error?.body?.issue ?? (typeof error?.body === "string" ? safeJson(error.body)?.issue : null);
    if (issues?.length) return issues.map((i) => i.diagnostics ?? i.details?.text ?? i.code).join("; ");
    return error?.message ?? "The server refused";
}
function safeJson(text) {
    try {
        return JSON.parse(text);
    } catch {
        return null;
    }
}

// ---- a person ----
/** A reference to a Patient on this server (relative, a plain id), nothing else. */
function isLocalPatient(reference) {
    return typeof reference === "string" && /^Patient\/[A-Za-z0-9\-.]{1,64}$/.test(reference);
}

async function personPage(id) {
    say("Loading");
    const patientRef = `Patient/${id}`;
    if (!isLocalPatient(patientRef)) {
        show("Person withheld", withheld("This person's record"));
        return;
    }
    const person = await orWithheld(client.request(patientRef));
    if (person.withheld) {
        show("Person withheld", withheld("This person's record"),
            h("p", {}, "Linkwell did not share this record with you. This is not an error: the person's consent or your caseload decides."),
            h("p", {}, h("a", { href: "#/" }, "Back to my caseload")));
        say("");
        return;
    }
    const p = encodeURIComponent(patientRef);
    const [plans, goals, tasks, consents, questionnaire, observations] = await Promise.all([
        search(`CarePlan?subject=${p}&_count=50`),
        search(`Goal?subject=${p}&_count=100`),
        search(`Task?patient=${p}&_count=100`),
        search(`Consent?patient=${p}&_count=50`),
        orWithheld(client.request("Questionnaire/ons4-wellbeing")),
        search(`Observation?patient=${p}&code=${encodeURIComponent(WELLBEING_MEASURE + "|")}&_sort=date&_count=500`),
    ]);
    const planList = plans ?? [];
    show(
        displayName(person.value),
        h("p", { class: "back" }, h("a", { href: "#/" }, "Back to my caseload")),
        h("section", { "aria-labelledby": "h-plan" }, h("h2", { id: "h-plan" }, "Action plan"),
            plans == null ? withheld("Action plan")
                : planList.length === 0 ? h("p", {}, "No action plan yet.")
                : planList.map((plan) => h("div", { class: "card plan" },
                      h("h3", {}, plan.title ?? "Action plan", " ", rag(ragOf(plan))),
                      h("p", {}, `Status: ${plan.status}`, plan.period?.end ? `; runs to ${formatDate(plan.period.end)}` : ""),
                      plan.description ? h("p", {}, plan.description) : null,
                      h("ul", {}, (plan.activity ?? []).map((a) => h("li", {}, a.detail?.description ?? a.detail?.code?.text ?? "Activity")))))),
        h("section", { "aria-labelledby": "h-goals" }, h("h2", { id: "h-goals" }, "Goals, in their words"),
            goals == null ? withheld("Goals")
                : goals.length === 0 ? h("p", {}, "No goals recorded.")
                : h("ul", { id: "goals" }, goals.map((g) => h("li", {}, h("q", {}, g.description?.text ?? "Goal"), ` (${g.lifecycleStatus})`)))),
        h("section", { "aria-labelledby": "h-referrals" }, h("h2", { id: "h-referrals" }, "Referrals"),
            tasks == null ? withheld("Referrals") : referralsOf(tasks)),
        h("section", { "aria-labelledby": "h-reviews" }, h("h2", { id: "h-reviews" }, "Reviews"),
            tasks == null ? withheld("Reviews") : reviewsOf(tasks)),
        h("section", { "aria-labelledby": "h-consent" }, h("h2", { id: "h-consent" }, "Consent to share"),
            consents == null ? withheld("Consent") : h("p", { id: "consent" }, consentSummary(consents).text)),
        h("section", { "aria-labelledby": "h-wellbeing" }, h("h2", { id: "h-wellbeing" }, "Wellbeing (ONS4)"),
            observations == null ? withheld("Wellbeing answers") : chart(observations),
            questionnaire.withheld ? withheld("The wellbeing questions")
                : wellbeingForm(questionnaire.value, patientRef, planList.find((c) => c.status === "active"))),
    );
    say("");
}

function referralsOf(tasks) {
    const referrals = tasks.filter(isReferral);
    if (referrals.length === 0) return h("p", {}, "No referrals.");
    return h("ul", { class: "cards" }, referrals.map((t) => referralCard(t, { withPerson: false })));
}

function reviewsOf(tasks) {
    const reviews = tasks.filter(isReview);
    if (reviews.length === 0) return h("p", {}, "No reviews.");
    return h("ul", { id: "reviews", class: "cards" }, reviews.map((t) => {
        const state = t.status === "requested" ? reviewState(t) : null;
        const why = t.reasonCode?.[0]?.coding?.[0]?.code ?? t.reasonCode?.[0]?.text ?? "scheduled";
        return h("li", { class: "card", "data-review": t.id, "data-status": t.status },
            `Review (${why.replaceAll("-", " ")}): ${t.status}`,
            dueDate(t) ? `, due ${formatDate(dueDate(t))}` : "",
            state === "overdue" ? h("strong", { class: "overdue" }, " (overdue)") : state === "due" ? " (due soon)" : "",
            t.status === "requested" ? reviewForm(t) : null);
    }));
}

function reviewForm(task) {
    const outcomeId = `outcome-${task.id}`;
    const ragId = `review-rag-${task.id}`;
    const errors = h("div", { class: "errors", role: "alert" });
    const form = h("form", { class: "review", novalidate: true },
        h("label", { for: outcomeId }, "What the review found"),
        h("textarea", { id: outcomeId, name: "outcome", rows: "2" }),
        h("label", { for: ragId }, "RAG after the review"),
        h("select", { id: ragId, name: "complexity" }, h("option", { value: "" }, "Keep as it is"),
            h("option", { value: "red" }, "Red"), h("option", { value: "amber" }, "Amber"), h("option", { value: "green" }, "Green")),
        errors,
        h("button", { type: "submit" }, "Complete review"));
    form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const result = completeReview(task, { outcome: form.outcome.value, complexity: form.complexity.value });
        if (result.errors) {
            errors.replaceChildren(...result.errors.map((e) => h("p", {}, e.text)));
            return;
        }
        await decide(result.task, "Review completed", errors);
    });
    return h("details", {}, h("summary", {}, "Complete this review"), form);
}

const MEASURE_STYLE = {
    "life-satisfaction": { label: "Life satisfaction", colour: "#1d4f91", dash: "" },
    worthwhile: { label: "Worthwhile", colour: "#00703c", dash: "6 3" },
    happiness: { label: "Happiness", colour: "#8a3b00", dash: "2 3" },
    anxiety: { label: "Anxiety", colour: "#6b2c91", dash: "8 3 2 3" },
};

function chart(observations) {
    const width = 320;
    const height = 160;
    const series = chartSeries(observations, { width, height });
    const count = series.reduce((n, s) => n + s.points.length, 0);
    if (count === 0) return h("p", { id: "chart", "data-points": "0" }, "No answers yet.");
    const figure = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": "chart-title", class: "chart" },
        svg("title", { id: "chart-title" }, `Wellbeing answers over time, ${count} points`),
        svg("line", { x1: 24, y1: height - 24, x2: width - 24, y2: height - 24, class: "axis" }),
        svg("line", { x1: 24, y1: 24, x2: 24, y2: height - 24, class: "axis" }),
        svg("text", { x: 2, y: 28, class: "tick" }, "10"),
        svg("text", { x: 8, y: height - 20, class: "tick" }, "0"),
        series.map((s) => {
            const style = MEASURE_STYLE[s.measure] ?? { colour: "#333", dash: "" };
            return svg("g", { "data-measure": s.measure },
                svg("polyline", { points: s.points.map((pt) => `${pt.x},${pt.y}`).join(" "), fill: "none",
                    stroke: style.colour, "stroke-width": 2, "stroke-dasharray": style.dash }),
                s.points.map((pt) => svg("circle", { cx: pt.x, cy: pt.y, r: 3.5, fill: style.colour, class: "point" },
                    svg("title", {}, `${style.label ?? s.measure} ${pt.value} on ${formatDate(pt.date)}`))));
        }));
    const table = h("table", { class: "chart-data" }, h("caption", {}, "The answers in the chart"),
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Measure"), h("th", { scope: "col" }, "Answers, oldest first"))),
        h("tbody", {}, series.map((s) => h("tr", {},
            h("th", { scope: "row" }, h("span", { class: "swatch", style: `border-color:${MEASURE_STYLE[s.measure]?.colour}` }), MEASURE_STYLE[s.measure]?.label ?? s.measure),
            h("td", {}, s.points.map((pt) => `${pt.value} (${formatDate(pt.date)})`).join(", "))))));
    return h("div", { id: "chart", "data-points": String(count) }, figure, table);
}

function wellbeingForm(questionnaire, patientRef, plan) {
    const questions = wellbeingQuestions(questionnaire);
    const errors = h("div", { class: "errors", role: "alert" });
    const today = new Date().toISOString().slice(0, 10);
    const form = h("form", { id: "wellbeing-form", "aria-labelledby": "h-record", novalidate: true },
        h("h3", { id: "h-record" }, "Record answers"),
        h("label", { for: "authored" }, "Day answered"),
        h("input", { id: "authored", name: "authored", type: "date", value: today, max: today, required: true }),
        questions.map((q) => [
            h("label", { for: `q-${q.linkId}` }, q.text, h("span", { class: "hint" }, ` (${q.min} not at all, ${q.max} completely)`)),
            h("input", { id: `q-${q.linkId}`, name: q.linkId, type: "number", inputmode: "numeric", min: q.min, max: q.max, step: 1, required: true }),
        ]),
        errors,
        h("button", { type: "submit" }, "Save answers"));
    form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const answers = Object.fromEntries(questions.map((q) => [q.linkId, form.elements[q.linkId].value]));
        const result = buildWellbeingResponse({
            questions, answers, patient: patientRef, author: client.getFhirUser(),
            authored: form.authored.value || today, basedOn: plan ? `CarePlan/${plan.id}` : undefined,
        });
        if (result.errors) {
            errors.replaceChildren(...result.errors.map((e) => h("p", {}, e.text)));
            return;
        }
        say("Saving answers");
        try {
            await client.create(result.response);
            await route();
            say("Answers saved");
        } catch (error) {
            errors.replaceChildren(h("p", {}, outcomeText(error)));
        }
    });
    return form;
}

start();
