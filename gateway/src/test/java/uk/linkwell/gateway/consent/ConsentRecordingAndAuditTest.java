package uk.linkwell.gateway.consent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Consent.ConsentProvisionType;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import uk.linkwell.gateway.consent.audit.Disclosure;
import uk.linkwell.gateway.consent.audit.DisclosureAudit;
import uk.linkwell.gateway.hapi.StoreConsentLookup;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;

/**
 * A link worker records the person's consent through FHIR (verbal, or a best-interest decision), and the GP's view
 * changes at once; every permitted disclosure and every break-glass reaches the audit with its basis, and denials
 * are counted in {@code linkwell.consent.decisions}.
 */
class ConsentRecordingAndAuditTest extends ConsentProbes {

    @Autowired
    private ConsentedDisclosures disclosures;

    @Autowired
    private MeterRegistry meters;

    @Autowired
    private javax.sql.DataSource dataSource;

    @Autowired
    private ca.uhn.fhir.jpa.api.dao.DaoRegistry daos;

    private final List<Disclosure> audited = new CopyOnWriteArrayList<>();
    private final DisclosureAudit observer = audited::add;

    @BeforeEach
    void listen() {
        if (gpOrg == null) {
            organisations();
        }
        disclosures.alsoTo(observer);
    }

    @AfterEach
    void stopListening() {
        disclosures.stopSending(observer);
    }

    private String json(Consent consent) {
        return fhirContext.newJsonParser().encodeResourceToString(consent);
    }

    @Test
    void aLinkWorkerRecordsVerbalConsentAndTheGpSeesThePlanAfterwards() {
        Reference person = person();
        Reference plan = plan(person);
        HttpResponse<String> before = get(gpToken(), "CarePlan?subject=" + person.getReference());
        assertThat(bundle(before).getEntry()).isEmpty();
        assertHidden(before, plan);

        Consent c = consent(person, ConsentProvisionType.PERMIT);
        toActor(c.getProvision(), gpOrg);
        HttpResponse<String> recorded = post(linkWorkerToken(), "Consent", json(c));
        assertThat(recorded.statusCode()).as(recorded.body()).isEqualTo(201);

        HttpResponse<String> after = get(gpToken(), "CarePlan?subject=" + person.getReference());
        assertThat(ids(bundle(after))).containsExactly(plan.getReference());
        // The link worker team wrote the Consent: it carries the team as author organisation.
        String consentId = recorded.headers().firstValue("Location").orElseThrow();
        HttpResponse<String> own = get(linkWorkerToken(), consentId.substring(consentId.indexOf("Consent/")));
        assertThat(own.body()).contains(AuthorOrganisationStamp.TAG_SYSTEM).contains(teamOds);
    }

    /**
     * The engine reads a patient's Consents with its own query (StoreConsentLookup), not a FHIR search: it must find
     * exactly what {@code Consent?patient=...&status=active} finds (not inactive, deleted or other people's ones).
     */
    @Test
    void theConsentLookupFindsWhatTheFhirSearchFinds() {
        Reference person = person();
        Reference other = person();
        Consent permit = consent(person, ConsentProvisionType.PERMIT);
        toActor(permit.getProvision(), gpOrg);
        Consent inactive = consent(person, ConsentProvisionType.PERMIT);
        inactive.setStatus(Consent.ConsentState.INACTIVE);
        Consent deleted = consent(person, ConsentProvisionType.DENY);
        Consent othersConsent = consent(other, ConsentProvisionType.PERMIT);
        List<String> written = new java.util.ArrayList<>();
        for (Consent c : List.of(permit, inactive, deleted, othersConsent)) {
            HttpResponse<String> r = post(linkWorkerToken(), "Consent", json(c));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
            String location = r.headers().firstValue("Location").orElseThrow();
            written.add(new org.hl7.fhir.r4.model.IdType(location)
                    .toUnqualifiedVersionless()
                    .getValue());
        }
        client().delete()
                .resourceById(new org.hl7.fhir.r4.model.IdType(written.get(2)))
                .execute();
        // A second version of the permit: the lookup must read the current one.
        Consent current =
                client().read().resource(Consent.class).withId(written.get(0)).execute();
        current.getProvision()
                .addPurpose(new org.hl7.fhir.r4.model.Coding(
                        "http://terminology.hl7.org/CodeSystem/v3-ActReason", "TREAT", null));
        client().update().resource(current).execute();
        Consent stored =
                client().read().resource(Consent.class).withId(written.get(0)).execute();
        assertThat(stored.getIdElement().getVersionIdPart()).isEqualTo("2");

        StoreConsentLookup lookup = new StoreConsentLookup(dataSource, daos);
        String patient = person.getReferenceElement().toUnqualifiedVersionless().getValue();
        List<String> found = lookup.apply(patient).stream()
                .map(c -> c.getIdElement().toUnqualifiedVersionless().getValue())
                .toList();
        List<String> searched = client()
                .search()
                .forResource(Consent.class)
                .where(Consent.PATIENT.hasId(patient))
                .and(Consent.STATUS.exactly().code("active"))
                .returnBundle(org.hl7.fhir.r4.model.Bundle.class)
                .execute()
                .getEntry()
                .stream()
                .map(e -> e.getResource()
                        .getIdElement()
                        .toUnqualifiedVersionless()
                        .getValue())
                .toList();
        assertThat(found).containsExactly(written.get(0));
        assertThat(found).containsExactlyInAnyOrderElementsOf(searched);
        // Parsed from the stored JSON itself (not through HAPI's DAO), with the id and version HAPI gave it, and
        // the same content HAPI serves (meta aside: the lookup does not rebuild HAPI's stored meta).
        Consent read = lookup.apply(patient).get(0);
        assertThat(lookup.readThroughDao()).isZero();
        assertThat(read.getIdElement().getValue()).isEqualTo(written.get(0) + "/_history/2");
        assertThat(withoutMeta(read)).isEqualTo(withoutMeta(stored));
        // Each stored version is parsed once (versions 2 of the permit and 1 of the inactive one), however often
        // the patient is asked about; a new version is parsed afresh.
        assertThat(lookup.parsed()).isEqualTo(2);
        lookup.apply(patient);
        assertThat(lookup.parsed()).isEqualTo(2);
        Consent changed = read.copy();
        changed.getProvision()
                .addPurpose(new org.hl7.fhir.r4.model.Coding(
                        "http://terminology.hl7.org/CodeSystem/v3-ActReason", "CAREMGT", null));
        client().update().resource(changed).execute();
        List<Consent> afterUpdate = lookup.apply(patient);
        assertThat(lookup.parsed()).isEqualTo(3);
        assertThat(afterUpdate.get(0).getIdElement().getVersionIdPart()).isEqualTo("3");
        assertThat(afterUpdate.get(0).getProvision().getPurpose())
                .extracting(org.hl7.fhir.r4.model.Coding::getCode)
                .contains("TREAT", "CAREMGT");
        assertThat(lookup.apply("Patient/no-such-patient")).isEmpty();
    }

    private String withoutMeta(Consent consent) {
        Consent copy = consent.copy();
        copy.setMeta(null);
        copy.setId((String) null);
        return fhirContext.newJsonParser().encodeResourceToString(copy);
    }

    /** The README's example, as sent with curl: conditional references, actor by ODS code, a PSY exception. */
    @Test
    void theReadmeConsentExampleWorksAsDocumented() {
        Reference person = person();
        plan(person);
        String nhs = client().read()
                .resource(org.hl7.fhir.r4.model.Patient.class)
                .withId(person.getReferenceElement())
                .execute()
                .getIdentifierFirstRep()
                .getValue();
        String count =
                "CarePlan?subject:Patient.identifier=https://fhir.nhs.uk/Id/nhs-number|" + nhs + "&_summary=count";
        assertThat(bundle(get(gpToken(), count)).getTotal()).isZero();
        String p = "Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|" + nhs;
        String body =
                """
                {"resourceType":"Consent",
                  "meta":{"tag":[{"system":"https://fhir.linkwell.example/CodeSystem/author-organisation","code":"LW0001"}]},
                  "extension":[{"url":"https://fhir.linkwell.example/StructureDefinition/consent-method","valueCode":"verbal"},
                    {"url":"https://fhir.linkwell.example/StructureDefinition/consent-recorded-by","valueReference":{"display":"Link worker"}}],
                  "status":"active",
                  "scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"patient-privacy"}]},
                  "category":[{"coding":[{"system":"http://loinc.org","code":"59284-0"}]}],
                  "patient":{"reference":"PATIENT"},"dateTime":"2026-11-20T10:00:00Z",
                  "policy":[{"uri":"https://fhir.linkwell.example/policy/information-sharing-agreement"}],
                  "provision":{"type":"permit",
                    "actor":[{"role":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ParticipationType","code":"IRCP"}]},
                              "reference":{"identifier":{"system":"https://fhir.nhs.uk/Id/ods-organization-code","value":"GPODS"}}}],
                    "provision":[{"type":"deny","securityLabel":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"PSY"}]}]}}
                """
                        .replace("PATIENT", p)
                        .replace("GPODS", gpOds);
        HttpResponse<String> recorded = post(adminToken(), "Consent", body);
        assertThat(recorded.statusCode()).as(recorded.body()).isEqualTo(201);
        assertThat(bundle(get(gpToken(), count)).getTotal()).isEqualTo(1);
        HttpResponse<String> glass =
                get(gpToken(), count.replace("&_summary=count", ""), FhirConsentAdapter.PURPOSE_HEADER, "ETREAT");
        assertThat(glass.statusCode()).isEqualTo(403);
        assertThat(glass.body()).contains("diagnostics").contains("X-Break-Glass-Reason");
    }

    @Test
    void aBestInterestDecisionStandsInForConsent() {
        Reference person = person();
        Reference plan = plan(person);
        Consent decision = LinkwellFixtures.bestInterestDecision(person, linkWorker);
        toActor(decision.getProvision(), gpOrg);
        HttpResponse<String> recorded = post(linkWorkerToken(), "Consent", json(decision));
        assertThat(recorded.statusCode()).as(recorded.body()).isEqualTo(201);
        assertThat(ids(bundle(get(gpToken(), "CarePlan?subject=" + person.getReference()))))
                .containsExactly(plan.getReference());
    }

    @Test
    void aConsentWithoutWhoRecordedItIsRefusedByTheProfile() {
        Reference person = person();
        Consent c = consent(person, ConsentProvisionType.PERMIT);
        c.getExtension().removeIf(e -> e.getUrl().endsWith("consent-recorded-by"));
        HttpResponse<String> r = post(linkWorkerToken(), "Consent", json(c));
        assertThat(r.statusCode()).isEqualTo(422);
        assertThat(r.body()).contains("OperationOutcome");
    }

    @Test
    void everyPermittedDisclosureIsAuditedWithItsBasis() {
        Reference person = person();
        Reference plan = plan(person);
        Consent c = consent(person, ConsentProvisionType.PERMIT);
        toActor(c.getProvision(), gpOrg);
        Reference consent = record(c);
        bundle(get(gpToken(), "CarePlan?subject=" + person.getReference()));
        // Disclosures are handed over when the request completes, which may be just after the response.
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(audited).anySatisfy(d -> {
                    // Named with the version the response served.
                    assertThat(d.resources()).containsExactly(plan.getReference() + "/_history/1");
                    assertThat(d.patient()).isEqualTo(person.getReference());
                    assertThat(d.basis()).isEqualTo(consent.getReference() + "#provision");
                    assertThat(d.decision()).isEqualTo("permit");
                    assertThat(d.organisation()).isEqualTo(gpOds);
                    assertThat(d.channel()).isEqualTo("fhir-search");
                    assertThat(d.purposeOfUse()).isEqualTo("TREAT");
                    assertThat(d.breakGlass()).isFalse();
                }));
        // Someone who has not consented: their own demographic record goes to the GP on the direct-care basis.
        Reference notConsented = person();
        bundle(get(gpToken(), "Patient?_id=" + idPart(notConsented)));
        // Disclosures are handed over when the request completes, which may be just after the response.
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(audited).anySatisfy(d -> {
                    assertThat(d.resources()).containsExactly(notConsented.getReference() + "/_history/1");
                    assertThat(d.basis()).isEqualTo("direct-care");
                    assertThat(d.channel()).isEqualTo("fhir-search");
                }));
    }

    @Test
    void everyBreakGlassIsAuditedAndFlaggedWithItsReason() {
        Reference person = person();
        Reference plan = plan(person);
        // Break-glass names the one person it is for.
        bundle(get(
                gpToken(),
                "CarePlan?subject=" + person.getReference(),
                FhirConsentAdapter.PURPOSE_HEADER,
                "ETREAT",
                FhirConsentAdapter.REASON_HEADER,
                "Threatening self-harm"));
        // Disclosures are handed over when the request completes, which may be just after the response.
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(audited).anySatisfy(d -> {
                    assertThat(d.resources()).containsExactly(plan.getReference() + "/_history/1");
                    assertThat(d.basis()).isEqualTo("break-glass");
                    assertThat(d.breakGlass()).isTrue();
                    assertThat(d.breakGlassReason()).isEqualTo("Threatening self-harm");
                    assertThat(d.purposeOfUse()).isEqualTo("ETREAT");
                }));
    }

    @Test
    void deniedDisclosuresAreCountedNotAudited() {
        Reference person = person();
        Reference plan = plan(person);
        double before = deniedByDefault();
        HttpResponse<String> r = get(gpToken(), plan.getReference());
        assertThat(r.statusCode()).isIn(403, 404);
        assertThat(deniedByDefault()).isGreaterThan(before);
        assertThat(audited).noneSatisfy(d -> assertThat(d.resources())
                .anySatisfy(
                        ref -> assertThat(ref.replaceFirst("/_history/.*", "")).isEqualTo(plan.getReference())));
    }

    private double deniedByDefault() {
        Counter c = meters.find(ConsentedDisclosures.METRIC)
                .tag("decision", "deny")
                .tag("basis", "default-deny")
                .counter();
        return c == null ? 0 : c.count();
    }
}
