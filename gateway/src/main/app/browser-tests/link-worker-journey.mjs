// A link worker's day in the app, in real headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core.
// Run by the gateway's LinkWorkerAppBrowserTest, which seeds the data and passes it here:
//   node link-worker-journey.mjs <gateway base URL> <scenario.json> <screenshot folder>
// Every check that fails prints "FAIL: ..." and the script exits 1; the JUnit test then fails with that output.
import { chromium } from "playwright-core";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const [base, scenarioFile, shots] = process.argv.slice(2);
if (!base || !scenarioFile || !shots) {
    console.error("usage: node link-worker-journey.mjs <base URL> <scenario.json> <screenshot folder>");
    process.exit(2);
}
const CHROMIUM = process.env.LINKWELL_CHROMIUM ?? "/usr/bin/chromium";
if (!existsSync(CHROMIUM)) {
    console.error(`FAIL: no Chromium at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium)`);
    process.exit(1);
}
const scenario = JSON.parse(readFileSync(scenarioFile, "utf8"));
mkdirSync(shots, { recursive: true });

let step = 0;
const log = (text) => console.log(`[browser] ${text}`);
function check(condition, text) {
    if (!condition) throw new Error(text);
    log(`ok: ${text}`);
}
async function shot(page, name) {
    step += 1;
    const file = join(shots, `${String(step).padStart(2, "0")}-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    log(`screenshot ${file}`);
}

/** Opens the app, signs in through the gateway's real sign-in and consent pages, and waits for the caseload. */
async function signIn(page, user, { keyboard = false, heading = "My caseload", ready = "#caseload, #caseload-empty" } = {}) {
    await page.goto(`${base}/app/`);
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    if (keyboard) {
        // Keyboard only: Tab reaches the Sign in button within a few presses, with a visible focus ring.
        for (let i = 0; i < 5; i++) {
            await page.keyboard.press("Tab");
            if ((await page.evaluate(() => document.activeElement?.textContent)) === "Sign in") break;
        }
        const focused = await page.evaluate(() => ({
            text: document.activeElement?.textContent,
            outline: getComputedStyle(document.activeElement).outlineStyle,
        }));
        check(focused.text === "Sign in" && focused.outline !== "none", "Sign in is reached by keyboard, focus visible");
        await page.keyboard.press("Enter");
    } else {
        await page.getByRole("button", { name: "Sign in" }).click();
    }
    await page.waitForURL(/\/login/);
    await shot(page, `${user.username}-sign-in-page`);
    await page.getByLabel("Username").fill(user.username);
    await page.getByLabel("Password").fill(user.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    // The consent page comes the first time this person signs in to the app (the server remembers the answer).
    await page.waitForURL(/\/oauth2\/consent|\/app\//);
    if (page.url().includes("/oauth2/consent")) {
        await shot(page, `${user.username}-consent-page`);
        await page.getByRole("button", { name: "Allow" }).click();
    }
    await page.waitForURL(/\/app\/($|#)/);
    await page.getByRole("heading", { level: 1, name: heading }).waitFor();
    await page.locator(ready).first().waitFor();
}

/** A call with the token the signed-in person's app holds (fhirclient keeps it in sessionStorage): the status. */
async function withOwnToken(page, path, method = "GET") {
    return page.evaluate(async ({ path, method }) => {
        const key = JSON.parse(sessionStorage.getItem("SMART_KEY"));
        const state = JSON.parse(sessionStorage.getItem(key));
        const response = await fetch(path, { method, headers: { Authorization: `Bearer ${state.tokenResponse.access_token}` } });
        return response.status;
    }, { path, method });
}

async function caseloadRows(page) {
    return page.locator("#caseload tbody tr").evaluateAll((rows) =>
        rows.map((row) => ({
            id: row.getAttribute("data-patient"),
            text: row.textContent,
            withheld: row.querySelector("[data-withheld]") !== null,
        })),
    );
}

async function chartPoints(page) {
    await page.locator("#chart").waitFor();
    return Number(await page.locator("#chart").getAttribute("data-points"));
}

async function answerWellbeing(page, day, answers) {
    const before = await chartPoints(page);
    const form = page.locator("#wellbeing-form");
    await form.getByLabel("Day answered").fill(day);
    const labels = {
        "life-satisfaction": "how satisfied are you with your life",
        worthwhile: "things you do in your life are worthwhile",
        happiness: "how happy did you feel yesterday",
        anxiety: "how anxious did you feel yesterday",
    };
    for (const [linkId, value] of Object.entries(answers)) {
        await form.getByLabel(labels[linkId], { exact: false }).fill(String(value));
    }
    await form.getByRole("button", { name: "Save answers" }).click();
    await page.locator("#status", { hasText: "Answers saved" }).waitFor();
    // The page is drawn again from the server's answer: wait for the new chart, not the old one.
    await page.waitForFunction(
        (n) => Number(document.querySelector("#chart")?.getAttribute("data-points")) !== n,
        before,
    );
}

const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
const failures = [];
try {
    // ---- a crafted link naming another server: the app still signs in at its own gateway ----
    const crafted = await browser.newContext();
    const lure = await crafted.newPage();
    await lure.goto(`${base}/app/?iss=${encodeURIComponent("https://example.invalid/fhir")}`);
    await lure.getByRole("button", { name: "Sign in" }).click();
    await lure.waitForURL(/\/login/);
    check(lure.url().startsWith(base), `a link with another server's iss signs in at the gateway (${new URL(lure.url()).origin})`);
    await crafted.close();

    // ---- the first link worker, on a phone-sized screen ----
    const first = scenario.first;
    const context = await browser.newContext({ viewport: { width: 375, height: 740 } });
    const page = await context.newPage();
    page.on("pageerror", (error) => failures.push(`page error: ${error.message}`));
    await signIn(page, first, { keyboard: true });
    await shot(page, "first-caseload");

    const rows = await caseloadRows(page);
    const expected = [...first.people.map((p) => p.id), first.withheld.id].sort();
    check(
        JSON.stringify(rows.map((r) => r.id).sort()) === JSON.stringify(expected),
        `the caseload lists exactly the first worker's ${expected.length} people (got ${rows.map((r) => r.id)})`,
    );
    for (const person of first.people) {
        const row = rows.find((r) => r.id === person.id);
        check(row.text.includes(person.name), `${person.id} is shown by name`);
        check(row.text.includes(person.rag), `${person.id} has RAG as a word (${person.rag})`);
    }
    const hidden = rows.find((r) => r.id === first.withheld.id);
    check(hidden.withheld && hidden.text.includes("Withheld"), "the person whose Consent excludes the team shows as withheld");
    check(!hidden.text.includes(first.withheld.name), "and their name is not shown");
    for (const other of scenario.second.people) {
        check(!rows.some((r) => r.id === other.id), `the second worker's person ${other.id} is not listed`);
    }
    const referral = page.locator(`#referrals li[data-task="${first.referral.taskId}"]`);
    check((await referral.count()) === 1, "the referral waiting for the team is listed");
    check(/Due \d{1,2} \w{3} \d{4}/.test(await referral.textContent()), "with its due date");
    // A referral addressed to the team for a person not on the caseload: found by the team's worklist search.
    const newcomer = page.locator(`#referrals li[data-task="${first.newcomer.taskId}"]`);
    check((await newcomer.count()) === 1, "the referral for a person not on the caseload, addressed to the team, is listed");
    const newcomerText = await newcomer.textContent();
    check(/Due \d{1,2} \w{3} \d{4}/.test(newcomerText), "with its due date");
    check(newcomerText.includes("person not on your caseload yet"), "saying the person is not on the caseload yet");
    check(!newcomerText.includes(first.newcomer.family), "without the person's name");
    check((await page.locator("#referrals li").count()) === new Set(await page.locator("#referrals li").evaluateAll(
        (cards) => cards.map((c) => c.getAttribute("data-task")))).size, "each referral is listed once");

    // ---- a person: plan, goals, consent, wellbeing chart and two responses ----
    const person = first.people[0];
    await page.getByRole("link", { name: person.name }).click();
    await page.getByRole("heading", { level: 1, name: person.name }).waitFor();
    check((await page.locator("#goals").textContent()).includes(person.goal), "the goal is shown in the person's words");
    check((await page.locator("#consent").textContent()).includes("Consent to share recorded"), "consent status is shown");
    const before = await chartPoints(page);
    check(before === 0, `the chart starts empty (${before} points)`);
    await shot(page, "person-before-answers");
    await answerWellbeing(page, "2026-10-01", { "life-satisfaction": 4, worthwhile: 5, happiness: 3, anxiety: 8 });
    const once = await chartPoints(page);
    check(once === 4, `after one response the chart has 4 points (${once})`);
    await shot(page, "person-one-response");
    await answerWellbeing(page, "2026-12-01", { "life-satisfaction": 6, worthwhile: 7, happiness: 6, anxiety: 4 });
    const twice = await chartPoints(page);
    check(twice === 8, `after two responses the chart has 8 points (${twice})`);
    await shot(page, "person-two-responses");
    // An answer out of range is refused in the form, naming the question, and nothing is sent.
    await page.locator("#wellbeing-form").getByLabel("how happy did you feel yesterday").fill("11");
    await page.locator("#wellbeing-form").getByRole("button", { name: "Save answers" }).click();
    await page.locator("#wellbeing-form .errors", { hasText: "Happiness: answer with a whole number from 0 to 10" }).waitFor();
    check((await chartPoints(page)) === 8, "an out-of-range answer adds nothing");

    // ---- complete the person's open review, finding them amber: the next one opens, the case turns amber ----
    const openReview = page.locator('#reviews li[data-status="requested"]').first();
    const reviewId = await openReview.getAttribute("data-review");
    await openReview.locator("summary", { hasText: "Complete this review" }).click();
    await openReview.getByLabel("What the review found").fill("Going to the allotment again; money worries remain");
    await openReview.getByLabel("RAG after the review").selectOption("amber");
    await shot(page, "review-form");
    await openReview.getByRole("button", { name: "Complete review" }).click();
    await page.locator("#status", { hasText: "Review completed" }).waitFor();
    await page.locator(`#reviews li[data-review="${reviewId}"][data-status="completed"]`).waitFor();
    check((await page.locator('#reviews li[data-status="requested"]').count()) === 1, "the next review is open");
    await shot(page, "review-completed");

    // ---- decline the waiting referral with a coded reason and an alternative ----
    await page.getByRole("link", { name: "Back to my caseload" }).click();
    await page.getByRole("heading", { level: 1, name: "My caseload" }).waitFor();
    const afterReview = (await caseloadRows(page)).find((r) => r.id === person.id);
    check(afterReview.text.includes("Amber"), "the case is amber after the review found it so");
    const card = page.locator(`#referrals li[data-task="${first.referral.taskId}"]`);
    await card.locator("summary", { hasText: "Decline" }).click();
    await card.getByLabel("Reason for declining").selectOption({ label: "Needs better met by another service" });
    await card.getByLabel("Alternative services").fill("Citizens Advice debt clinic");
    await shot(page, "decline-form");
    await card.getByRole("button", { name: "Decline referral" }).click();
    await page.locator("#status", { hasText: "Referral declined" }).waitFor();
    await page.locator(`#referrals li[data-task="${first.referral.taskId}"]`).waitFor({ state: "detached" });
    await page.getByRole("heading", { level: 1, name: "My caseload" }).waitFor();
    check((await page.locator(`#referrals li[data-task="${first.referral.taskId}"]`).count()) === 0, "the declined referral no longer waits");
    await shot(page, "referral-declined");

    // ---- decline the referral for the person not on the caseload, from the team's worklist ----
    const newcomerCard = page.locator(`#referrals li[data-task="${first.newcomer.taskId}"]`);
    await newcomerCard.locator("summary", { hasText: "Decline" }).click();
    await newcomerCard.getByLabel("Reason for declining").selectOption({ label: "Needs better met by another service" });
    await newcomerCard.getByLabel("Alternative services").fill("Community men's shed");
    await newcomerCard.getByRole("button", { name: "Decline referral" }).click();
    await page.locator("#status", { hasText: "Referral declined" }).waitFor();
    await page.locator(`#referrals li[data-task="${first.newcomer.taskId}"]`).waitFor({ state: "detached" });
    await page.getByRole("heading", { level: 1, name: "My caseload" }).waitFor();
    check((await page.locator(`#referrals li[data-task="${first.newcomer.taskId}"]`).count()) === 0,
        "the declined referral for the person not on the caseload no longer waits");
    await shot(page, "newcomer-referral-declined");

    // ---- accept the second referral: the case waits for allocation; allocate it over the worker's cap ----
    const toAllocate = first.allocation;
    const secondReferral = page.locator(`#referrals li[data-task="${toAllocate.referralTaskId}"]`);
    await secondReferral.getByRole("button", { name: "Accept referral" }).click();
    await page.locator("#status", { hasText: "Referral accepted" }).waitFor();
    const waitingCase = page.locator("#allocations li", { hasText: `Case for ${person.name}` });
    await waitingCase.waitFor();
    check((await page.locator(`#referrals li[data-task="${toAllocate.referralTaskId}"]`).count()) === 0, "the accepted referral no longer waits");
    await waitingCase.getByLabel("Worker", { exact: true }).selectOption({ label: toAllocate.workerName });
    await waitingCase.getByLabel("RAG", { exact: true }).selectOption("amber");
    await shot(page, "allocation-form");
    await waitingCase.getByRole("button", { name: "Allocate case" }).click();
    await waitingCase.locator(".errors", { hasText: "caseload cap" }).waitFor();
    const capText = await waitingCase.locator(".errors").textContent();
    check(/care manager of 3 active cases and their cap is 3/.test(capText), `the over-cap refusal is shown (${capText.trim()})`);
    const reason = waitingCase.getByLabel("Reason for allocating over the worker's cap");
    check(await reason.isVisible(), "and the app asks for the reason");
    check(await reason.evaluate((el) => el === document.activeElement), "with the focus on the reason");
    await shot(page, "allocation-over-cap-refused");
    await reason.fill(toAllocate.reason);
    await waitingCase.getByRole("button", { name: "Allocate case" }).click();
    await page.locator("#status", { hasText: "Case allocated" }).waitFor();
    check((await page.locator("#allocations li", { hasText: `Case for ${person.name}` }).count()) === 0, "the allocated case no longer waits");
    await shot(page, "case-allocated");

    // ---- record Bo's written consent: the new status shows ----
    const consentFor = first.consent;
    await page.getByRole("link", { name: consentFor.personName }).click();
    await page.getByRole("heading", { level: 1, name: consentFor.personName }).waitFor();
    check((await page.locator("#consent").textContent()).includes("(verbal)"), "Bo's consent was recorded verbally before");
    await page.locator("summary", { hasText: "Record consent" }).click();
    const consentForm = page.locator("#consent-form");
    await consentForm.getByLabel("Yes, they agree to share with the team").check();
    await consentForm.getByLabel("In writing (signed form)").check();
    await shot(page, "consent-form");
    await consentForm.getByRole("button", { name: "Record consent" }).click();
    await page.locator("#status", { hasText: "Consent recorded" }).waitFor();
    const consentNow = await page.locator("#consent").textContent();
    check(consentNow.includes("Consent to share recorded (written)"), `the new consent status shows (${consentNow})`);
    await shot(page, "consent-recorded");

    // ---- a link worker has no operator page, and the gateway refuses their token at /admin ----
    await page.goto(`${base}/app/#/operator`);
    await page.getByRole("heading", { level: 1, name: "My caseload" }).waitFor();
    check((await page.locator("#message-counts").count()) === 0, "a link worker typing #/operator gets their caseload, no operator page");
    for (const [path, method] of [["/admin/messages?status=failed", "GET"], ["/admin/deliveries", "GET"],
        [`/admin/messages/${scenario.operator.failedMessageId}/reprocess`, "POST"]]) {
        const refused = await withOwnToken(page, path, method);
        check(refused === 403, `the link worker's own token is refused at ${method} ${path} (${refused})`);
    }

    // ---- the withheld person, opened directly ----
    await page.goto("about:blank");
    await page.goto(`${base}/app/#/person/${first.withheld.id}`);
    await page.getByRole("heading", { level: 1, name: "Person withheld" }).waitFor();
    check(!(await page.content()).includes(first.withheld.name), "the withheld person's page shows no name");
    await shot(page, "withheld-person");
    await context.close();

    // ---- the second link worker: their own caseload only, and not the first one's people even by URL ----
    const second = scenario.second;
    const context2 = await browser.newContext({ viewport: { width: 1024, height: 768 } });
    const page2 = await context2.newPage();
    page2.on("pageerror", (error) => failures.push(`page error: ${error.message}`));
    await signIn(page2, second);
    await shot(page2, "second-caseload");
    const rows2 = await caseloadRows(page2);
    check(
        JSON.stringify(rows2.map((r) => r.id).sort()) === JSON.stringify(second.people.map((p) => p.id).sort()),
        `the second worker's caseload is exactly their ${second.people.length} people (got ${rows2.map((r) => r.id)})`,
    );
    const content2 = await page2.content();
    for (const p of [...first.people, first.withheld]) {
        check(!content2.includes(p.name), `the first worker's person ${p.id} is not on the second's page`);
    }
    await page2.goto("about:blank");
    await page2.goto(`${base}/app/#/person/${person.id}`);
    await page2.getByRole("heading", { level: 1, name: "Person withheld" }).waitFor();
    check(!(await page2.content()).includes(person.name), "typing the first worker's person's URL shows them withheld, no name");
    await shot(page2, "second-types-first-persons-url");
    await context2.close();

    // ---- the operator: messages, deliveries and figures; reprocesses the failed message ----
    const operator = scenario.operator;
    const context3 = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page3 = await context3.newPage();
    page3.on("pageerror", (error) => failures.push(`page error: ${error.message}`));
    await signIn(page3, operator, { heading: "Operator", ready: "#message-counts" });
    const counts = await page3.locator("#message-counts tbody tr").evaluateAll((rows) =>
        rows.map((r) => r.getAttribute("data-status")));
    check(["received", "done", "failed", "rejected"].every((s) => counts.includes(s)), `messages are counted by status (${counts})`);
    check(Number(await page3.locator('#message-counts tr[data-status="failed"] td').textContent()) >= 1, "at least one failed message is counted");
    await page3.locator("#delivery-counts").waitFor();
    check((await page3.locator("#delivery-counts tbody tr").count()) >= 5, "deliveries are counted by status");
    const failedRow = page3.locator(`#messages tr[data-message="${operator.failedMessageId}"]`);
    await failedRow.waitFor();
    check((await failedRow.textContent()).includes("more than once"), "the failed message says why it failed");
    const figureRows = await page3.locator("#figures tbody tr").count();
    check(figureRows === 6, `six service figures are listed (${figureRows})`);
    check(Number(await page3.locator("#figures-chart").getAttribute("data-bars")) === 5, "five proportions are drawn as bars");
    await shot(page3, "operator-page");
    const year = new Date().toLocaleDateString("en-GB", { timeZone: "Europe/London", year: "numeric" });
    check((await page3.locator("#figures-period-words").textContent()).includes(" to "), "the figures say their period");
    await page3.getByLabel("Period").selectOption("year");
    await page3.locator("#figures-period-words", { hasText: `From 1 Jan ${year} to 31 Dec ${year}` }).waitFor();
    await page3.locator("#status:empty").waitFor({ state: "attached" });
    check((await page3.locator("#figures tbody tr").count()) === 6, "the figures are shown for this year");
    await shot(page3, "operator-figures-this-year");
    // Reprocess the failed message (its cause, a duplicate record, has been removed): it lands.
    await page3.getByRole("button", { name: `Reprocess message ${operator.failedMessageId}` }).click();
    await page3.locator("#status", { hasText: `Message ${operator.failedMessageId} sent for reprocessing` }).waitFor();
    let landed = false;
    for (let i = 0; i < 30 && !landed; i++) {
        await page3.getByLabel("Show messages that are").selectOption(i % 2 === 0 ? "done" : "received");
        await page3.locator("#messages, #messages-empty").first().waitFor();
        landed = (await page3.locator(`#messages tr[data-message="${operator.failedMessageId}"][data-status="done"]`).count()) === 1;
        if (!landed) await page3.waitForTimeout(500);
    }
    check(landed, "the reprocessed message is done");
    await shot(page3, "operator-message-reprocessed");
    // The operator's token reaches no one's record through the app: the gateway narrowed its scopes.
    check((await withOwnToken(page3, "/fhir/Patient?_count=1")) === 403, "the operator's app token cannot search Patients");
    await context3.close();
} catch (error) {
    failures.push(error.stack ?? String(error));
} finally {
    await browser.close();
}
if (failures.length > 0) {
    for (const f of failures) console.log(`FAIL: ${f}`);
    process.exit(1);
}
log("all steps passed");
