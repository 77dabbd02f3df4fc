package uk.linkwell.gateway.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;
import uk.linkwell.gateway.testsupport.MllpClient;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;
import uk.linkwell.gateway.testsupport.TestTokens;

/**
 * The link workers' web app at {@code /app/}, used as a person uses it: real headless Chromium (Debian's
 * {@code /usr/bin/chromium}, driven by {@code playwright-core} from the app's own {@code node_modules}) against this
 * running gateway on PostgreSQL. The test seeds two link workers' caseloads, a referral waiting and a person whose
 * Consent refuses the team through the FHIR API, then runs {@code browser-tests/link-worker-journey.mjs}, whose
 * checks fail this test. Screenshots of each step are kept in {@code target/browser/}.
 */
class LinkWorkerAppBrowserTest extends GatewayIntegrationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path APP = Path.of("src/main/app");
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path OUTPUT = Path.of("target/browser");
    private static final String FIRST = "lw-eta";
    private static final String SECOND = "lw-theta";
    private static final String ODS = "https://fhir.nhs.uk/Id/ods-organization-code";
    private static final String EXT = "https://fhir.linkwell.example/StructureDefinition/";

    @Test
    void aLinkWorkersDayInARealBrowser() throws Exception {
        assertThat(CHROMIUM)
                .as("the browser tests need Debian's chromium at /usr/bin/chromium (apt-get install -y chromium)")
                .exists();
        assertThat(APP.resolve("node_modules/playwright-core"))
                .as("the app's npm packages (the Maven build runs npm ci in %s)", APP)
                .exists();
        assertThat(Path.of("target/classes/static/app/index.html"))
                .as("the built app (the Maven build runs npm run build; not with -Dlinkwell.app.skip=true)")
                .exists();
        HttpResponse<String> index = http().send(
                        java.net.http.HttpRequest.newBuilder(java.net.URI.create(gatewayBase() + "/app/"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(index.statusCode()).as("/app/ is served without a token").isEqualTo(200);
        assertThat(index.body()).contains("<main id=\"main\"");

        String team = organisation(TestTokens.TEST_USER_ORGANISATION, "Riverside link worker team");
        String practice = organisation("Y88005", "Browser test surgery");
        String firstWorker = practitioner(FIRST);
        String secondWorker = practitioner(SECOND);

        ObjectNode scenario = JSON.createObjectNode();
        ObjectNode first = user(scenario.putObject("first"), FIRST);
        ArrayNode firstPeople = first.putArray("people");
        String alex = person("Alex", "Brightwater");
        consent(alex, "permit");
        caseOf(alex, team, firstWorker, "red", false);
        String goal = "I want to get back to the allotment on Saturdays";
        create(
                "Goal",
                """
                {"resourceType":"Goal","lifecycleStatus":"active","description":{"text":"%s"},
                 "subject":{"reference":"%s"},"expressedBy":{"reference":"%s"}}"""
                        .formatted(goal, alex, alex));
        firstPeople
                .addObject()
                .put("id", id(alex))
                .put("name", "Alex Brightwater")
                .put("rag", "Red")
                .put("goal", goal);
        String bo = person("Bo", "Fairweather");
        consent(bo, "permit");
        caseOf(bo, team, firstWorker, "green", false);
        firstPeople.addObject().put("id", id(bo)).put("name", "Bo Fairweather").put("rag", "Green");
        // Refuses sharing with the team: the case is the team's own record (so listed), the person's is not shown.
        String cal = person("Cal", "Hiddenshaw");
        consent(cal, "deny");
        caseOf(cal, team, firstWorker, "amber", true);
        first.putObject("withheld").put("id", id(cal)).put("name", "Hiddenshaw");

        // A referral waiting for the team's decision, for a person already on the caseload (found by the
        // worker's own Task search; one for someone new to the team is found by the team's worklist, below).
        String request = create(
                "ServiceRequest",
                """
                {"resourceType":"ServiceRequest","status":"active","intent":"order","priority":"routine",
                 "code":{"coding":[{"system":"http://snomed.info/sct","code":"871731000000106",
                   "display":"Referral to social prescribing service"}]},"authoredOn":"%s",
                 "subject":{"reference":"%s"},"requester":{"reference":"%s"},"performer":[{"reference":"%s"}]}"""
                        .formatted(LocalDate.now(), bo, practice, team));
        String referral = create(
                "Task",
                """
                {"resourceType":"Task","status":"requested","intent":"order","priority":"routine",
                 "focus":{"reference":"%s"},"for":{"reference":"%s"},"authoredOn":"%s",
                 "requester":{"reference":"%s"},"owner":{"reference":"%s"}}"""
                        .formatted(request, bo, LocalDate.now(), practice, team));
        first.putObject("referral").put("taskId", id(referral));
        // A second referral, for Alex, which the worker accepts in the app: the case then waits for allocation.
        String secondRequest = create(
                "ServiceRequest",
                """
                {"resourceType":"ServiceRequest","status":"active","intent":"order","priority":"routine",
                 "code":{"coding":[{"system":"http://snomed.info/sct","code":"871731000000106",
                   "display":"Referral to social prescribing service"}]},"authoredOn":"%s",
                 "subject":{"reference":"%s"},"requester":{"reference":"%s"},"performer":[{"reference":"%s"}]}"""
                        .formatted(LocalDate.now(), alex, practice, team));
        String toAllocate = create(
                "Task",
                """
                {"resourceType":"Task","status":"requested","intent":"order","priority":"routine",
                 "focus":{"reference":"%s"},"for":{"reference":"%s"},"authoredOn":"%s",
                 "requester":{"reference":"%s"},"owner":{"reference":"%s"}}"""
                        .formatted(secondRequest, alex, LocalDate.now(), practice, team));
        // The first worker's role in the team, capped at the three cases they hold: one more needs a reason.
        String firstRole = create(
                "PractitionerRole",
                """
                {"resourceType":"PractitionerRole","active":true,"practitioner":{"reference":"%s"},
                 "organization":{"reference":"%s"},
                 "extension":[{"url":"%scaseload-cap","valuePositiveInt":3}]}"""
                        .formatted(firstWorker, team, EXT));
        first.putObject("allocation")
                .put("referralTaskId", id(toAllocate))
                .put("worker", "Practitioner/" + id(firstWorker) + "")
                .put("role", firstRole)
                .put("workerName", FIRST + " Worker")
                .put("reason", "Knows Alex from a previous case");
        first.putObject("consent").put("personId", id(bo)).put("personName", "Bo Fairweather");
        // A referral addressed to the team for someone not on anyone's caseload yet: the team's worklist
        // (Task?owner=<the team>&status=requested) finds it, though the person's record is not shared yet.
        String dara = person("Dara", "Newcombe");
        consent(dara, "permit");
        String newcomerRequest = create(
                "ServiceRequest",
                """
                {"resourceType":"ServiceRequest","status":"active","intent":"order","priority":"routine",
                 "code":{"coding":[{"system":"http://snomed.info/sct","code":"871731000000106",
                   "display":"Referral to social prescribing service"}]},"authoredOn":"%s",
                 "subject":{"reference":"%s"},"requester":{"reference":"%s"},"performer":[{"reference":"%s"}]}"""
                        .formatted(LocalDate.now(), dara, practice, team));
        String newcomerReferral = create(
                "Task",
                """
                {"resourceType":"Task","status":"requested","intent":"order","priority":"routine",
                 "focus":{"reference":"%s"},"for":{"reference":"%s"},"authoredOn":"%s",
                 "requester":{"reference":"%s"},"owner":{"reference":"%s"}}"""
                        .formatted(newcomerRequest, dara, LocalDate.now(), practice, team));
        first.putObject("newcomer").put("taskId", id(newcomerReferral)).put("family", "Newcombe");

        ObjectNode second = user(scenario.putObject("second"), SECOND);
        String eli = person("Eli", "Otherfield");
        consent(eli, "permit");
        caseOf(eli, team, secondWorker, "amber", false);
        second.putArray("people").addObject().put("id", id(eli)).put("name", "Eli Otherfield");

        // An operator, and a message that failed at the hospital's MLLP door: it names an NHS number two records
        // hold, so the worker parks it as failed. The duplicate is then removed, so reprocessing lands it.
        String failedControlId = failedAdmission();
        scenario.putObject("operator")
                .put("username", TestTokens.TEST_OPERATOR)
                .put("password", TestTokens.TEST_USER_PASSWORD)
                .put("failedMessageId", messageId(failedControlId));

        Files.createDirectories(OUTPUT);
        Path scenarioFile = OUTPUT.resolve("scenario.json");
        Files.writeString(scenarioFile, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(scenario));

        Journey journey = run(scenarioFile);
        assertThat(journey.exitCode())
                .as("the browser journey (screenshots in %s):%n%s", OUTPUT.toAbsolutePath(), journey.output())
                .isZero();
        assertThat(journey.output()).contains("[browser] all steps passed");

        // What the browser did is in the store: two responses (eight measures), and the referral declined.
        JsonNode observations = read("Observation?patient=" + alex + "&_summary=count");
        assertThat(observations.get("total").asInt()).isEqualTo(8);
        JsonNode declined = read(referral);
        assertThat(declined.get("status").asText()).isEqualTo("rejected");
        assertThat(declined.at("/statusReason/coding/0/code").asText()).isEqualTo("needs-met-elsewhere");
        assertThat(declined.toString()).contains("Citizens Advice debt clinic");
        // The referral for the person not on the caseload, declined from the team's worklist in the browser.
        JsonNode newcomerDeclined = read(newcomerReferral);
        assertThat(newcomerDeclined.get("status").asText()).isEqualTo("rejected");
        assertThat(newcomerDeclined.at("/statusReason/coding/0/code").asText()).isEqualTo("needs-met-elsewhere");
        assertThat(newcomerDeclined.toString()).contains("Community men's shed");
        // The review completed in the browser: its outcome kept, the case amber, the next review open.
        JsonNode reviews =
                read("Task?patient=" + alex + "&code=https://fhir.linkwell.example/CodeSystem/care-task|review");
        assertThat(reviews.toString()).contains("Going to the allotment again; money worries remain");
        assertThat(reviews.get("entry").findValuesAsText("status")).contains("completed", "requested");
        JsonNode alexCase = read("EpisodeOfCare?patient=" + alex);
        assertThat(alexCase.at("/entry/0/resource/extension/0/valueCodeableConcept/coding/0/code")
                        .asText())
                .isEqualTo("amber");
        // The operator reprocessed the failed message in the browser: it is done now.
        JsonNode reprocessed = admin("/admin/messages/" + messageId(failedControlId));
        assertThat(reprocessed.get("status").asText()).isEqualTo("done");
        // Bo's consent, recorded in the browser: written, by the signed-in worker, permitting the team.
        JsonNode consents = read("Consent?patient=" + bo + "&_sort=-date");
        assertThat(consents.at("/entry/0/resource").toString())
                .contains("\"valueCode\":\"written\"")
                .contains("\"reference\":\"Practitioner/test-" + FIRST + "\"")
                .contains("\"reference\":\"" + team + "\"");
        // The case accepted in the browser, allocated to the first worker over their cap, with the reason.
        JsonNode allocation = read(
                "Task?based-on=" + toAllocate + "&code=https://fhir.linkwell.example/CodeSystem/care-task|allocation");
        JsonNode allocated = allocation.at("/entry/0/resource");
        assertThat(allocated.get("status").asText()).isEqualTo("completed");
        assertThat(allocated.at("/owner/reference").asText()).isEqualTo(firstRole);
        assertThat(allocated.toString()).contains("Knows Alex from a previous case");
        JsonNode allocatedCase = read(allocated.at("/focus/reference").asText());
        assertThat(allocatedCase.at("/careManager/reference").asText()).isEqualTo(firstWorker);
        assertThat(Files.list(OUTPUT).filter(p -> p.toString().endsWith(".png")).count())
                .isGreaterThanOrEqualTo(16);
    }

    /**
     * /admin is for the admin role: a link worker's token is refused there (403), on messages and deliveries alike,
     * and an operator's is taken. (The browser journey checks the same with the tokens people sign in for.)
     */
    @Test
    void aLinkWorkersTokenIsRefusedAtAdmin() throws Exception {
        String worker = tokenFor(TestTokens.Claims.of(
                        "link-worker-app", TestTokens.TEST_USER_ORGANISATION, "user/Patient.rs user/Task.rus")
                .withPractitioner("Practitioner/test-" + FIRST));
        for (String path :
                new String[] {"/admin/messages?status=failed", "/admin/deliveries", "/admin/messages/1/reprocess"}) {
            boolean post = path.endsWith("/reprocess");
            HttpResponse<String> refused = http().send(
                            java.net.http.HttpRequest.newBuilder(java.net.URI.create(gatewayBase() + path))
                                    .header("Authorization", "Bearer " + worker)
                                    .method(post ? "POST" : "GET", java.net.http.HttpRequest.BodyPublishers.noBody())
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).as(path + ": " + refused.body()).isEqualTo(403);
        }
        assertThat(admin("/admin/deliveries").has("byStatus")).isTrue();
    }

    /** SMART puts discovery at the FHIR base, where fhirclient looks; it is the root's document, open to all. */
    @Test
    void smartDiscoveryIsAlsoAtTheFhirBase() throws Exception {
        HttpResponse<String> atBase = http().send(
                        java.net.http.HttpRequest.newBuilder(
                                        java.net.URI.create(fhirBase() + "/.well-known/smart-configuration"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> atRoot = http().send(
                        java.net.http.HttpRequest.newBuilder(
                                        java.net.URI.create(gatewayBase() + "/.well-known/smart-configuration"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(atBase.statusCode()).as(atBase.body()).isEqualTo(200);
        assertThat(JSON.readTree(atBase.body())).isEqualTo(JSON.readTree(atRoot.body()));
        assertThat(JSON.readTree(atBase.body())
                        .get("code_challenge_methods_supported")
                        .toString())
                .isEqualTo("[\"S256\"]");
        // Only GET, and only that path: the rest of /fhir still needs a token.
        assertThat(fhir("not-a-token", "GET", ".well-known/other", null).statusCode())
                .isEqualTo(401);
    }

    private record Journey(int exitCode, String output) {}

    private Journey run(Path scenario) throws IOException, InterruptedException {
        ProcessBuilder node = new ProcessBuilder(
                        "node",
                        APP.resolve("browser-tests/link-worker-journey.mjs")
                                .toAbsolutePath()
                                .toString(),
                        // The loopback IP: the demo app may use any port on it (RFC 8252), as a test on a random
                        // port needs.
                        "http://127.0.0.1:" + port,
                        scenario.toAbsolutePath().toString(),
                        OUTPUT.toAbsolutePath().toString())
                .directory(APP.toFile())
                .redirectErrorStream(true);
        Process process = node.start();
        StringBuilder output = new StringBuilder();
        Thread reader = new Thread(() -> {
            try (var in = process.inputReader(StandardCharsets.UTF_8)) {
                in.lines().forEach(line -> {
                    System.out.println(line);
                    output.append(line).append('\n');
                });
            } catch (IOException e) {
                output.append("(output lost: ").append(e.getMessage()).append(")\n");
            }
        });
        reader.start();
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            reader.join(5_000);
            return new Journey(-1, output + "\n(timed out after 5 minutes)");
        }
        reader.join(10_000);
        return new Journey(process.exitValue(), output.toString());
    }

    private static ObjectNode user(ObjectNode node, String username) {
        return node.put("username", username).put("password", TestTokens.TEST_USER_PASSWORD);
    }

    private String organisation(String ods, String name) throws IOException {
        HttpResponse<String> created = fhir(
                adminToken(),
                "POST",
                "Organization",
                """
                {"resourceType":"Organization","name":"%s","identifier":[{"system":"%s","value":"%s"}]}"""
                        .formatted(name, ODS, ods),
                "If-None-Exist",
                "identifier=" + ODS + "|" + ods);
        assertThat(created.statusCode()).as(created.body()).isIn(200, 201);
        JsonNode found = read("Organization?identifier=" + ODS + "|" + ods);
        return "Organization/" + found.at("/entry/0/resource/id").asText();
    }

    private String practitioner(String username) {
        String id = "test-" + username;
        HttpResponse<String> put = fhir(
                adminToken(),
                "PUT",
                "Practitioner/" + id,
                """
                {"resourceType":"Practitioner","id":"%s","name":[{"family":"Worker","given":["%s"]}]}"""
                        .formatted(id, username));
        assertThat(put.statusCode()).as(put.body()).isIn(200, 201);
        return "Practitioner/" + id;
    }

    private String person(String given, String family) throws IOException {
        return create(
                "Patient",
                """
                {"resourceType":"Patient","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"%s"}],
                 "name":[{"family":"%s","given":["%s"]}]}"""
                        .formatted(SyntheticNhsNumbers.next(), family, given));
    }

    /** The person's Consent, recorded by the team, permitting or refusing sharing with the team's organisation. */
    private void consent(String patient, String type) throws IOException {
        create(
                "Consent",
                """
                {"resourceType":"Consent","status":"active",
                 "extension":[{"url":"%sconsent-method","valueCode":"verbal"},
                   {"url":"%sconsent-recorded-by","valueReference":{"display":"Link worker"}}],
                 "scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"patient-privacy"}]},
                 "category":[{"coding":[{"system":"http://loinc.org","code":"59284-0"}]}],
                 "patient":{"reference":"%s"},"dateTime":"2026-12-01T10:00:00Z",
                 "policy":[{"uri":"https://fhir.linkwell.example/policy/information-sharing-agreement"}],
                 "provision":{"type":"%s","actor":[{"role":{"coding":[{"system":
                   "http://terminology.hl7.org/CodeSystem/v3-ParticipationType","code":"IRCP"}]},
                   "reference":{"identifier":{"system":"%s","value":"%s"}}}]}}"""
                        .formatted(EXT, EXT, patient, type, ODS, TestTokens.TEST_USER_ORGANISATION));
    }

    /**
     * An active case managed by the team with the worker as care manager (as an allocation leaves it). A case the
     * team wrote itself (author tags, which an operator may state) is the team's own record whatever the
     * person's Consent says of others' records.
     */
    private void caseOf(String patient, String team, String worker, String rag, boolean teamsOwnRecord)
            throws IOException {
        String meta = teamsOwnRecord
                ? """
                "meta":{"tag":[{"system":"https://fhir.linkwell.example/CodeSystem/author-organisation","code":"%s"},
                  {"system":"https://fhir.linkwell.example/CodeSystem/author-role","code":"link-worker-app"}]},"""
                        .formatted(TestTokens.TEST_USER_ORGANISATION)
                : "";
        create(
                "EpisodeOfCare",
                """
                {"resourceType":"EpisodeOfCare",%s"status":"active","type":[{"text":"Link worker support"}],"patient":{"reference":"%s"},
                 "managingOrganization":{"reference":"%s"},"careManager":{"reference":"%s"},
                 "period":{"start":"%s"},
                 "extension":[{"url":"%scomplexity-rating","valueCodeableConcept":{"coding":[
                   {"system":"https://fhir.linkwell.example/CodeSystem/complexity-rating","code":"%s"}]}}]}"""
                        .formatted(meta, patient, team, worker, LocalDate.now().minusMonths(2), EXT, rag));
    }

    private String create(String type, String body) throws IOException {
        HttpResponse<String> created = fhir(adminToken(), "POST", type, body);
        assertThat(created.statusCode()).as(type + ": " + created.body()).isEqualTo(201);
        return type + "/" + JSON.readTree(created.body()).get("id").asText();
    }

    private JsonNode read(String path) throws IOException {
        HttpResponse<String> response = fhir(adminToken(), "GET", path, null);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    /**
     * An admission sent to the hospital's MLLP door for an NHS number two records hold: acknowledged (stored), then
     * parked as failed, since it cannot be matched to one person. The duplicate record is then deleted, as an
     * operator would merge it, so that reprocessing lands the message. Its control id.
     */
    private String failedAdmission() throws Exception {
        String nhs = SyntheticNhsNumbers.next();
        String patient =
                """
                {"resourceType":"Patient","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"%s"}],
                 "name":[{"family":"Twiceheld","given":["Dee"]}]}"""
                        .formatted(nhs);
        create("Patient", patient);
        String duplicate = create("Patient", patient);
        String controlId =
                "T" + java.util.UUID.randomUUID().toString().replace("-", "").substring(0, 18);
        String admission = String.join(
                        "\r",
                        "MSH|^~\\&|PAS|RWELL|LINKWELL|LINKWELL|20261120083000||ADT^A01^ADT_A01|" + controlId
                                + "|P|2.5.1|||AL|NE|GBR|UNICODE UTF-8",
                        "EVN|A01|20261120083000",
                        "PID|1||" + nhs + "^^^NHS^NH~H" + controlId.substring(1, 9)
                                + "^^^RWELL^MR||TWICEHELD^DEE^^^MX^^L||19500101|F|||1 TEST STREET^^LEEDS^^LS1 1AA^GBR^H",
                        pv1("V" + controlId.substring(1, 9)))
                + "\r";
        try (MllpClient mllp = new MllpClient(mllpPort())) {
            assertThat(mllp.send(admission)).contains("MSA|AA|");
        }
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(60))
                .pollInterval(java.time.Duration.ofMillis(200))
                .until(() -> "failed".equals(messageStatus(controlId)));
        HttpResponse<String> deleted = fhir(adminToken(), "DELETE", duplicate, null);
        assertThat(deleted.statusCode()).as(deleted.body()).isIn(200, 204);
        return controlId;
    }

    /** PV1 as the hospital tests send it: an inpatient on ward 7, attending and admitting doctor, admitted at 08:25. */
    private static String pv1(String visitNumber) {
        String[] f = new String[45];
        java.util.Arrays.fill(f, "");
        f[0] = "PV1";
        f[1] = "1";
        f[2] = "I";
        f[3] = "WARD 7^B2^04^RWELL";
        f[7] = "7654321^OKAFOR^CLARE^^^DR^^^GMC";
        f[14] = "19";
        f[17] = f[7];
        f[19] = visitNumber + "^^^RWELL^VN";
        f[44] = "20261120082500";
        return String.join("|", f);
    }

    private String messageStatus(String controlId) throws IOException {
        JsonNode found = messageWithControlId(controlId);
        return found == null ? null : found.get("status").asText();
    }

    private long messageId(String controlId) throws IOException {
        return messageWithControlId(controlId).get("id").asLong();
    }

    private JsonNode messageWithControlId(String controlId) throws IOException {
        for (JsonNode item :
                admin("/admin/messages?source=hospital-mllp&limit=200").get("items")) {
            if (controlId.equals(item.path("controlId").asText())) {
                return item;
            }
        }
        return null;
    }

    private JsonNode admin(String path) throws IOException {
        try {
            HttpResponse<String> response = http().send(
                            java.net.http.HttpRequest.newBuilder(java.net.URI.create(gatewayBase() + path))
                                    .header("Authorization", "Bearer " + adminToken())
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
            return JSON.readTree(response.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private static String id(String reference) {
        return reference.substring(reference.indexOf('/') + 1);
    }
}
