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
    mergeTasks,
    orWithheld,
    referralPerson,
    teamOrganisations,
    ragOf,
    referenceOf,
    reviewState,
    summariseCaseload,
    allocateCase,
    barChart,
    buildConsent,
    deliveryRows,
    figureOf,
    figureText,
    isOperator,
    isOverCap,
    measurePeriod,
    messageRows,
    problemText,
    statusCounts,
    teamWorkers,
    tokenClaims,
    waitingAllocations,
    outcomeMessage,
    DELIVERY_STATUSES,
    MESSAGE_STATUSES,
    SERVICE_MEASURES,
    valueSetOptions,
    waitingReferrals,
    wellbeingQuestions,
} from "./logic.js";

const CLIENT_ID = "demo-app";
const SCOPE =
    "openid fhirUser offline_access user/Patient.rs user/Practitioner.rs user/EpisodeOfCare.rs user/CarePlan.rs " +
    "user/Goal.rs user/ServiceRequest.rs user/Task.rus user/Consent.crs user/Questionnaire.rs " +
    "user/QuestionnaireResponse.crs user/Observation.rs user/PractitionerRole.rs user/Measure.rs";
const WANTED_ROUTE = "linkwell.app.route";

const main = document.getElementById("main");
const status = document.getElementById("status");
let client;
/** Whether the signed-in person is an operator: read from the token for the app's choice of page only. */
let operator = false;

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
    operator = isOperator(tokenClaims(client.state.tokenResponse?.access_token));
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
        // An operator has the operator page only; a link worker never gets it, whatever the address says (and the
        // gateway refuses a link worker's token at /admin anyway).
        if (operator) await operatorPage();
        else if (person) await personPage(person[1]);
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
    const names = new Map(people.filter((p) => !p.person.withheld).map((p) => [p.row.patient, displayName(p.person.value)]));
    // The team's worklist reaches referrals for people not on the caseload yet: merged with the caseload's.
    const waiting = waitingReferrals(mergeTasks(tasks, await teamReferralTasks(me)));
    const withheldPeople = await referralPeople(waiting, names, new Set(rows.map((r) => r.patient)));
    show(
        "My caseload",
        rows.length ? h("div", { class: "table-wrap" }, table) : h("p", { id: "caseload-empty" }, "No active cases."),
        h("h2", {}, "Referrals waiting"),
        waiting.length
            ? h("ul", { id: "referrals", class: "cards" }, waiting.map((t) => referralCard(t, { person: referralPerson(t, names, withheldPeople) })))
            : h("p", {}, "No referrals waiting."),
        h("h2", {}, "Cases waiting for allocation"),
        await allocationsSection(tasks, names),
    );
    say("");
}

/**
 * The referrals addressed to the worker's team(s): the team Organizations from the worker's PractitionerRoles, then
 * Task?owner=<team>&status=requested for each, which the gateway does not narrow to the caseload (each Task found
 * still passes its read rules and the person's consent).
 */
async function teamReferralTasks(me) {
    if (!me) return [];
    const roles = (await search(`PractitionerRole?practitioner=${encodeURIComponent(me)}&_count=50`)) ?? [];
    const found = await Promise.all(teamOrganisations(roles).map((team) =>
        search(`Task?owner=${encodeURIComponent(team)}&status=requested&_count=200`)));
    return found.flatMap((tasks) => tasks ?? []);
}

/**
 * The people of waiting referrals who are not on the caseload, read where the gateway shares them (their names
 * added to names): the set of those it withholds, who are not on the worker's caseload yet.
 */
async function referralPeople(waiting, names, caseload) {
    const withheld = new Set();
    const unread = [...new Set(waiting.map((t) => referenceOf(t.for)).filter((ref) => ref && !names.has(ref) && !caseload.has(ref)))];
    await Promise.all(unread.map(async (ref) => {
        // Only a reference on this server: the token must never go to an address a record names.
        const person = isLocalPatient(ref) ? await orWithheld(client.request(ref)) : { withheld: true };
        if (person.withheld) withheld.add(ref);
        else names.set(ref, displayName(person.value));
    }));
    return withheld;
}

// ---- allocation: a waiting case to a worker of the team, with a reason when it takes them over their cap ----
async function allocationsSection(tasks, names) {
    const waiting = waitingAllocations(tasks);
    if (waiting.length === 0) return h("p", {}, "No cases waiting for allocation.");
    const teams = [...new Set(waiting.map((t) => referenceOf(t.owner)).filter((r) => /^Organization\/[A-Za-z0-9\-.]{1,64}$/.test(r ?? "")))];
    const workers = new Map();
    for (const team of teams) {
        const found = await orWithheld(client.request(
            `PractitionerRole?organization=${encodeURIComponent(team)}&_include=PractitionerRole:practitioner&_count=100`,
            { flat: false }));
        workers.set(team, found.withheld ? [] : teamWorkers(found.value));
    }
    return h("ul", { id: "allocations", class: "cards" },
        waiting.map((t) => allocationCard(t, workers.get(referenceOf(t.owner)) ?? [], names.get(referenceOf(t.for)))));
}

function allocationCard(task, workers, name) {
    const id = task.id;
    const errors = h("div", { class: "errors", role: "alert" });
    const current = ragOf(task).level;
    const reasonBox = h("div", { class: "over-cap", hidden: true },
        h("label", { for: `over-cap-${id}` }, "Reason for allocating over the worker's cap"),
        h("textarea", { id: `over-cap-${id}`, name: "overCapReason", rows: "2" }));
    const form = h("form", { class: "allocate", "aria-label": "Allocate this case", novalidate: true },
        h("label", { for: `worker-${id}` }, "Worker"),
        h("select", { id: `worker-${id}`, name: "worker" }, h("option", { value: "" }, "Choose a worker"),
            workers.map((w) => h("option", { value: w.reference }, w.name))),
        h("label", { for: `allocation-rag-${id}` }, "RAG"),
        h("select", { id: `allocation-rag-${id}`, name: "complexity" }, h("option", { value: "" }, "Choose a RAG"),
            ["red", "amber", "green"].map((c) => h("option", { value: c, selected: c === current }, c[0].toUpperCase() + c.slice(1)))),
        reasonBox,
        errors,
        h("button", { type: "submit" }, "Allocate case"));
    form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const result = allocateCase(task, {
            worker: form.worker.value, complexity: form.complexity.value, overCapReason: form.overCapReason.value,
        });
        if (result.errors) {
            errors.replaceChildren(...result.errors.map((e) => h("p", {}, e.text)));
            return;
        }
        say("Allocating the case");
        try {
            await client.update(result.task);
            await route();
            say("Case allocated");
        } catch (error) {
            const text = outcomeText(error);
            errors.replaceChildren(h("p", {}, text));
            if (isOverCap(error?.status ?? error?.statusCode, text)) {
                // The gateway allocates over the cap when the Task says why: ask for the reason.
                reasonBox.hidden = false;
                form.overCapReason.focus();
            }
            say("The case was not allocated");
        }
    });
    return h("li", { class: "card allocation", "data-task": id },
        h("h3", {}, name ? `Case for ${name}` : "Case waiting for allocation"),
        h("p", {}, "RAG: ", rag(ragOf(task))),
        task.authoredOn ? h("p", {}, `Waiting since ${formatDate(task.authoredOn)}`) : null,
        workers.length ? form : h("p", {}, "No workers of the team are listed to allocate to."));
}

// ---- a referral: accept, or decline with a coded reason and alternatives ----
const DECLINE_REASONS = valueSetOptions(declineValueSet, [declineCodeSystem]);

function referralCard(task, { withPerson = true, person = { onCaseload: true } } = {}) {
    const name = person.name;
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
        h("h3", {}, withPerson && name ? `Referral for ${name}` : "Referral"),
        withPerson && !person.onCaseload ? h("p", { class: "not-on-caseload", "data-not-on-caseload": "" }, `For a ${person.text}`) : null,
        h("p", {}, "Status: ", h("strong", {}, task.status)),
        due ? h("p", { class: overdue ? "overdue" : "" }, `Due ${formatDate(due)}${overdue ? " (overdue)" : ""}`) : null,
        withPerson && person.onCaseload && referenceOf(task.for)?.startsWith("Patient/")
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
    return outcomeMessage(error);
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
    const [plans, goals, tasks, consents, questionnaire, observations, episodes] = await Promise.all([
        search(`CarePlan?subject=${p}&_count=50`),
        search(`Goal?subject=${p}&_count=100`),
        search(`Task?patient=${p}&_count=100`),
        search(`Consent?patient=${p}&_count=50`),
        orWithheld(client.request("Questionnaire/ons4-wellbeing")),
        search(`Observation?patient=${p}&code=${encodeURIComponent(WELLBEING_MEASURE + "|")}&_sort=date&_count=500`),
        search(`EpisodeOfCare?patient=${p}&status=active&_count=20`),
    ]);
    const team = referenceOf((episodes ?? []).find((e) => e.managingOrganization)?.managingOrganization);
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
            consents == null ? withheld("Consent") : h("p", { id: "consent" }, consentSummary(consents).text),
            consentForm(patientRef, team)),
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

function consentForm(patientRef, team) {
    const errors = h("div", { class: "errors", role: "alert" });
    const radio = (name, value, label, checked) => h("div", { class: "choice" },
        h("input", { type: "radio", id: `${name}-${value}`, name, value, checked }),
        h("label", { for: `${name}-${value}` }, label));
    const form = h("form", { id: "consent-form", novalidate: true },
        h("fieldset", {}, h("legend", {}, "Does the person agree to share?"),
            radio("decision", "permit", "Yes, they agree to share with the team", true),
            radio("decision", "deny", "No, they refuse sharing", false)),
        h("fieldset", {}, h("legend", {}, "How was consent given?"),
            radio("method", "verbal", "Verbally (noted in the case)", false),
            radio("method", "written", "In writing (signed form)", false)),
        h("div", { class: "choice" },
            h("input", { type: "checkbox", id: "best-interest", name: "bestInterest" }),
            h("label", { for: "best-interest" }, "The person lacks capacity to decide: I record a best-interest decision")),
        errors,
        h("button", { type: "submit" }, "Record consent"));
    form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const result = buildConsent({
            patient: patientRef,
            decision: form.decision.value,
            method: form.method.value,
            bestInterest: form.bestInterest.checked,
            recordedBy: client.getFhirUser(),
            team,
            dateTime: new Date().toISOString(),
        });
        if (result.errors) {
            errors.replaceChildren(...result.errors.map((e) => h("p", {}, e.text)));
            return;
        }
        say("Recording consent");
        try {
            await client.create(result.consent);
            await route();
            say("Consent recorded");
        } catch (error) {
            errors.replaceChildren(h("p", {}, outcomeText(error)));
        }
    });
    return h("details", {}, h("summary", {}, "Record consent"), form);
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

// ---- the operator page (role admin): inbound messages, outbound deliveries, the service's figures ----
const operatorView = { messages: "failed", deliveries: "dead", period: "month" };

/** A call to the gateway's /admin API with the signed-in operator's token: {status, body}. */
async function admin(path, { method = "GET" } = {}) {
    const url = new URL(`../admin/${path}`, window.location.href.split(/[?#]/)[0]);
    const response = await fetch(url, {
        method,
        headers: { Authorization: `Bearer ${client.state.tokenResponse.access_token}`, Accept: "application/json" },
    });
    const text = await response.text();
    let body = null;
    try {
        body = text ? JSON.parse(text) : null;
    } catch {
        body = null;
    }
    return { status: response.status, ok: response.ok, body };
}

function countsTable(id, caption, rows) {
    return h("table", { id, class: "counts" }, h("caption", {}, caption),
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Status"), h("th", { scope: "col" }, "Count"))),
        h("tbody", {}, rows.map((r) => h("tr", { "data-status": r.status },
            h("th", { scope: "row" }, r.status), h("td", {}, String(r.count))))));
}

function statusPicker(id, label, statuses, chosen, onchange) {
    return h("p", {}, h("label", { for: id }, label), " ",
        h("select", { id, onchange: (e) => onchange(e.target.value) },
            statuses.map((st) => h("option", { value: st, selected: st === chosen }, st))));
}

async function operatorPage() {
    say("Loading the operator page");
    const { periodStart, periodEnd } = measurePeriod(operatorView.period);
    const [messages, deliveries, figures] = await Promise.all([
        admin(`messages?status=${encodeURIComponent(operatorView.messages)}&limit=50`),
        admin(`deliveries?status=${encodeURIComponent(operatorView.deliveries)}&limit=50`),
        Promise.all(SERVICE_MEASURES.map(async (m) => {
            const report = await orWithheld(client.request(
                `Measure/${m.id}/$evaluate-measure?periodStart=${periodStart}&periodEnd=${periodEnd}`));
            return report.withheld ? { label: m.label, kind: "withheld" } : figureOf(report.value, m.label);
        })),
    ]);
    const refresh = (key) => async (value) => {
        operatorView[key] = value;
        await operatorPage();
    };
    show(
        "Operator",
        h("section", { "aria-labelledby": "h-messages" }, h("h2", { id: "h-messages" }, "Inbound messages"),
            messages.ok ? [
                countsTable("message-counts", "Messages by status", statusCounts(messages.body?.queue?.byStatus, MESSAGE_STATUSES)),
                statusPicker("message-status", "Show messages that are", MESSAGE_STATUSES, operatorView.messages, refresh("messages")),
                messageTable(messageRows(messages.body)),
            ] : h("p", { class: "errors" }, problemText(messages.status, messages.body))),
        h("section", { "aria-labelledby": "h-deliveries" }, h("h2", { id: "h-deliveries" }, "Outbound deliveries"),
            deliveries.ok ? [
                countsTable("delivery-counts", "Deliveries by status", statusCounts(deliveries.body?.byStatus, DELIVERY_STATUSES)),
                statusPicker("delivery-status", "Show deliveries that are", DELIVERY_STATUSES, operatorView.deliveries, refresh("deliveries")),
                deliveryTable(deliveryRows(deliveries.body)),
            ] : h("p", { class: "errors" }, problemText(deliveries.status, deliveries.body))),
        h("section", { "aria-labelledby": "h-figures" }, h("h2", { id: "h-figures" }, "The service's figures"),
            h("p", {}, h("label", { for: "figures-period" }, "Period"), " ",
                h("select", { id: "figures-period", onchange: (e) => refresh("period")(e.target.value) },
                    h("option", { value: "month", selected: operatorView.period === "month" }, "This month"),
                    h("option", { value: "year", selected: operatorView.period === "year" }, "This year"))),
            h("p", { id: "figures-period-words" }, `From ${formatDate(periodStart)} to ${formatDate(periodEnd)}`),
            figuresChart(figures)),
    );
    say("");
}

function messageTable(rows) {
    if (rows.length === 0) return h("p", { id: "messages-empty" }, "No messages with this status.");
    return h("div", { class: "table-wrap" }, h("table", { id: "messages" },
        h("caption", {}, `${rows.length} ${rows.length === 1 ? "message" : "messages"}`),
        h("thead", {}, h("tr", {}, ["Id", "Source", "Type", "Received", "Status", "Reason", ""].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, rows.map((m) => h("tr", { "data-message": String(m.id), "data-status": m.status },
            h("td", {}, String(m.id)), h("td", {}, m.source), h("td", {}, m.type),
            h("td", {}, m.receivedAt ? formatDate(m.receivedAt) : ""), h("td", {}, m.status), h("td", {}, m.error),
            h("td", {}, m.reprocessable
                ? h("button", { type: "button", "aria-label": `Reprocess message ${m.id}`, onclick: () => act(`messages/${m.id}/reprocess`, `Message ${m.id} sent for reprocessing`) }, "Reprocess")
                : null))))));
}

function deliveryTable(rows) {
    if (rows.length === 0) return h("p", { id: "deliveries-empty" }, "No deliveries with this status.");
    return h("div", { class: "table-wrap" }, h("table", { id: "deliveries" },
        h("caption", {}, `${rows.length} ${rows.length === 1 ? "delivery" : "deliveries"}`),
        h("thead", {}, h("tr", {}, ["Id", "Event", "Channel", "Status", "Attempts", "Last answer", ""].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, rows.map((d) => h("tr", { "data-delivery": String(d.id), "data-status": d.status },
            h("td", {}, String(d.id)), h("td", {}, d.event), h("td", {}, d.channel), h("td", {}, d.status),
            h("td", {}, String(d.attempts)), h("td", {}, d.answer),
            h("td", {}, d.retryable
                ? h("button", { type: "button", "aria-label": `Retry delivery ${d.id}`, onclick: () => act(`deliveries/${d.id}/retry`, `Delivery ${d.id} queued again`) }, "Retry")
                : null))))));
}

async function act(path, done) {
    say("Working");
    const answer = await admin(path, { method: "POST" });
    if (!answer.ok) {
        say(problemText(answer.status, answer.body));
        return;
    }
    await operatorPage();
    say(done);
}

/** Proportions as bars on one 0-100% scale, counts in words beside; the table says every figure in words. */
function figuresChart(figures) {
    const proportions = figures.filter((f) => f.kind === "proportion");
    const width = 340;
    const labelWidth = 170;
    const chart = barChart(proportions.map((f) => ({ label: f.label, value: f.percent })), { width, labelWidth, max: 100 });
    const figure = svg("svg", { viewBox: `0 0 ${width} ${chart.height}`, role: "img", "aria-labelledby": "figures-title", class: "chart bars" },
        svg("title", { id: "figures-title" }, "The service's proportions, as percentages"),
        chart.bars.map((b, i) => svg("g", { "data-measure": b.label },
            svg("text", { x: 0, y: b.y + b.height - 4, class: "tick" }, b.label),
            svg("rect", { x: b.x, y: b.y, width: b.width, height: b.height, class: "bar" }),
            svg("text", { x: b.x + b.width + 4, y: b.y + b.height - 4, class: "tick" },
                proportions[i].percent === null ? "none" : `${proportions[i].percent}%`))));
    const table = h("table", { id: "figures", class: "chart-data" }, h("caption", {}, "The figures in words"),
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Figure"), h("th", { scope: "col" }, "Value"))),
        h("tbody", {}, figures.map((f) => h("tr", { "data-kind": f.kind },
            h("th", { scope: "row" }, f.label), h("td", {}, f.kind === "withheld" ? "withheld" : figureText(f))))));
    return h("div", { id: "figures-chart", "data-bars": String(chart.bars.length) }, proportions.length ? figure : null, table);
}

start();
