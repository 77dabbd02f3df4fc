package uk.linkwell.mappings.socialcare;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.LocalDate;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Flag;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Task;

/**
 * assessment-completed (a completed Task with the eligible needs as output), care-plan-updated (CarePlan,
 * Goals, agreed actions as ServiceRequests, risks as Flags, agencies as a CareTeam) and the review Tasks.
 */
final class PlanEvents {

    static final String CARE_PLAN_CATEGORY = CaseIdentity.BASE + "/CodeSystem/care-plan-category";
    static final String FLAG_CATEGORY = CaseIdentity.BASE + "/CodeSystem/flag-category";
    static final String RECIPIENT_ROLE = CaseIdentity.BASE + "/CodeSystem/recipient-role";
    static final String GOAL_ACHIEVEMENT = "http://terminology.hl7.org/CodeSystem/goal-achievement";
    static final String CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality";

    private PlanEvents() {}

    static void assessmentCompleted(CaseIdentity c) throws CaseEventException {
        CaseEvent e = c.event;
        String assessmentId = e.requireText("assessmentId");
        LocalDate completedOn = e.date("completedOn");
        Task task =
                task(c, c.itemId("assessment", assessmentId), Task.TaskStatus.COMPLETED, "Care Act needs assessment");
        task.setExecutionPeriod(new Period().setEndElement(new DateTimeType(completedOn.toString())));
        task.setBusinessStatus(CaseIdentity.text(e.requireText("outcome")));
        for (JsonNode need : e.list("eligibleNeeds")) {
            task.addOutput().setType(CaseIdentity.text("eligible need")).setValue(new StringType(need.asText()));
        }
        if (!e.text("summary").isEmpty()) {
            task.addNote().setText(e.text("summary"));
        }
        c.transaction.put(task, c.itemId("assessment", assessmentId));
    }

    static void carePlanUpdated(CaseIdentity c) throws CaseEventException {
        CaseEvent e = c.event;
        JsonNode author = e.body().path("author");
        CarePlan plan = new CarePlan();
        plan.addIdentifier(c.caseId("care-plan"));
        plan.setStatus(CarePlan.CarePlanStatus.ACTIVE);
        plan.setIntent(CarePlan.CarePlanIntent.PLAN);
        plan.addCategory(CaseIdentity.concept(CARE_PLAN_CATEGORY, "care-and-support-plan", null));
        plan.setTitle("Care and support plan");
        plan.setSubject(c.patient());
        plan.setPeriod(new Period()
                .setStartElement(new DateTimeType(e.date("planStart").toString())));
        plan.setAuthor(new Reference()
                .setType("Practitioner")
                .setDisplay(author.path("name").asText())
                .setIdentifier(c.id("worker", author.path("id").asText())));
        for (JsonNode need : e.list("needs")) {
            plan.addAddresses(new Reference().setDisplay(need.asText()));
        }
        for (JsonNode goal : e.list("goals")) {
            plan.addGoal(goal(c, goal));
        }
        for (JsonNode action : e.list("actions")) {
            plan.addActivity().setReference(action(c, action));
        }
        for (JsonNode risk : e.list("risks")) {
            plan.addSupportingInfo(risk(c, risk));
        }
        plan.addCareTeam(CaseIdentity.byIdentifier("CareTeam", c.caseId("allocation")));
        if (!e.list("contacts").isEmpty()) {
            plan.addCareTeam(agencies(c, e.list("contacts")));
        }
        c.transaction.put(plan, c.caseId("care-plan"));
    }

    private static Reference goal(CaseIdentity c, JsonNode node) throws CaseEventException {
        Goal goal = new Goal();
        var id = c.itemId("goal", node.path("goalId").asText());
        goal.addIdentifier(id);
        goal.setLifecycleStatus(Goal.GoalLifecycleStatus.ACTIVE);
        goal.getDescription().setText(node.path("inPersonsWords").asText());
        goal.setSubject(c.patient());
        goal.setExpressedBy(c.patient());
        if (node.hasNonNull("dueOn")) {
            goal.addTarget()
                    .setDue(new DateType(
                            CaseEvent.date(node, "/body/goals", "dueOn").toString()));
        }
        if (node.hasNonNull("achievement")) {
            goal.setAchievementStatus(CaseIdentity.concept(
                    GOAL_ACHIEVEMENT, node.path("achievement").asText(), null));
        }
        return c.transaction.put(goal, id);
    }

    private static Reference action(CaseIdentity c, JsonNode node) {
        ServiceRequest action = new ServiceRequest();
        var id = c.itemId("action", node.path("actionId").asText());
        action.addIdentifier(id);
        action.setStatus(ServiceRequest.ServiceRequestStatus.ACTIVE);
        action.setIntent(ServiceRequest.ServiceRequestIntent.PLAN);
        action.setCode(CaseIdentity.concept(CaseIdentity.SNOMED, "3457005", "Patient referral")
                .setText(node.path("description").asText()));
        action.setPriority(ServiceRequest.ServiceRequestPriority.ROUTINE);
        action.setSubject(c.patient());
        action.setAuthoredOnElement(CaseIdentity.occurred(c.event));
        action.setRequester(c.localAuthority());
        action.addPerformer(c.organisation(node.path("provider")));
        return c.transaction.put(action, id);
    }

    private static Reference risk(CaseIdentity c, JsonNode node) {
        Flag flag = new Flag();
        var id = c.itemId("risk", node.path("riskId").asText());
        flag.addIdentifier(id);
        flag.getMeta().addSecurity(CONFIDENTIALITY, "N", "normal");
        flag.setStatus(Flag.FlagStatus.ACTIVE);
        flag.addCategory(
                CaseIdentity.concept(FLAG_CATEGORY, node.path("category").asText(), null));
        flag.setCode(CaseIdentity.text(node.path("description").asText()));
        flag.setSubject(c.patient());
        flag.setAuthor(c.localAuthority());
        return c.transaction.put(flag, id);
    }

    /** Every agency involved, with its contact details, as contained Organizations of one CareTeam. */
    private static Reference agencies(CaseIdentity c, java.util.List<JsonNode> contacts) {
        CareTeam team = new CareTeam();
        team.addIdentifier(c.caseId("agencies"));
        team.setStatus(CareTeam.CareTeamStatus.ACTIVE);
        team.setName("Agencies involved");
        team.setSubject(c.patient());
        int n = 0;
        for (JsonNode contact : contacts) {
            Organization agency = new Organization();
            agency.setId("agency-" + (++n));
            agency.setName(contact.path("agency").asText());
            if (contact.hasNonNull("odsCode")) {
                agency.addIdentifier()
                        .setSystem(CaseIdentity.ODS)
                        .setValue(contact.path("odsCode").asText());
            }
            var person = agency.addContact();
            if (contact.hasNonNull("contactName")) {
                person.getName().setText(contact.path("contactName").asText());
            }
            if (contact.hasNonNull("phone")) {
                person.addTelecom()
                        .setSystem(ContactPoint.ContactPointSystem.PHONE)
                        .setValue(contact.path("phone").asText());
            }
            if (contact.hasNonNull("email")) {
                person.addTelecom()
                        .setSystem(ContactPoint.ContactPointSystem.EMAIL)
                        .setValue(contact.path("email").asText());
            }
            if (person.isEmpty()) {
                agency.setContact(null);
            }
            team.addContained(agency);
            team.addParticipant()
                    .addRole(CaseIdentity.concept(
                            RECIPIENT_ROLE, contact.path("role").asText(), null))
                    .setMember(new Reference("#" + agency.getId()).setDisplay(agency.getName()));
        }
        return c.transaction.put(team, c.caseId("agencies"));
    }

    /** review-scheduled: a placeholder Task; review-completed owns it (and repeats kind, trigger and due date). */
    static void review(CaseIdentity c, boolean completed) throws CaseEventException {
        CaseEvent e = c.event;
        String reviewId = e.requireText("reviewId");
        var id = c.itemId("review", reviewId);
        String kind = e.requireText("kind");
        Task task = task(
                c,
                id,
                completed ? Task.TaskStatus.COMPLETED : Task.TaskStatus.REQUESTED,
                "planned".equals(kind) ? "Planned annual review" : "Unscheduled review");
        task.setBasedOn(java.util.List.of(CaseIdentity.byIdentifier("CarePlan", c.caseId("care-plan"))));
        if (!e.text("trigger").isEmpty()) {
            task.setReasonCode(CaseIdentity.text("review trigger: " + e.text("trigger")));
        }
        task.getRestriction().setPeriod(new Period().setEndElement(CaseIdentity.endOfDay(e.date("dueOn"))));
        if (completed) {
            task.setExecutionPeriod(new Period()
                    .setEndElement(new DateTimeType(e.date("completedOn").toString())));
            task.addOutput().setType(CaseIdentity.text("outcome")).setValue(new StringType(e.requireText("outcome")));
            task.addOutput()
                    .setType(CaseIdentity.text("plan changed"))
                    .setValue(new org.hl7.fhir.r4.model.BooleanType(e.flag("planChanged")));
            c.transaction.put(task, id);
        } else {
            c.transaction.createIfAbsent(task, id);
        }
    }

    /** A LinkwellTask of the case: its focus is the referral (by identifier, whatever arrived first). */
    static Task task(CaseIdentity c, org.hl7.fhir.r4.model.Identifier id, Task.TaskStatus status, String what) {
        Task task = new Task();
        task.addIdentifier(id);
        task.setStatus(status);
        task.setIntent(Task.TaskIntent.ORDER);
        task.setCode(CaseIdentity.text(what));
        task.setFocus(c.referral());
        task.setFor(c.patient());
        task.setAuthoredOnElement(CaseIdentity.occurred(c.event));
        task.setOwner(c.localAuthority());
        return task;
    }
}
