package uk.linkwell.mappings.socialcare;

import com.fasterxml.jackson.databind.JsonNode;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Flag;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.RelatedPerson;

/** carer-identified (RelatedPerson on the carers' register) and Section 42 safeguarding enquiries (Flag). */
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
}
