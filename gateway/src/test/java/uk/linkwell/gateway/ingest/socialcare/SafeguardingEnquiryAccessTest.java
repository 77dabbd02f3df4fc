package uk.linkwell.gateway.ingest.socialcare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.Flag;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import uk.linkwell.gateway.consent.AuthorOrganisationStamp;
import uk.linkwell.gateway.consent.FhirConsentAdapter;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;
import uk.linkwell.gateway.testsupport.TestTokens.Claims;

/**
 * A council's {@code X-Purpose-Of-Use: S42} is honoured only while it has a Section 42 enquiry open about the
 * person (opened and closed by its case events): with one, its social-care system reads a mental-health plan it
 * otherwise may not; without one (never opened, closed, or another council's) the same request gets what it gets
 * under TREAT. Opening and closing are audited as access grants; an enquiry written over FHIR is refused.
 */
class SafeguardingEnquiryAccessTest extends SocialCareEventsTestBase {

    private static final String PSY = "PSY";

    /** A person on council 999's caseload (its accepted referral opened the case) with a PSY-labelled plan. */
    private record OnCaseload(Case c, String patient, String plan) {}

    private OnCaseload onCaseloadWithAMentalHealthPlan() throws Exception {
        Case c = newCase();
        apply(event("referral-accepted", c));
        String patient = patientId(c.nhsNumber());
        CarePlan plan = LinkwellFixtures.actionPlan(new Reference(patient), organisation("LW0001"));
        plan.getMeta().addSecurity("http://terminology.hl7.org/CodeSystem/v3-ActCode", PSY, null);
        // Written by the link worker team: not the council's own record.
        plan.getMeta().addTag().setSystem(AuthorOrganisationStamp.TAG_SYSTEM).setCode("LW0001");
        String id = client().create()
                .resource(plan)
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue();
        return new OnCaseload(c, patient, id);
    }

    @Test
    void s42IsHonouredWhileTheCouncilsEnquiryIsOpenAndNotBeforeOrAfter() throws Exception {
        OnCaseload p = onCaseloadWithAMentalHealthPlan();
        List<String> underTreat = plansSeen(p.patient(), null);
        assertThat(underTreat).doesNotContain(p.plan());
        // Asserted with no enquiry behind it, the purpose changes nothing.
        assertThat(plansSeen(p.patient(), "S42")).isEqualTo(underTreat);

        long opened = apply(event("safeguarding-enquiry-opened", p.c()));
        assertThat(plansSeen(p.patient(), "S42")).contains(p.plan());
        // Only under that purpose: the council's ordinary reads are as before.
        assertThat(plansSeen(p.patient(), null)).isEqualTo(underTreat);

        long closed = apply(event("safeguarding-enquiry-closed", p.c()));
        assertThat(plansSeen(p.patient(), "S42")).isEqualTo(underTreat);

        // Opening and closing are in the disclosure trail as a grant and its withdrawal, with their messages.
        String enquiry = one(Flag.class, "safeguarding-enquiry", p.c().key() + ":S42-0007")
                .getIdElement()
                .toUnqualifiedVersionless()
                .getValue();
        List<AuditEvent> grants = awaitGrants(p.patient(), enquiry, 2);
        assertThat(grants).extracting(AuditEvent::getOutcomeDesc).containsExactly("grant", "revoke");
        assertThat(grants.get(0).getEntity())
                .anySatisfy(
                        e -> assertThat(e.getWhat().getIdentifier().getValue()).isEqualTo(String.valueOf(opened)));
        assertThat(grants.get(1).getEntity())
                .anySatisfy(
                        e -> assertThat(e.getWhat().getIdentifier().getValue()).isEqualTo(String.valueOf(closed)));
        for (AuditEvent grant : grants) {
            assertThat(grant.getAgent())
                    .anySatisfy(a ->
                            assertThat(a.getWho().getIdentifier().getValue()).isEqualTo(LA));
            assertThat(grant.getEntity())
                    .anySatisfy(e -> assertThat(e.getWhat().getReference()).startsWith(p.patient() + "/_history/"));
        }
    }

    @Test
    void anotherCouncilsOpenEnquiryDoesNotCount() throws Exception {
        OnCaseload p = onCaseloadWithAMentalHealthPlan();
        List<String> underTreat = plansSeen(p.patient(), null);
        client().create()
                .resource(LinkwellFixtures.safeguardingEnquiry(new Reference(p.patient()), "998", "S42-OTHER", true))
                .execute();
        assertThat(plansSeen(p.patient(), "S42")).isEqualTo(underTreat).doesNotContain(p.plan());
        // Nor does an enquiry of its own about someone else.
        OnCaseload someoneElse = onCaseloadWithAMentalHealthPlan();
        apply(event("safeguarding-enquiry-opened", someoneElse.c()));
        assertThat(plansSeen(someoneElse.patient(), "S42")).contains(someoneElse.plan());
        assertThat(plansSeen(p.patient(), "S42")).isEqualTo(underTreat);
    }

    @Test
    void aCouncilCannotOpenAnEnquiryForItselfOverFhir() throws Exception {
        OnCaseload p = onCaseloadWithAMentalHealthPlan();
        String token = tokenFor(Claims.of("social-care-system", LA, "system/*.rs system/Flag.cruds"));
        Flag enquiry = LinkwellFixtures.safeguardingEnquiry(new Reference(p.patient()), LA, "S42-SELF", true);
        HttpResponse<String> r = http().send(
                        HttpRequest.newBuilder(URI.create(fhirBase() + "/Flag"))
                                .header("Authorization", "Bearer " + token)
                                .header("Content-Type", "application/fhir+json")
                                .POST(HttpRequest.BodyPublishers.ofString(
                                        fhirContext.newJsonParser().encodeResourceToString(enquiry)))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
        assertThat(byIdentifier(Flag.class, "safeguarding-enquiry", "S42-SELF")).isEmpty();
        assertThat(plansSeen(p.patient(), "S42")).doesNotContain(p.plan());
    }

    /** The CarePlans council 999's own system finds for the person, under the purpose (null: none, i.e. TREAT). */
    private List<String> plansSeen(String patient, String purpose) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(fhirBase() + "/CarePlan?subject=" + patient))
                .header("Authorization", "Bearer " + socialCareToken());
        if (purpose != null) {
            request.header(FhirConsentAdapter.PURPOSE_HEADER, purpose);
        }
        HttpResponse<String> r = http().send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return fhirContext.newJsonParser().parseResource(Bundle.class, r.body()).getEntry().stream()
                .filter(Bundle.BundleEntryComponent::hasResource)
                .map(e -> e.getResource()
                        .getIdElement()
                        .toUnqualifiedVersionless()
                        .getValue())
                .toList();
    }

    /** The access grants about the patient naming the resource, oldest first, once there are this many. */
    private List<AuditEvent> awaitGrants(String patient, String resource, int count) {
        List<AuditEvent> grants = new ArrayList<>();
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> {
                    grants.clear();
                    client().search()
                            .byUrl("AuditEvent?subtype=access-grant&patient=" + patient + "&entity=" + resource
                                    + "&_sort=date")
                            .returnBundle(Bundle.class)
                            .execute()
                            .getEntry()
                            .forEach(e -> grants.add((AuditEvent) e.getResource()));
                    assertThat(grants).hasSize(count);
                });
        return grants;
    }
}
