package uk.linkwell.gateway.consent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Consent.ConsentProvisionType;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;

/**
 * The same engine on an outbound exchange: one Bundle, two recipients, two different payloads that each match the
 * rules (consent excluding mental health for both; minimum necessary for the link worker).
 */
class OutboundConsentFilterTest extends ConsentProbes {

    @Autowired
    private OutboundConsentFilter filter;

    @Test
    void oneBundleTwoRecipientsTwoPayloads() throws Exception {
        organisations();
        Reference person = person();
        Reference plan = plan(person);
        Reference goal = goal(person, "Join the walking group");
        Reference psyGoal = create(
                client(),
                labelled(authoredBy(LinkwellFixtures.goal(person, "Manage low mood"), teamOds), SECURITY_ACT, "PSY"));
        ServiceRequest referral = LinkwellFixtures.referral(person, gpOrg, laOrg);
        referral.addReasonCode().setText("Recurrent falls, on warfarin");
        Reference referralRef = create(client(), authoredBy(referral, gpOds));
        Consent c = consent(person, ConsentProvisionType.PERMIT);
        toActor(c.getProvision(), gpOrg);
        toActor(c.getProvision(), laOrg);
        c.getProvision()
                .addProvision()
                .setType(ConsentProvisionType.DENY)
                .addSecurityLabel(new Coding(SECURITY_ACT, "PSY", null));
        record(c);

        Bundle payload = new Bundle().setType(Bundle.BundleType.COLLECTION);
        for (Reference r : List.of(person, plan, goal, psyGoal, referralRef)) {
            Resource resource = (Resource) client().read()
                    .resource(r.getReferenceElement().getResourceType())
                    .withId(r.getReferenceElement())
                    .execute();
            payload.addEntry().setFullUrl(r.getReference()).setResource(resource);
        }

        Bundle toGp = filter.filter(
                payload,
                new OutboundConsentFilter.Recipient("gp-system-client", "gp-system", gpOds, null, null),
                "test-exchange-gp");
        Bundle toLa = filter.filter(
                payload,
                new OutboundConsentFilter.Recipient("la-client", "social-care-system", laOds, null, null),
                "test-exchange-la");

        // What the GP may not have is named with the provision that refused it.
        OutboundConsentFilter.Screened screenedForGp = filter.screen(
                payload,
                new OutboundConsentFilter.Recipient("gp-system-client", "gp-system", gpOds, null, null),
                "test-exchange-gp-screen");
        assertThat(ids(screenedForGp.bundle())).isEqualTo(ids(toGp));
        assertThat(screenedForGp.withheld()).singleElement().satisfies(w -> {
            assertThat(w.reference()).isEqualTo(psyGoal.getReference());
            assertThat(w.basis()).startsWith("Consent/").endsWith("#provision.provision[0]");
        });
        assertThat(screenedForGp.anyPermitted()).isTrue();

        // The GP: the person, the plan and the ordinary goal (consent), its own referral whole; no mental health.
        assertThat(ids(toGp))
                .containsExactlyInAnyOrder(
                        person.getReference(), plan.getReference(), goal.getReference(), referralRef.getReference());
        assertThat(reason(toGp)).isEqualTo("Recurrent falls, on warfarin");
        // The local authority: the same minus nothing consent allows it; also no mental-health goal.
        assertThat(ids(toLa))
                .containsExactlyInAnyOrder(
                        person.getReference(), plan.getReference(), goal.getReference(), referralRef.getReference());
        assertThat(ids(toLa)).doesNotContain(psyGoal.getReference());

        // A link worker's app (no consent actor for it here): its team's own records (mental-health goal included)
        // and the person's demographic record (direct care); not the GP's referral.
        Bundle toLinkWorker = filter.filter(
                payload,
                new OutboundConsentFilter.Recipient(
                        "lw-client", "link-worker-app", teamOds, linkWorker.getReference(), null),
                "test-exchange-lw");
        assertThat(ids(toLinkWorker))
                .containsExactlyInAnyOrder(
                        person.getReference(), plan.getReference(), goal.getReference(), psyGoal.getReference());
        assertThat(ids(toLinkWorker)).isNotEqualTo(ids(toGp));
        // The payload handed in is unchanged.
        assertThat(payload.getEntry()).hasSize(5);
    }

    @Test
    void minimumNecessaryRedactsForTheLinkWorker() {
        organisations();
        Reference person = person();
        ServiceRequest referral = LinkwellFixtures.referral(person, gpOrg, teamOrg);
        referral.addReasonCode(new CodeableConcept().setText("Heart failure, breathless"));
        Reference referralRef = create(client(), authoredBy(referral, gpOds));
        record(consent(person, ConsentProvisionType.PERMIT));
        Bundle payload = new Bundle().setType(Bundle.BundleType.COLLECTION);
        payload.addEntry()
                .setResource(client().read()
                        .resource(ServiceRequest.class)
                        .withId(referralRef.getReferenceElement())
                        .execute());
        payload.addEntry()
                .setResource(client().read()
                        .resource(Patient.class)
                        .withId(person.getReferenceElement())
                        .execute());
        Bundle toLinkWorker = filter.filter(
                payload,
                new OutboundConsentFilter.Recipient("lw", "link-worker-app", teamOds, linkWorker.getReference(), null),
                "test-exchange-redact");
        Bundle toGp = filter.filter(
                payload,
                new OutboundConsentFilter.Recipient("gp", "gp-system", gpOds, null, null),
                "test-exchange-gp2");
        assertThat(reason(toLinkWorker)).isNull();
        assertThat(reason(toGp)).isEqualTo("Heart failure, breathless");
        ServiceRequest redacted = (ServiceRequest) toLinkWorker.getEntry().stream()
                .filter(e -> e.getResource() instanceof ServiceRequest)
                .findFirst()
                .orElseThrow()
                .getResource();
        assertThat(redacted.getMeta().getSecurity()).anyMatch(s -> "REDACTED".equals(s.getCode()));
    }

    private static String reason(Bundle bundle) {
        return bundle.getEntry().stream()
                .map(Bundle.BundleEntryComponent::getResource)
                .filter(r -> r instanceof ServiceRequest)
                .map(r -> (ServiceRequest) r)
                .filter(ServiceRequest::hasReasonCode)
                .map(s -> s.getReasonCodeFirstRep().getText())
                .findFirst()
                .orElse(null);
    }
}
