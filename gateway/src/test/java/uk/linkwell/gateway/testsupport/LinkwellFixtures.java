package uk.linkwell.gateway.testsupport;

import java.util.Date;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.Flag;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import uk.linkwell.profiles.LinkwellPackage;
import uk.linkwell.profiles.LinkwellProfiles;

/** Synthetic resources that conform to the Linkwell profiles, for tests that are about something else. */
public final class LinkwellFixtures {

    public static final String NHS = LinkwellProfiles.NHS_NUMBER_SYSTEM;
    public static final String ODS = LinkwellProfiles.ODS_CODE_SYSTEM;
    private static final String CS = LinkwellPackage.CANONICAL_BASE + "/CodeSystem/";

    private LinkwellFixtures() {}

    public static Patient patient(String nhsNumber) {
        Patient p = new Patient();
        p.addIdentifier().setSystem(NHS).setValue(nhsNumber);
        p.addName().setFamily("Testperson").addGiven("Sam");
        return p;
    }

    public static Organization organisation(String odsCode, String name) {
        Organization o = new Organization().setName(name);
        o.addIdentifier().setSystem(ODS).setValue(odsCode);
        return o;
    }

    public static Practitioner practitioner(String family) {
        Practitioner p = new Practitioner();
        p.addName().setFamily(family).addGiven("Pat");
        return p;
    }

    public static Goal goal(Reference subject, String inTheirWords) {
        return new Goal()
                .setLifecycleStatus(Goal.GoalLifecycleStatus.ACTIVE)
                .setDescription(new CodeableConcept().setText(inTheirWords))
                .setSubject(subject)
                .setExpressedBy(subject);
    }

    public static ServiceRequest referral(Reference subject, Reference requester, Reference performer) {
        ServiceRequest sr = new ServiceRequest()
                .setStatus(ServiceRequest.ServiceRequestStatus.ACTIVE)
                .setIntent(ServiceRequest.ServiceRequestIntent.ORDER)
                .setPriority(ServiceRequest.ServiceRequestPriority.ROUTINE)
                .setSubject(subject)
                .setRequester(requester)
                .setAuthoredOn(new Date())
                .setCode(new CodeableConcept(new Coding(
                        "http://snomed.info/sct", "871731000000106", "Referral to social prescribing service")));
        sr.addPerformer(performer);
        return sr;
    }

    /**
     * A council's Section 42 safeguarding enquiry about the person, as its case events record it: a restricted
     * safeguarding-concern Flag with the council's enquiry identifier, active while open.
     */
    public static Flag safeguardingEnquiry(Reference subject, String council, String enquiryId, boolean open) {
        Flag flag = new Flag()
                .setStatus(open ? Flag.FlagStatus.ACTIVE : Flag.FlagStatus.INACTIVE)
                .setSubject(subject)
                .setCode(new CodeableConcept().setText("Section 42 safeguarding enquiry: test concern"))
                .setPeriod(new Period().setStartElement(new DateTimeType("2026-11-01")));
        flag.addIdentifier()
                .setSystem("https://fhir.linkwell.example/Id/socialcare/" + council + "/safeguarding-enquiry")
                .setValue(enquiryId);
        flag.addCategory(new CodeableConcept(new Coding(CS + "flag-category", "safeguarding-concern", null)));
        flag.getMeta().addSecurity("http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "R", "restricted");
        flag.setAuthor(new Reference()
                .setType("Organization")
                .setIdentifier(
                        new org.hl7.fhir.r4.model.Identifier().setSystem(ODS).setValue(council))
                .setDisplay("Council " + council));
        return flag;
    }

    /** A social-care case (LinkwellEpisodeOfCare) of the person, managed by the organisation. */
    public static EpisodeOfCare episode(
            Reference patient, Reference managingOrganisation, EpisodeOfCare.EpisodeOfCareStatus status) {
        EpisodeOfCare episode = new EpisodeOfCare()
                .setStatus(status)
                .setPatient(patient)
                .setManagingOrganization(managingOrganisation)
                .setPeriod(new Period().setStartElement(new DateTimeType("2026-09-29")));
        if (status == EpisodeOfCare.EpisodeOfCareStatus.FINISHED) {
            episode.getPeriod().setEndElement(new DateTimeType("2026-10-31"));
        }
        episode.addType(new CodeableConcept().setText("Adult social care case"));
        return episode;
    }

    public static CarePlan actionPlan(Reference subject, Reference author) {
        CarePlan plan = new CarePlan()
                .setStatus(CarePlan.CarePlanStatus.ACTIVE)
                .setIntent(CarePlan.CarePlanIntent.PLAN)
                .setSubject(subject)
                .setAuthor(author)
                .setPeriod(new Period().setStartElement(new DateTimeType("2026-10-01")))
                .setTitle("Link worker action plan");
        plan.addCategory(new CodeableConcept(
                new Coding(CS + "care-plan-category", "link-worker-action-plan", "Link worker action plan")));
        return plan;
    }

    public static CarePlan withComplexity(CarePlan plan, String colour) {
        plan.addExtension(
                LinkwellProfiles.COMPLEXITY_RATING_EXTENSION,
                new CodeableConcept(new Coding(CS + "complexity-rating", colour, null)));
        return plan;
    }

    public static Consent verbalConsent(Reference patient, Reference recordedBy) {
        Consent consent = new Consent()
                .setStatus(Consent.ConsentState.ACTIVE)
                .setScope(new CodeableConcept(new Coding(
                        "http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy", "Privacy Consent")))
                .setPatient(patient)
                .setDateTime(new Date());
        consent.addCategory(new CodeableConcept(new Coding("http://loinc.org", "59284-0", "Patient Consent")));
        consent.addExtension(LinkwellProfiles.CONSENT_METHOD_EXTENSION, new CodeType("verbal"));
        consent.addExtension(LinkwellProfiles.CONSENT_RECORDED_BY_EXTENSION, recordedBy);
        consent.addPolicy().setUri(LinkwellPackage.CANONICAL_BASE + "/policy/information-sharing-agreement");
        consent.getProvision().setType(Consent.ConsentProvisionType.PERMIT);
        return consent;
    }

    public static Consent bestInterestDecision(Reference patient, Reference recordedBy) {
        Consent consent = verbalConsent(patient, recordedBy);
        consent.getExtension().removeIf(e -> e.getUrl().equals(LinkwellProfiles.CONSENT_METHOD_EXTENSION));
        consent.addExtension(LinkwellProfiles.BEST_INTEREST_DECISION_EXTENSION, new BooleanType(true));
        return consent;
    }
}
