package uk.linkwell.gateway.consent;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Consent.ConsentProvisionType;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;

/**
 * Access probes by consent situation: no consent, consent to the GP only, consent excluding mental health, expired,
 * revoked, a deny for one organisation inside a permit-all, minimum necessary for the link worker, the bases other
 * than consent, and break-glass. Each asserts the response body (and totals where there are any).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsentScenarioProbesTest extends ConsentProbes {

    private Reference noConsent;
    private Reference noConsentPlan;
    private Reference gpOnly;
    private Reference gpOnlyPlan;
    private Reference noMentalHealth;
    private Reference ordinaryGoal;
    private Reference mentalHealthGoal;
    private Reference expired;
    private Reference expiredPlan;
    private Reference denyLa;
    private Reference denyLaPlan;
    private Reference minimum;
    private Reference physicalCondition;
    private Reference riskCondition;
    private Reference referralWithReason;
    private Reference dischargeReferral;

    @BeforeAll
    void people() {
        organisations();
        noConsent = person();
        noConsentPlan = plan(noConsent);
        // Addressed to the local authority's team by the hospital: direct care, no consent needed.
        ServiceRequest discharge = LinkwellFixtures.referral(noConsent, gpOrg, laOrg);
        dischargeReferral = create(client(), authoredBy(discharge, "RXX"));

        gpOnly = person();
        gpOnlyPlan = plan(gpOnly);
        Consent toGp = consent(gpOnly, ConsentProvisionType.PERMIT);
        toActor(toGp.getProvision(), gpOrg);
        record(toGp);

        noMentalHealth = person();
        ordinaryGoal = goal(noMentalHealth, "Back to the allotment");
        mentalHealthGoal = create(
                client(),
                labelled(
                        authoredBy(LinkwellFixtures.goal(noMentalHealth, "Fewer panic attacks"), laOds),
                        SECURITY_ACT,
                        "PSY"));
        Consent exceptPsy = consent(noMentalHealth, ConsentProvisionType.PERMIT);
        toActor(exceptPsy.getProvision(), gpOrg);
        toActor(exceptPsy.getProvision(), teamOrg);
        exceptPsy
                .getProvision()
                .addProvision()
                .setType(ConsentProvisionType.DENY)
                .addSecurityLabel(new Coding(SECURITY_ACT, "PSY", null));
        record(exceptPsy);

        expired = person();
        expiredPlan = plan(expired);
        Consent old = consent(expired, ConsentProvisionType.PERMIT);
        old.getProvision().setPeriod(new Period().setStart(daysFromNow(-60)).setEnd(daysFromNow(-2)));
        record(old);

        denyLa = person();
        denyLaPlan = plan(denyLa);
        Consent allButLa = consent(denyLa, ConsentProvisionType.PERMIT);
        toActor(allButLa.getProvision().addProvision().setType(ConsentProvisionType.DENY), laOrg);
        record(allButLa);

        minimum = person();
        record(consent(minimum, ConsentProvisionType.PERMIT));
        // Written by the practice's GP system: its own records, in its role.
        physicalCondition = create(client(), authoredBy(condition(minimum, "Type 2 diabetes"), gpOds, "gp-system"));
        Condition risky = condition(minimum, "Epilepsy: seizures when alone");
        risky.getMeta()
                .addTag()
                .setSystem("https://fhir.linkwell.example/CodeSystem/sharing-marker")
                .setCode("bears-on-risk");
        riskCondition = create(client(), authoredBy(risky, gpOds, "gp-system"));
        ServiceRequest referral = LinkwellFixtures.referral(minimum, gpOrg, teamOrg);
        referral.addReasonCode().setText("Poorly controlled diabetes, HbA1c 80");
        referralWithReason = create(client(), authoredBy(referral, gpOds, "gp-system"));
    }

    private static Condition condition(Reference patient, String text) {
        return new Condition()
                .setSubject(patient)
                .setCode(new CodeableConcept().setText(text))
                .setClinicalStatus(new CodeableConcept(
                        new Coding("http://terminology.hl7.org/CodeSystem/condition-clinical", "active", null)));
    }

    // --- no consent -------------------------------------------------------------------------------------------

    @Test
    void noConsentGpSearchFindsNoneOfTheTeamsRecords() {
        HttpResponse<String> r = get(gpToken(), "CarePlan?subject=" + noConsent.getReference());
        Bundle b = bundle(r);
        assertThat(b.getEntry()).isEmpty();
        assertThat(b.hasTotal() ? b.getTotal() : 0).isZero();
        assertHidden(r, noConsentPlan);
    }

    @Test
    void noConsentGpReadOfThePlanIsRefused() {
        HttpResponse<String> r = get(gpToken(), noConsentPlan.getReference());
        assertThat(r.statusCode()).isIn(403, 404);
        assertThat(r.body()).contains("OperationOutcome").doesNotContain("Link worker action plan");
    }

    @Test
    void noConsentGpStillSeesTheDemographicRecordForDirectCare() {
        HttpResponse<String> r = get(gpToken(), noConsent.getReference());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains(idPart(noConsent));
    }

    @Test
    void noConsentTheAuthorOrganisationSeesItsOwnRecords() {
        Bundle b = bundle(get(linkWorkerToken(), "CarePlan?subject=" + noConsent.getReference()));
        assertThat(ids(b)).containsExactly(noConsentPlan.getReference());
    }

    @Test
    void aReferralAddressedToTheLocalAuthorityReachesItForDirectCare() {
        Bundle b = bundle(get(localAuthorityToken(), "ServiceRequest?subject=" + noConsent.getReference()));
        assertThat(ids(b)).containsExactly(dischargeReferral.getReference());
        HttpResponse<String> plans = get(localAuthorityToken(), "CarePlan?subject=" + noConsent.getReference());
        assertThat(bundle(plans).getEntry()).isEmpty();
        assertHidden(plans, noConsentPlan);
    }

    // --- consent to the GP only ---------------------------------------------------------------------------------

    @Test
    void consentToTheGpOnlyLetsTheGpSeeThePlan() {
        Bundle b = bundle(get(gpToken(), "CarePlan?subject=" + gpOnly.getReference()));
        assertThat(ids(b)).containsExactly(gpOnlyPlan.getReference());
    }

    @Test
    void consentToTheGpOnlyKeepsTheLocalAuthorityOut() {
        HttpResponse<String> r = get(localAuthorityToken(), "CarePlan?subject=" + gpOnly.getReference());
        assertThat(bundle(r).getEntry()).isEmpty();
        assertHidden(r, gpOnlyPlan);
        HttpResponse<String> read = get(localAuthorityToken(), gpOnlyPlan.getReference());
        assertThat(read.statusCode()).isIn(403, 404);
        assertHidden(read, gpOnlyPlan);
    }

    // --- consent excluding mental health ------------------------------------------------------------------------

    @Test
    void consentExcludingMentalHealthShowsTheOrdinaryGoalOnly() {
        HttpResponse<String> r = get(gpToken(), "Goal?subject=" + noMentalHealth.getReference());
        assertThat(ids(bundle(r))).containsExactly(ordinaryGoal.getReference());
        assertThat(r.body()).doesNotContain("panic");
        assertHidden(r, mentalHealthGoal);
    }

    @Test
    void consentExcludingMentalHealthRefusesTheLabelledGoalToTheTeamToo() {
        HttpResponse<String> r = get(linkWorkerToken(), mentalHealthGoal.getReference());
        assertThat(r.statusCode()).isIn(403, 404);
        assertThat(r.body()).doesNotContain("panic");
        // The author (the local authority) sees its own record.
        HttpResponse<String> own = get(localAuthorityToken(), mentalHealthGoal.getReference());
        assertThat(own.statusCode()).isEqualTo(200);
        assertThat(own.body()).contains("panic");
    }

    // --- expired and revoked ------------------------------------------------------------------------------------

    @Test
    void anExpiredConsentSharesNothing() {
        HttpResponse<String> r = get(gpToken(), "CarePlan?subject=" + expired.getReference());
        assertThat(bundle(r).getEntry()).isEmpty();
        assertHidden(r, expiredPlan);
    }

    @Test
    void aRevokedConsentStopsSharingAtOnce() {
        Reference person = person();
        Reference plan = plan(person);
        Consent c = consent(person, ConsentProvisionType.PERMIT);
        c.setId(record(c).getReferenceElement());
        assertThat(ids(bundle(get(gpToken(), "CarePlan?subject=" + person.getReference()))))
                .containsExactly(plan.getReference());
        c.setStatus(Consent.ConsentState.INACTIVE);
        client().update().resource(c).execute();
        HttpResponse<String> after = get(gpToken(), "CarePlan?subject=" + person.getReference());
        assertThat(bundle(after).getEntry()).isEmpty();
        assertHidden(after, plan);
        assertThat(get(gpToken(), plan.getReference()).statusCode()).isIn(403, 404);
    }

    // --- deny for one organisation inside a permit-all ----------------------------------------------------------

    @Test
    void permitAllLetsTheGpSee() {
        assertThat(ids(bundle(get(gpToken(), "CarePlan?subject=" + denyLa.getReference()))))
                .containsExactly(denyLaPlan.getReference());
    }

    @Test
    void theDeniedOrganisationSeesNothingNotEvenThePerson() {
        HttpResponse<String> plans = get(localAuthorityToken(), "CarePlan?subject=" + denyLa.getReference());
        assertThat(bundle(plans).getEntry()).isEmpty();
        assertHidden(plans, denyLaPlan);
        HttpResponse<String> patient = get(localAuthorityToken(), denyLa.getReference());
        assertThat(patient.statusCode()).isIn(403, 404);
        assertHidden(patient, denyLa);
    }

    @Test
    void aSection42EnquiryOverridesTheRefusalWhileItIsOpen() {
        // The purpose alone, with no enquiry behind it, is what TREAT gets: nothing.
        HttpResponse<String> asserted = get(
                localAuthorityToken(),
                "CarePlan?subject=" + denyLa.getReference(),
                FhirConsentAdapter.PURPOSE_HEADER,
                "S42");
        assertThat(bundle(asserted).getEntry()).isEmpty();
        assertHidden(asserted, denyLaPlan);
        // The council's enquiry about the person, open: now the refusal is overridden.
        create(client(), LinkwellFixtures.safeguardingEnquiry(denyLa, laOds, "S42-PROBE", true));
        HttpResponse<String> r = get(
                localAuthorityToken(),
                "CarePlan?subject=" + denyLa.getReference(),
                FhirConsentAdapter.PURPOSE_HEADER,
                "S42");
        assertThat(ids(bundle(r))).containsExactly(denyLaPlan.getReference());
    }

    // --- minimum necessary --------------------------------------------------------------------------------------

    @Test
    void theLinkWorkerDoesNotReceivePhysicalHealthConditions() {
        HttpResponse<String> r = get(linkWorkerToken(), "Condition?subject=" + minimum.getReference());
        assertThat(ids(bundle(r))).containsExactly(riskCondition.getReference());
        assertThat(r.body()).doesNotContain("diabetes");
        assertHidden(r, physicalCondition);
    }

    @Test
    void theGpReceivesItsOwnConditionsWhole() {
        Bundle b = bundle(get(gpToken(), "Condition?subject=" + minimum.getReference()));
        assertThat(ids(b)).containsExactlyInAnyOrder(physicalCondition.getReference(), riskCondition.getReference());
    }

    @Test
    void theLinkWorkerGetsTheReferralWithItsClinicalReasonRedacted() {
        HttpResponse<String> r = get(linkWorkerToken(), referralWithReason.getReference());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        ServiceRequest seen = fhirContext.newJsonParser().parseResource(ServiceRequest.class, r.body());
        assertThat(seen.hasReasonCode()).isFalse();
        assertThat(r.body()).doesNotContain("HbA1c");
        assertThat(seen.getMeta().getSecurity()).anyMatch(c -> "REDACTED".equals(c.getCode()));
        assertThat(seen.getCode().getCodingFirstRep().getCode()).isEqualTo("871731000000106");
        HttpResponse<String> gp = get(gpToken(), referralWithReason.getReference());
        assertThat(gp.body()).contains("HbA1c");
    }

    // --- break-glass --------------------------------------------------------------------------------------------

    @Test
    void breakGlassWithAReasonOpensTheRecord() {
        Reference person = person();
        Reference plan = plan(person);
        HttpResponse<String> before = get(gpToken(), "CarePlan?subject=" + person.getReference());
        assertThat(bundle(before).getEntry()).isEmpty();
        HttpResponse<String> glass = get(
                gpToken(),
                "CarePlan?subject=" + person.getReference(),
                FhirConsentAdapter.PURPOSE_HEADER,
                "ETREAT",
                FhirConsentAdapter.REASON_HEADER,
                "Found unresponsive, care plan needed by ambulance crew");
        assertThat(ids(bundle(glass))).containsExactly(plan.getReference());
        // The window stays open for this client and person without asking again.
        assertThat(ids(bundle(get(gpToken(), plan.getReference().replace("CarePlan/", "CarePlan?_id=")))))
                .containsExactly(plan.getReference());
        // ... but for nobody else.
        HttpResponse<String> la = get(localAuthorityToken(), "CarePlan?subject=" + person.getReference());
        assertThat(bundle(la).getEntry()).isEmpty();
    }

    @Test
    void breakGlassWithoutAReasonIsRefusedWithAnOperationOutcome() {
        HttpResponse<String> r = get(
                gpToken(), "CarePlan?subject=" + noConsent.getReference(), FhirConsentAdapter.PURPOSE_HEADER, "ETREAT");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).contains("OperationOutcome").contains("X-Break-Glass-Reason");
        assertHidden(r, noConsentPlan);
    }

    @Test
    void breakGlassOpensOnlyTheNeedToKnowSet() {
        Reference person = person();
        Reference referral = create(client(), authoredBy(LinkwellFixtures.referral(person, teamOrg, teamOrg), teamOds));
        HttpResponse<String> r = get(
                gpToken(),
                "ServiceRequest?subject=" + person.getReference(),
                FhirConsentAdapter.PURPOSE_HEADER,
                "ETREAT",
                FhirConsentAdapter.REASON_HEADER,
                "Missing person");
        assertThat(bundle(r).getEntry()).isEmpty();
        assertHidden(r, referral);
    }
}
