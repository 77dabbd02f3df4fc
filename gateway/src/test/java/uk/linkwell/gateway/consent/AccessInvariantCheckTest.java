package uk.linkwell.gateway.consent;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import uk.linkwell.gateway.testsupport.GatewayInstance;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;
import uk.linkwell.gateway.testsupport.PostgresDatabaseExtension;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;
import uk.linkwell.gateway.testsupport.TestTokens;
import uk.linkwell.gateway.testsupport.TestTokens.Claims;

/**
 * The generated, systematic check of the one decision point: for each client role, each resource type the server
 * declares and each interaction (read, vread, search by id, by person and bare, counts, includes and reverse
 * includes, history of one record, of a type and of the server, batch reads, conditional create, update, patch and
 * delete, {@code $everything}), against a fixed scenario holding hidden records of every kind, two invariants hold:
 * <ol>
 *   <li>no response carries a record, a version, an id or a count that the same client could not get by reading
 *   the record as it is now (what a direct read shows, and what those records themselves refer to);
 *   <li>a hidden target and one that does not exist get the same answer.
 * </ol>
 * The gateway runs on a database of its own, so that the scenario is the whole store and every count is exact.
 * The README's test command checks a seeded sample of the combinations; {@code -Dlinkwell.access-check.full=true}
 * (or {@code -Pbench}) checks them all. The number checked is printed.
 */
@ExtendWith(PostgresDatabaseExtension.class)
@Tag("access-check")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AccessInvariantCheckTest {

    private static final boolean FULL = Boolean.getBoolean("linkwell.access-check.full");
    private static final int SAMPLE = Integer.getInteger("linkwell.access-check.sample", 600);
    private static final String ACT = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
    private static final Pattern MENTION = Pattern.compile("\\b([A-Z][A-Za-z]+)/([A-Za-z0-9.-]{1,64})\\b");

    private final FhirContext fhir = FhirContext.forR4Cached();
    private final HttpClient http = HttpClient.newHttpClient();
    private GatewayInstance gateway;
    private String admin;
    /** Every record of the scenario ({@code Type/id}), hidden from someone or not. */
    private final Set<String> records = new LinkedHashSet<>();
    /** Each record's versions ({@code Type/id/_history/n}). */
    private final Map<String, Integer> versions = new LinkedHashMap<>();

    private final Map<String, String> tokens = new LinkedHashMap<>();
    private final Map<String, Set<String>> visible = new HashMap<>();
    private final Map<String, Set<String>> mentionable = new HashMap<>();
    private final List<String> people = new ArrayList<>();
    private List<String> types;
    /** The search parameters the server declares for each type. */
    private final Map<String, List<String>> searchParameters = new HashMap<>();

    private int combinations;

    @BeforeAll
    void scenario() throws Exception {
        gateway = GatewayInstance.onPostgres("access-check", Map.of());
        admin = gateway.adminToken();
        String run = UUID.randomUUID().toString().substring(0, 4).toUpperCase();
        String practiceA = "PA" + run, practiceB = "PB" + run, team = "TM" + run, council = "LA" + run;
        Reference orgA = ref(create(LinkwellFixtures.organisation(practiceA, "Practice A")));
        Reference orgB = ref(create(LinkwellFixtures.organisation(practiceB, "Practice B")));
        Reference orgT = ref(create(LinkwellFixtures.organisation(team, "Link worker team")));
        Reference orgC = ref(create(LinkwellFixtures.organisation(council, "Council")));
        Reference worker = ref(create(LinkwellFixtures.practitioner("Worker")));

        // P1: registered at A, on the team's caseload and the council's; consents to A and the team except PSY.
        Reference p1 = person(orgA);
        // P2: registered at B only; P3: at A, with no consent at all.
        Reference p2 = person(orgB);
        Reference p3 = person(orgA);
        for (Reference p : List.of(p1, p3)) {
            CareTeam careTeam =
                    new CareTeam().setStatus(CareTeam.CareTeamStatus.ACTIVE).setSubject(p);
            careTeam.addParticipant().setMember(worker);
            create(tagged(careTeam, team, "link-worker-app"));
            create(tagged(
                    new EpisodeOfCare()
                            .setStatus(EpisodeOfCare.EpisodeOfCareStatus.ACTIVE)
                            .setPatient(p)
                            .setManagingOrganization(orgC)
                            .setPeriod(
                                    new Period().setStartElement(new org.hl7.fhir.r4.model.DateTimeType("2026-10-01")))
                            .addType(new CodeableConcept().setText("Adult social care case")),
                    council,
                    "social-care-system"));
        }
        Consent consent = LinkwellFixtures.verbalConsent(p1, worker);
        consent.getProvision().setType(Consent.ConsentProvisionType.PERMIT);
        for (Reference actor : List.of(orgA, orgT)) {
            consent.getProvision()
                    .addActor()
                    .setReference(actor)
                    .setRole(new CodeableConcept(
                            new Coding("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "IRCP", null)));
        }
        consent.getProvision()
                .addProvision()
                .setType(Consent.ConsentProvisionType.DENY)
                .addSecurityLabel(new Coding(ACT, "PSY", null));
        create(tagged(consent, team, "link-worker-app"));

        for (Reference p : List.of(p1, p2, p3)) {
            String lastReferral = null;
            for (String author : List.of(team, practiceA, council)) {
                String role = author.equals(team)
                        ? "link-worker-app"
                        : author.equals(council) ? "social-care-system" : "gp-system";
                for (boolean psy : List.of(false, true)) {
                    create(labelled(tagged(LinkwellFixtures.actionPlan(p, orgT), author, role), psy));
                    create(labelled(tagged(LinkwellFixtures.goal(p, "In their words"), author, role), psy));
                    ServiceRequest referral = LinkwellFixtures.referral(p, orgA, orgT);
                    referral.addReasonCode().setText("Reason " + author);
                    String referralId = create(labelled(tagged(referral, author, role), psy));
                    if (!psy && author.equals(practiceA)) {
                        lastReferral = referralId;
                    }
                    create(labelled(
                            tagged(
                                    new Condition()
                                            .setSubject(p)
                                            .setCode(new CodeableConcept().setText("Condition " + author)),
                                    author,
                                    role),
                            psy));
                    create(labelled(
                            tagged(
                                    new Observation()
                                            .setStatus(Observation.ObservationStatus.FINAL)
                                            .setSubject(p)
                                            .setCode(new CodeableConcept().setText("Observation " + author)),
                                    author,
                                    role),
                            psy));
                    create(labelled(
                            tagged(
                                    LinkwellFixtures.safeguardingEnquiry(
                                            p, council, "E" + author + psy + people.indexOf(p.getReference()), true),
                                    author,
                                    role),
                            psy));
                }
            }
            Task task = new Task()
                    .setStatus(Task.TaskStatus.REQUESTED)
                    .setIntent(Task.TaskIntent.ORDER)
                    .setFor(p)
                    .setFocus(new Reference(lastReferral))
                    .setAuthoredOnElement(new org.hl7.fhir.r4.model.DateTimeType("2026-11-02T10:00:00Z"))
                    .setOwner(orgC);
            create(tagged(task, practiceA, "gp-system"));
            Binary letter = new Binary();
            letter.setContentType("text/plain");
            letter.setData("letter".getBytes(StandardCharsets.UTF_8));
            letter.setSecurityContext(p);
            create(tagged(letter, council, "social-care-system"));
        }
        // A record whose current version is labelled PSY, its first not; and a deleted one.
        String relabelled = create(tagged(LinkwellFixtures.actionPlan(p1, orgT), team, "link-worker-app"));
        CarePlan current = read(CarePlan.class, relabelled);
        current.getMeta().addSecurity(new Coding(ACT, "PSY", null));
        current.setTitle("Relabelled");
        send(admin, "PUT", relabelled, fhir.newJsonParser().encodeResourceToString(current));
        versions.put(relabelled, 2);
        String deleted = create(tagged(LinkwellFixtures.goal(p1, "Deleted"), team, "link-worker-app"));
        send(admin, "DELETE", deleted, null);
        records.remove(deleted);
        versions.remove(deleted);

        JWKSource<SecurityContext> keys = gateway.bean(JWKSource.class);
        tokens.put(
                "gp-system A",
                TestTokens.mint(
                        keys,
                        Claims.of("gp-system", practiceA, "system/*.cruds").withClientId("check-gp-a")));
        tokens.put(
                "gp-system B",
                TestTokens.mint(
                        keys,
                        Claims.of("gp-system", practiceB, "system/*.cruds").withClientId("check-gp-b")));
        tokens.put(
                "link-worker-app",
                TestTokens.mint(
                        keys,
                        Claims.of("link-worker-app", team, "user/*.cruds")
                                .withPractitioner(worker.getReference())
                                .withClientId("check-lw")));
        tokens.put(
                "social-care-system",
                TestTokens.mint(
                        keys,
                        Claims.of("social-care-system", council, "system/*.cruds")
                                .withClientId("check-la")));
        tokens.put(
                "hospital",
                TestTokens.mint(
                        keys, Claims.of("hospital", "RXX", "system/*.cruds").withClientId("check-hospital")));
        tokens.put(
                "metrics",
                TestTokens.mint(keys, Claims.of("metrics", "X", "system/*.rs").withClientId("check-metrics")));

        // The oracle: what each client reads of each record as it is now, directly.
        for (Map.Entry<String, String> client : tokens.entrySet()) {
            Set<String> seen = new LinkedHashSet<>();
            Set<String> mentions = new LinkedHashSet<>();
            for (String record : records) {
                HttpResponse<String> read = send(client.getValue(), "GET", record, null);
                if (read.statusCode() == 200) {
                    seen.add(record);
                    mentions.addAll(mentions(read.body()));
                }
            }
            visible.put(client.getKey(), seen);
            mentions.addAll(seen);
            mentionable.put(client.getKey(), mentions);
        }
        CapabilityStatement capabilities = fhir.newJsonParser()
                .parseResource(
                        CapabilityStatement.class,
                        send(null, "GET", "metadata", null).body());
        types = capabilities.getRestFirstRep().getResource().stream()
                .map(CapabilityStatement.CapabilityStatementRestResourceComponent::getType)
                .sorted()
                .toList();
        for (CapabilityStatement.CapabilityStatementRestResourceComponent resource :
                capabilities.getRestFirstRep().getResource()) {
            searchParameters.put(
                    resource.getType(),
                    resource.getSearchParam().stream()
                            .map(CapabilityStatement.CapabilityStatementRestResourceSearchParamComponent::getName)
                            .toList());
        }
    }

    @AfterAll
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    /** One interaction of one client, and what it must satisfy. */
    private record Probe(String client, String description, Runnable check) {}

    @Test
    void noResponseCarriesWhatADirectReadWouldNotAndHiddenLooksLikeMissing() {
        assertThat(visible.get("gp-system A")).isNotEmpty();
        assertThat(visible.get("gp-system B")).isNotEmpty();
        assertThat(visible.get("hospital")).isEmpty();
        List<Probe> probes = new ArrayList<>();
        for (String client : tokens.keySet()) {
            for (String type : types) {
                probes.addAll(probesFor(client, type));
            }
        }
        String only = System.getProperty("linkwell.access-check.only");
        if (only != null) {
            // Re-running the combinations one failure names: a regular expression over "client: description".
            Pattern wanted = Pattern.compile(only);
            probes.removeIf(
                    p -> !wanted.matcher(p.client() + ": " + p.description()).find());
        }
        List<Probe> chosen = new ArrayList<>(probes);
        if (!FULL && chosen.size() > SAMPLE) {
            Collections.shuffle(chosen, new Random(Long.getLong("linkwell.access-check.seed", 20261207L)));
            chosen = chosen.subList(0, SAMPLE);
        }
        List<String> failures = new ArrayList<>();
        for (Probe probe : chosen) {
            try {
                probe.check().run();
                combinations++;
            } catch (AssertionError e) {
                failures.add(probe.client() + ": " + probe.description() + ": " + e.getMessage());
            }
        }
        System.out.printf(
                "Access invariant check: %d of %d combinations (%d roles, %d types)%s%n",
                combinations + failures.size(),
                probes.size(),
                tokens.size(),
                types.size(),
                FULL ? ", all" : ", sample");
        assertThat(failures)
                .as(failures.size() + " combinations broke an invariant")
                .isEmpty();
    }

    private List<Probe> probesFor(String client, String type) {
        List<Probe> probes = new ArrayList<>();
        String token = tokens.get(client);
        List<String> ofType =
                records.stream().filter(r -> r.startsWith(type + "/")).toList();
        String unused = type + "/check-unused-" + Math.abs(type.hashCode());
        probes.add(
                new Probe(client, "search " + type, () -> searchShowsOnlyVisible(client, token, type + "?_count=200")));
        probes.add(new Probe(client, "count " + type, () -> countIsVisibleCount(client, token, type)));
        for (String record : ofType) {
            boolean hidden = !visible.get(client).contains(record);
            probes.add(new Probe(client, "read " + record, () -> {
                HttpResponse<String> r = send(token, "GET", record, null);
                if (hidden) {
                    alike(r, send(token, "GET", unused, null), record, unused);
                } else {
                    assertThat(r.statusCode()).isEqualTo(200);
                }
            }));
            for (int v = 1; v <= versions.getOrDefault(record, 1); v++) {
                int version = v;
                probes.add(new Probe(client, "vread " + record + " v" + v, () -> {
                    HttpResponse<String> r = send(token, "GET", record + "/_history/" + version, null);
                    if (hidden) {
                        alike(r, send(token, "GET", unused + "/_history/" + version, null), record, unused);
                    } else {
                        onlyMentions(client, r);
                    }
                }));
            }
            probes.add(new Probe(client, "history " + record, () -> {
                HttpResponse<String> r = send(token, "GET", record + "/_history", null);
                if (hidden) {
                    alike(r, send(token, "GET", unused + "/_history", null), record, unused);
                } else {
                    onlyMentions(client, r);
                }
            }));
            probes.add(new Probe(
                    client,
                    "search by id " + record,
                    () -> searchShowsOnlyVisible(client, token, type + "?_id=" + id(record))));
            probes.add(new Probe(client, "batch read " + record, () -> batchAlike(client, token, record, unused)));
            probes.add(new Probe(client, "delete " + record, () -> {
                if (hidden) {
                    alike(send(token, "DELETE", record, null), send(token, "DELETE", unused, null), record, unused);
                }
            }));
            probes.add(new Probe(client, "no-op patch " + record, () -> {
                if (hidden) {
                    alike(send(token, "PATCH", record, "[]"), send(token, "PATCH", unused, "[]"), record, unused);
                }
            }));
            probes.add(new Probe(client, "conditional create matching " + record, () -> {
                String body = "{\"resourceType\":\"" + type + "\"}";
                HttpResponse<String> matching = send(token, "POST", type, body, "If-None-Exist", "_id=" + id(record));
                if (hidden) {
                    HttpResponse<String> none = send(token, "POST", type, body, "If-None-Exist", "_id=" + id(unused));
                    alike(matching, none, record, unused);
                }
                // The id the client itself sent may come back in an error; nothing else may.
                onlyMentions(client, matching, record);
            }));
        }
        for (String parameter : searchParameters.getOrDefault(type, List.of())) {
            // Each declared parameter with a modifier every type of parameter takes: the records that have a value
            // for it are at most those the client reads, and so is their count.
            probes.add(new Probe(client, "search " + type + " by " + parameter + ":missing=false", () -> {
                HttpResponse<String> r = searchShowsOnlyVisible(
                        client, token, type + "?" + parameter + ":missing=false&_total=accurate&_count=200");
                // A parameter the CapabilityStatement declares is one the decision point knows.
                assertThat(r.body()).doesNotContain("is not a search parameter of");
            }));
        }
        probes.add(new Probe(
                client,
                "conditional patch of " + type,
                () -> onlyMentions(
                        client,
                        send(
                                token,
                                "PATCH",
                                type + "?_id=" + (ofType.isEmpty() ? "x" : id(ofType.get(0))),
                                "[{\"op\":\"test\",\"path\":\"/id\",\"value\":\"x\"}]"),
                        ofType.isEmpty() ? "x" : ofType.get(0))));
        probes.add(new Probe(
                client,
                "history of " + type,
                () -> onlyMentions(client, send(token, "GET", type + "/_history", null))));
        probes.add(new Probe(
                client,
                "conditional update of " + type,
                () -> onlyMentions(
                        client,
                        send(
                                token,
                                "PUT",
                                type + "?_id=" + (ofType.isEmpty() ? "x" : id(ofType.get(0))),
                                "{\"resourceType\":\"" + type + "\"}"))));
        probes.add(new Probe(
                client,
                "conditional delete of " + type,
                () -> onlyMentions(
                        client,
                        send(token, "DELETE", type + "?_id=" + (ofType.isEmpty() ? "x" : id(ofType.get(0))), null))));
        if ("Patient".equals(type)) {
            for (String person : people) {
                boolean hidden = !visible.get(client).contains(person);
                probes.add(new Probe(client, "$everything " + person, () -> {
                    HttpResponse<String> r = send(token, "GET", person + "/$everything", null);
                    if (hidden) {
                        alike(
                                r,
                                send(token, "GET", "Patient/check-unused/$everything", null),
                                person,
                                "Patient/check-unused");
                    } else {
                        onlyMentions(client, r);
                    }
                }));
            }
        } else {
            for (String person : people) {
                probes.add(new Probe(
                        client,
                        type + " of " + person,
                        () -> searchShowsOnlyVisible(client, token, type + "?patient=" + person + "&_count=200")));
                probes.add(new Probe(
                        client,
                        type + " with its subjects, of " + person,
                        () -> searchShowsOnlyVisible(
                                client, token, type + "?subject=" + person + "&_include=" + type + ":subject")));
                probes.add(new Probe(
                        client,
                        "Patient with " + type + " of " + person,
                        () -> searchShowsOnlyVisible(
                                client, token, "Patient?_id=" + id(person) + "&_revinclude=" + type + ":subject")));
            }
        }
        probes.add(
                new Probe(client, "server history", () -> onlyMentions(client, send(token, "GET", "_history", null))));
        return probes;
    }

    // ---- the invariants ----------------------------------------------------------------------------------------

    /** Every record a search shows is one the client reads directly, and its total counts only those. */
    private HttpResponse<String> searchShowsOnlyVisible(String client, String token, String query) {
        HttpResponse<String> r = send(token, "GET", query, null);
        onlyMentions(client, r);
        if (r.statusCode() == 200) {
            Bundle bundle = fhir.newJsonParser().parseResource(Bundle.class, r.body());
            String type = query.split("\\?", 2)[0];
            if (bundle.hasTotal() && records.stream().anyMatch(rec -> rec.startsWith(type + "/"))) {
                long reachable = visible.get(client).stream()
                        .filter(v -> v.startsWith(type + "/"))
                        .count();
                assertThat((long) bundle.getTotal()).as(query + " total").isLessThanOrEqualTo(reachable);
            }
            for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
                assertThat(entry.hasResource())
                        .as("an entry without its resource: " + entry.getFullUrl())
                        .isTrue();
                String shown = versionless(entry.getResource());
                if (records.contains(shown)) {
                    assertThat(visible.get(client))
                            .as(query + " showed " + shown)
                            .contains(shown);
                }
            }
        }
        return r;
    }

    private void countIsVisibleCount(String client, String token, String type) {
        HttpResponse<String> r = send(token, "GET", type + "?_summary=count", null);
        if (r.statusCode() != 200) {
            onlyMentions(client, r);
            return;
        }
        Bundle bundle = fhir.newJsonParser().parseResource(Bundle.class, r.body());
        long reachable = visible.get(client).stream()
                .filter(v -> v.startsWith(type + "/"))
                .count();
        if (bundle.hasTotal() && records.stream().anyMatch(rec -> rec.startsWith(type + "/"))) {
            assertThat((long) bundle.getTotal()).as(type + " count").isLessThanOrEqualTo(reachable);
        }
    }

    /** A batch read of a hidden record answers as one of a record that does not exist. */
    private void batchAlike(String client, String token, String record, String unused) {
        String batch = "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":["
                + "{\"request\":{\"method\":\"GET\",\"url\":\"" + record + "\"}},"
                + "{\"request\":{\"method\":\"GET\",\"url\":\"" + unused + "\"}}]}";
        HttpResponse<String> r = send(token, "POST", "", batch);
        onlyMentions(client, r, record);
        if (r.statusCode() != 200 || visible.get(client).contains(record)) {
            return;
        }
        Bundle response = fhir.newJsonParser().parseResource(Bundle.class, r.body());
        Bundle.BundleEntryComponent first = response.getEntry().get(0);
        Bundle.BundleEntryComponent second = response.getEntry().get(1);
        assertThat(first.getResponse().getStatus())
                .isEqualTo(second.getResponse().getStatus());
        assertThat(first.hasResource()).isEqualTo(second.hasResource());
        assertThat(outcomeText(first).replace(id(record), "ID"))
                .isEqualTo(outcomeText(second).replace(id(unused), "ID"));
    }

    /** The same answer for the hidden target as for a missing one, ids aside. */
    private void alike(HttpResponse<String> hidden, HttpResponse<String> missing, String record, String unused) {
        assertThat(hidden.statusCode())
                .as("status for " + record + " against a missing record")
                .isEqualTo(missing.statusCode());
        assertThat(hidden.body().replace(id(record), "ID"))
                .isEqualTo(missing.body().replace(id(unused), "ID"));
    }

    /** No record of the scenario is mentioned that the client could not have read (or read of) directly. */
    private String outcomeText(Bundle.BundleEntryComponent entry) {
        return entry.getResponse().hasOutcome()
                ? fhir.newJsonParser()
                        .encodeResourceToString(entry.getResponse().getOutcome())
                : "";
    }

    private void onlyMentions(String client, HttpResponse<String> response, String... echoed) {
        Set<String> allowed = mentionable.get(client);
        for (String mention : mentions(response.body())) {
            if (records.contains(mention) && !List.of(echoed).contains(mention)) {
                assertThat(allowed)
                        .as("response mentions " + mention + ": " + abbreviated(response.body()))
                        .contains(mention);
            }
        }
    }

    private static String abbreviated(String body) {
        return body.length() > 600 ? body.substring(0, 600) + "..." : body;
    }

    private static Set<String> mentions(String body) {
        Set<String> found = new TreeSet<>();
        Matcher m = MENTION.matcher(body);
        while (m.find()) {
            found.add(m.group(1) + "/" + m.group(2));
        }
        return found;
    }

    // ---- the scenario -------------------------------------------------------------------------------------------

    private Reference person(Reference practice) {
        Patient patient = LinkwellFixtures.patient(SyntheticNhsNumbers.next());
        patient.addGeneralPractitioner(practice);
        String id = create(patient);
        people.add(id);
        return new Reference(id);
    }

    private static <T extends Resource> T tagged(T resource, String organisation, String role) {
        resource.getMeta()
                .addTag()
                .setSystem(AuthorOrganisationStamp.TAG_SYSTEM)
                .setCode(organisation);
        resource.getMeta()
                .addTag()
                .setSystem(AuthorOrganisationStamp.ROLE_TAG_SYSTEM)
                .setCode(role);
        return resource;
    }

    private static <T extends Resource> T labelled(T resource, boolean psy) {
        if (psy) {
            resource.getMeta().addSecurity().setSystem(ACT).setCode("PSY");
        }
        return resource;
    }

    private String create(Resource resource) {
        HttpResponse<String> created =
                send(admin, "POST", resource.fhirType(), fhir.newJsonParser().encodeResourceToString(resource));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String location = created.headers().firstValue("Location").orElseThrow();
        String id = resource.fhirType() + "/" + new org.hl7.fhir.r4.model.IdType(location).getIdPart();
        records.add(id);
        versions.put(id, 1);
        return id;
    }

    private static Reference ref(String id) {
        return new Reference(id);
    }

    private <T extends IBaseResource> T read(Class<T> type, String id) {
        return fhir.newJsonParser()
                .parseResource(type, send(admin, "GET", id, null).body());
    }

    private static String id(String reference) {
        return reference.substring(reference.indexOf('/') + 1);
    }

    private static String versionless(Resource resource) {
        return resource.fhirType() + "/" + resource.getIdElement().getIdPart();
    }

    private HttpResponse<String> send(String token, String method, String path, String body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create(gateway.fhirBase() + (path.isEmpty() ? "" : "/" + path).replace("|", "%7C")))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            request.header(
                    "Content-Type", method.equals("PATCH") ? "application/json-patch+json" : "application/fhir+json");
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            // Whatever a client sends, the gateway answers it: a server error is a bug (and its text a disclosure).
            assertThat(response.statusCode())
                    .as(method + " " + path + " answered " + response.body())
                    .isLessThan(500);
            return response;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
