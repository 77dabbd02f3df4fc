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
async function signIn(page, user, { keyboard = false } = {}) {
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
    await page.getByRole("heading", { level: 1, name: "My caseload" }).waitFor();
    await page.locator("#caseload, #caseload-empty").first().waitFor();
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
