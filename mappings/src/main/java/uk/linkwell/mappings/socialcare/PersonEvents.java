package uk.linkwell.mappings.socialcare;

import com.fasterxml.jackson.databind.JsonNode;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Flag;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.RelatedPerson;
import org.hl7.fhir.r4.model.StringType;

/**
 * carer-identified (RelatedPerson on the carers' register), Section 42 safeguarding enquiries (Flag), a carer's
 * breakdown (Flag) and a change of circumstances (Communication to the care team): the last three are what the
 * gateway opens an unscheduled review on.
 */
final class PersonEvents {

    static final String CARER_STATUS = CaseIdentity.BASE + "/CodeSystem/carer-status";
    static final String ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode";

    private PersonEvents() {}

    /** The carer belongs to the person, not to one case: keyed by person and carer id. */
    static void carerIdentified(CaseIdentity c) throws CaseEventException {
        CaseEvent e = c.event;
        var id = c.id("carer", e.personKey() + ":" + e.requireText("carerId"));
        RelatedPerson carer = new RelatedPerson();
        carer.addIdentifier(id);
        carer.setActive(true);
        carer.setPatient(c.patient());
        carer.addRelationship(CaseIdentity.concept(CaseIdentity.SNOMED, "133932002", "Caregiver (person)"));
        carer.addRelationship(CaseIdentity.text(e.requireText("relationship")));
        var name = carer.addName().setFamily(e.requireText("familyName"));
        if (!e.text("givenName").isEmpty()) {
            name.addGiven(e.text("givenName"));
        }
        if (!e.text("phone").isEmpty()) {
            carer.addTelecom().setSystem(ContactPoint.ContactPointSystem.PHONE).setValue(e.text("phone"));
        }
        if (e.flag("onCarersRegister")) {
            carer.getMeta().addTag(CARER_STATUS, "carers-register", "On the carers' register");
        }
        if (e.flag("carersAssessmentOffered")) {
            carer.getMeta().addTag(CARER_STATUS, "carers-assessment-offered", "Carer's assessment offered");
        }
        c.transaction.put(carer, id);
    }

    /**
     * Section 42 enquiry: restricted (Confidentiality R, plus the v3 ActCodes of what it concerns). Opened
     * writes a placeholder; closed owns the Flag and repeats what opened said, so either order ends the same.
     */
    static void safeguarding(CaseIdentity c, boolean closed) throws CaseEventException {
        CaseEvent e = c.event;
        var id = c.itemId("safeguarding-enquiry", e.requireText("enquiryId"));
        Flag flag = new Flag();
        flag.addIdentifier(id);
        flag.getMeta().addSecurity(PlanEvents.CONFIDENTIALITY, "R", "restricted");
        for (JsonNode code : e.list("sensitivity")) {
            flag.getMeta().addSecurity(ACT_CODE, code.asText(), null);
        }
        flag.setStatus(closed ? Flag.FlagStatus.INACTIVE : Flag.FlagStatus.ACTIVE);
        flag.addCategory(CaseIdentity.concept(PlanEvents.FLAG_CATEGORY, "safeguarding-concern", null));
        flag.setCode(CaseIdentity.text("Section 42 safeguarding enquiry: " + e.requireText("concern")));
        flag.setSubject(c.patient());
        Period period =
                new Period().setStartElement(new DateTimeType(e.date("openedOn").toString()));
        if (closed) {
            period.setEndElement(new DateTimeType(e.date("closedOn").toString()));
            flag.setCode(CaseIdentity.text("Section 42 safeguarding enquiry: " + e.requireText("concern") + " Outcome: "
                    + e.requireText("outcome")));
        }
        flag.setPeriod(period);
        flag.setAuthor(c.localAuthority());
        if (closed) {
            c.transaction.put(flag, id);
        } else {
            c.transaction.createIfAbsent(flag, id);
        }
    }

    /**
     * The person's carer can no longer care as before: an active Flag (flag-category carer-breakdown, Confidentiality
     * N, as a plan's risks), from the day it was reported. The event owns it (PUT): no other event writes it.
     */
    static void carerBreakdown(CaseIdentity c) throws CaseEventException {
        CaseEvent e = c.event;
        var id = c.itemId("carer-breakdown", e.requireText("breakdownId"));
        Flag flag = new Flag();
        flag.addIdentifier(id);
        flag.getMeta().addSecurity(PlanEvents.CONFIDENTIALITY, "N", "normal");
        flag.setStatus(Flag.FlagStatus.ACTIVE);
        flag.addCategory(CaseIdentity.concept(PlanEvents.FLAG_CATEGORY, "carer-breakdown", null));
        flag.setCode(CaseIdentity.text("Carer breakdown: " + e.requireText("description")));
        flag.setSubject(c.patient());
        flag.setPeriod(new Period()
                .setStartElement(new DateTimeType(e.date("reportedOn").toString())));
        flag.setAuthor(c.localAuthority());
        c.transaction.put(flag, id);
    }

    /**
     * A material change in the person's circumstances, told by the council to the case's care team (the allocation
     * CareTeam, by identifier) about the case: a Communication (category change-of-circumstances), its kind as
     * reasonCode text (the review triggers of review-scheduled). The event owns it (PUT).
     */
    static void changeOfCircumstances(CaseIdentity c) throws CaseEventException {
        CaseEvent e = c.event;
        var id = c.itemId("change-of-circumstances", e.requireText("changeId"));
        String kind = e.requireText("kind");
        Communication change = new Communication();
        change.addIdentifier(id);
        change.setStatus(Communication.CommunicationStatus.COMPLETED);
        change.addCategory(
                CaseIdentity.concept(ReferralEvents.COMMUNICATION_CATEGORY, "change-of-circumstances", null));
        change.setSubject(c.patient());
        change.addAbout(CaseIdentity.byIdentifier("EpisodeOfCare", c.caseId("case")));
        change.addRecipient(CaseIdentity.byIdentifier("CareTeam", c.caseId("allocation")));
        change.setSender(c.localAuthority());
        change.setSentElement(new DateTimeType(e.date("changedOn").toString()));
        change.addReasonCode(CaseIdentity.text(kind));
        change.addPayload().setContent(new StringType(e.requireText("description")));
        c.transaction.put(change, id);
    }
}
