import { describe, expect, it } from "vitest";
import {
    BEST_INTEREST,
    CONSENT_METHOD,
    CONSENT_RECORDED_BY,
    OVER_CAP_REASON,
    allocateCase,
    barChart,
    buildConsent,
    consentSummary,
    deliveryRows,
    figureOf,
    figureText,
    isOperator,
    isOverCap,
    measurePeriod,
    messageRows,
    outcomeMessage,
    problemText,
    ragOf,
    statusCounts,
    teamWorkers,
    tokenClaims,
    waitingAllocations,
    MESSAGE_STATUSES,
} from "./logic.js";

const jwt = (claims) =>
    ["e30", Buffer.from(JSON.stringify(claims)).toString("base64url"), "sig"].join(".");

describe("who is signed in", () => {
    it("reads the token's claims to choose the page, and knows an operator by role", () => {
        expect(tokenClaims(jwt({ role: "admin", fhirUser: "Practitioner/op" }))).toEqual({ role: "admin", fhirUser: "Practitioner/op" });
        expect(isOperator(tokenClaims(jwt({ role: "admin" })))).toBe(true);
        expect(isOperator(tokenClaims(jwt({ role: "link-worker-app" })))).toBe(false);
    });
    it("reads nothing from an opaque or broken token", () => {
        expect(tokenClaims("opaque-token")).toBeNull();
        expect(tokenClaims("a.%%%.c")).toBeNull();
        expect(isOperator(null)).toBe(false);
    });
});

describe("the operator page", () => {
    it("counts every status in order, zero where none, and any other after", () => {
        expect(statusCounts({ failed: 2, done: 5, unmatched: 1 }, MESSAGE_STATUSES)).toEqual([
            { status: "received", count: 0 },
            { status: "done", count: 5 },
            { status: "failed", count: 2 },
            { status: "rejected", count: 0 },
            { status: "unmatched", count: 1 },
        ]);
    });
    it("offers reprocessing for failed and rejected messages only, and retry for dead deliveries only", () => {
        const rows = messageRows({ items: [
            { id: 1, status: "failed", lastError: "No Patient", messageType: "ADT^A03" },
            { id: 2, status: "done" },
            { id: 3, status: "rejected" },
        ] });
        expect(rows.map((r) => [r.id, r.reprocessable])).toEqual([[1, true], [2, false], [3, true]]);
        expect(rows[0].error).toBe("No Patient");
        expect(deliveryRows({ items: [{ id: 7, status: "dead" }, { id: 8, status: "delivered" }] }).map((d) => d.retryable))
            .toEqual([true, false]);
    });
    it("says what a refusal said", () => {
        expect(problemText(409, { title: "Message cannot be reprocessed", detail: "Message 2 is done" }))
            .toBe("Message cannot be reprocessed: Message 2 is done");
        expect(problemText(403, null)).toBe("The server answered 403");
    });
    it("takes this month or this year in England", () => {
        // 31 Dec 2026 23:30 UTC is still December in London; 31 May 23:30 UTC is already June (BST).
        expect(measurePeriod("month", new Date("2026-12-31T23:30:00Z"))).toEqual({ periodStart: "2026-12-01", periodEnd: "2026-12-31" });
        expect(measurePeriod("month", new Date("2026-05-31T23:30:00Z"))).toEqual({ periodStart: "2026-06-01", periodEnd: "2026-06-30" });
        expect(measurePeriod("month", new Date("2028-02-10T12:00:00Z")).periodEnd).toBe("2028-02-29");
        expect(measurePeriod("year", new Date("2026-07-01T12:00:00Z"))).toEqual({ periodStart: "2026-01-01", periodEnd: "2026-12-31" });
    });
    it("reads a proportion and a count from summary MeasureReports, masked counts included", () => {
        const pop = (code, count) => ({ code: { coding: [{ code }] }, ...(count === undefined ? {} : { count }) });
        const proportion = figureOf({ group: [{ population: [pop("denominator", 4), pop("numerator", 3)], measureScore: { value: 0.75 } }] }, "On time");
        expect(proportion).toEqual({ label: "On time", kind: "proportion", numerator: 3, denominator: 4, percent: 75 });
        expect(figureText(proportion)).toBe("3 of 4 (75%)");
        const count = figureOf({ group: [{ population: [pop("initial-population", 12)] }] }, "Cases");
        expect(figureText(count)).toBe("12");
        expect(figureText(figureOf({ group: [{ population: [pop("initial-population")] }] }, "Cases"))).toBe("fewer than 5");
        expect(figureText(figureOf({ group: [{ population: [pop("denominator", 0), pop("numerator", 0)] }] }, "x")))
            .toBe("none in the period");
    });
    it("draws bars in proportion to the largest value", () => {
        const chart = barChart([{ label: "a", value: 50 }, { label: "b", value: 100 }, { label: "c", value: null }], { width: 300, labelWidth: 100, barHeight: 20 });
        expect(chart.height).toBe(60);
        expect(chart.bars.map((b) => b.width)).toEqual([80, 160, 0]);
        expect(chart.bars[1].y).toBe(23);
        expect(barChart([{ label: "a", value: 50 }], { width: 300, labelWidth: 100, max: 100 }).bars[0].width).toBe(80);
    });
});

describe("recording consent", () => {
    const base = { patient: "Patient/1", decision: "permit", recordedBy: "Practitioner/w", team: "Organization/t", dateTime: "2026-12-07T10:00:00Z" };
    it("records written consent: the method, who recorded it, the team it permits", () => {
        const { consent } = buildConsent({ ...base, method: "written" });
        expect(consent.extension).toEqual([
            { url: CONSENT_RECORDED_BY, valueReference: { reference: "Practitioner/w" } },
            { url: CONSENT_METHOD, valueCode: "written" },
        ]);
        expect(consent.provision.type).toBe("permit");
        expect(consent.provision.actor[0].reference).toEqual({ reference: "Organization/t" });
        expect(consent.performer).toEqual([{ reference: "Patient/1" }]);
        expect(consentSummary([consent]).text).toBe("Consent to share recorded (written) on 7 Dec 2026");
    });
    it("records a best-interest decision for a person who lacks capacity, made by the worker", () => {
        const { consent } = buildConsent({ ...base, bestInterest: true });
        expect(consent.extension).toContainEqual({ url: BEST_INTEREST, valueBoolean: true });
        expect(consent.extension.some((e) => e.url === CONSENT_METHOD)).toBe(false);
        expect(consent.performer).toEqual([{ reference: "Practitioner/w" }]);
        expect(consentSummary([consent]).text).toContain("(best-interest decision)");
    });
    it("names what is missing", () => {
        expect(buildConsent({ ...base, method: "" }).errors.map((e) => e.field)).toEqual(["method"]);
        expect(buildConsent({ patient: "Patient/1" }).errors.map((e) => e.field)).toEqual(["decision", "method", "recordedBy", "team"]);
    });
    it("shows a refusal as a refusal", () => {
        expect(consentSummary([buildConsent({ ...base, decision: "deny", method: "verbal" }).consent]).status).toBe("refused");
    });
});

describe("allocation", () => {
    const CARE = "https://fhir.linkwell.example/CodeSystem/care-task";
    const allocation = (id, authoredOn, status = "requested") => ({
        resourceType: "Task", id, status, authoredOn, code: { coding: [{ system: CARE, code: "allocation" }] },
        owner: { reference: "Organization/team" }, for: { reference: "Patient/1" },
    });
    it("lists waiting allocations, oldest first", () => {
        const tasks = [allocation("b", "2026-12-02"), allocation("a", "2026-12-01"), allocation("c", "2026-11-01", "completed"),
            { resourceType: "Task", id: "r", status: "requested" }];
        expect(waitingAllocations(tasks).map((t) => t.id)).toEqual(["a", "b"]);
    });
    it("names the team's workers from their roles", () => {
        const bundle = { entry: [
            { resource: { resourceType: "PractitionerRole", id: "r2", practitioner: { reference: "Practitioner/p2" } }, search: { mode: "match" } },
            { resource: { resourceType: "PractitionerRole", id: "r1", practitioner: { reference: "Practitioner/p1" } }, search: { mode: "match" } },
            { resource: { resourceType: "PractitionerRole", id: "r3", active: false }, search: { mode: "match" } },
            { resource: { resourceType: "Practitioner", id: "p1", name: [{ given: ["Ann"], family: "Able" }] }, search: { mode: "include" } },
            { resource: { resourceType: "Practitioner", id: "p2", name: [{ given: ["Zed"], family: "Zane" }] }, search: { mode: "include" } },
        ] };
        expect(teamWorkers(bundle)).toEqual([
            { reference: "PractitionerRole/r1", practitioner: "Practitioner/p1", name: "Ann Able" },
            { reference: "PractitionerRole/r2", practitioner: "Practitioner/p2", name: "Zed Zane" },
        ]);
    });
    it("completes the allocation naming the worker and the RAG, with a reason for going over the cap", () => {
        const open = allocation("a", "2026-12-01");
        const { task } = allocateCase(open, { worker: "PractitionerRole/r1", complexity: "amber", overCapReason: "  Knows the family " });
        expect(task.status).toBe("completed");
        expect(task.owner).toEqual({ reference: "PractitionerRole/r1" });
        expect(ragOf(task).word).toBe("Amber");
        expect(task.extension).toContainEqual({ url: OVER_CAP_REASON, valueString: "Knows the family" });
        expect(open.status).toBe("requested");
        expect(allocateCase(open, { worker: "PractitionerRole/r1", complexity: "red" }).task.extension.some((e) => e.url === OVER_CAP_REASON)).toBe(false);
    });
    it("needs a worker and a RAG, and knows a refusal for the cap", () => {
        expect(allocateCase(allocation("a"), { worker: "", complexity: "" }).errors.map((e) => e.field)).toEqual(["worker", "complexity"]);
        expect(isOverCap(409, "would take them over their caseload cap: they are care manager of 3")).toBe(true);
        expect(isOverCap(409, "The case is 'finished'")).toBe(false);
        expect(isOverCap(422, "caseload cap")).toBe(false);
    });
});

describe("refusals", () => {
    it("says the gateway's diagnostics, from the body or from fhirclient's message", () => {
        const outcome = { resourceType: "OperationOutcome", issue: [{ severity: "error", code: "business-rule", diagnostics: "over their caseload cap" }] };
        expect(outcomeMessage({ body: outcome })).toBe("over their caseload cap");
        expect(outcomeMessage({ body: JSON.stringify(outcome) })).toBe("over their caseload cap");
        expect(outcomeMessage({ message: `409 URL: http://127.0.0.1/fhir/Task/1\n\n${JSON.stringify(outcome, null, 2)}` }))
            .toBe("over their caseload cap");
        expect(outcomeMessage({ message: "Failed to fetch" })).toBe("Failed to fetch");
        expect(outcomeMessage({ message: "500 URL: x { not json" })).toBe("500 URL: x { not json");
    });
});
