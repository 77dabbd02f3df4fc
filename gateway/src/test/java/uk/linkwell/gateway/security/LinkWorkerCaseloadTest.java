package uk.linkwell.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import java.util.List;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.Test;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;
import uk.linkwell.gateway.testsupport.TestTokens.Claims;

/** A link worker's app sees its practitioner's caseload (CareTeam membership) and nothing else. */
class LinkWorkerCaseloadTest extends GatewayIntegrationTest {

    private static final String SCOPES = "user/Patient.rs user/CarePlan.cruds user/CareTeam.rs user/Goal.cruds";

    private Reference create(IGenericClient client, Resource resource) {
        return new Reference(
                client.create().resource(resource).execute().getId().toUnqualifiedVersionless());
    }

    private static List<String> ids(Bundle bundle) {
        return bundle.getEntry().stream()
                .map(e -> e.getResource()
                        .getIdElement()
                        .toUnqualifiedVersionless()
                        .getValue())
                .toList();
    }

    @Test
    void seesItsCaseloadAndNothingElseUntilThePersonJoinsItsCareTeam() {
        IGenericClient admin = client();
        String ods = "L" + UUID.randomUUID().toString().substring(0, 5).toUpperCase();
        Reference practice = create(admin, LinkwellFixtures.organisation(ods, "Practice with a link worker"));
        Reference linkWorker = create(admin, LinkwellFixtures.practitioner("Linkworker"));
        Reference colleague = create(admin, LinkwellFixtures.practitioner("Colleague"));
        Reference onCaseload = create(admin, registered(practice));
        Reference notYet = create(admin, registered(practice));
        // The test admin wrote the plans, not the link worker's team: both people consented to sharing, so what
        // remains is caseload scoping (consent itself: see consent/*Probes).
        GpPracticeScopingTest.consentsToSharing(admin, onCaseload.getReference(), linkWorker);
        GpPracticeScopingTest.consentsToSharing(admin, notYet.getReference(), linkWorker);
        create(admin, careTeam(onCaseload, linkWorker));
        CareTeam othersTeam = careTeam(notYet, colleague);
        othersTeam.setId(create(admin, othersTeam).getReferenceElement());
        create(admin, LinkwellFixtures.actionPlan(onCaseload, linkWorker));
        Reference planNotYet = create(admin, LinkwellFixtures.actionPlan(notYet, colleague));

        IGenericClient app =
                clientAs(Claims.of("link-worker-app", ods, SCOPES).withPractitioner(linkWorker.getReference()));
        Bundle patients = app.search()
                .forResource(Patient.class)
                .returnBundle(Bundle.class)
                .execute();
        assertThat(ids(patients)).containsExactly(onCaseload.getReference());
        Bundle plans = app.search()
                .forResource(CarePlan.class)
                .returnBundle(Bundle.class)
                .execute();
        assertThat(plans.getEntry()).hasSize(1);
        assertThat(((CarePlan) plans.getEntryFirstRep().getResource())
                        .getSubject()
                        .getReference())
                .isEqualTo(onCaseload.getReference());
        // Same practice, but not on this worker's caseload: not visible (not known, as a missing record), not writable.
        assertThatThrownBy(() -> app.read()
                        .resource(Patient.class)
                        .withId(notYet.getReferenceElement())
                        .execute())
                .isInstanceOf(ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException.class);
        assertThatThrownBy(() -> app.read()
                        .resource(CarePlan.class)
                        .withId(planNotYet.getReferenceElement())
                        .execute())
                .isInstanceOf(ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException.class);
        assertThatThrownBy(() -> app.create()
                        .resource(LinkwellFixtures.actionPlan(notYet, linkWorker))
                        .execute())
                .isInstanceOf(ForbiddenOperationException.class);
        // Writing for someone on the caseload is fine.
        assertThat(app.create()
                        .resource(LinkwellFixtures.actionPlan(onCaseload, linkWorker))
                        .execute()
                        .getCreated())
                .isTrue();

        // The person joins the worker's care team: visible at once.
        othersTeam.addParticipant().setMember(linkWorker);
        admin.update().resource(othersTeam).execute();
        Bundle after = app.search()
                .forResource(Patient.class)
                .returnBundle(Bundle.class)
                .execute();
        assertThat(ids(after)).containsExactlyInAnyOrder(onCaseload.getReference(), notYet.getReference());
        assertThat(app.read()
                        .resource(CarePlan.class)
                        .withId(planNotYet.getReferenceElement())
                        .execute()
                        .getSubject()
                        .getReference())
                .isEqualTo(notYet.getReference());
    }

    @Test
    void anAppWithoutAPractitionerSeesNobody() {
        IGenericClient app = clientAs(Claims.of("link-worker-app", "Y00000", SCOPES));
        Bundle patients = app.search()
                .forResource(Patient.class)
                .returnBundle(Bundle.class)
                .execute();
        assertThat(patients.getEntry()).isEmpty();
        assertThat(app.search()
                        .forResource(CarePlan.class)
                        .returnBundle(Bundle.class)
                        .execute()
                        .getEntry())
                .isEmpty();
    }

    private static Patient registered(Reference practice) {
        Patient p = LinkwellFixtures.patient(SyntheticNhsNumbers.next());
        p.addGeneralPractitioner(practice);
        return p;
    }

    private static CareTeam careTeam(Reference subject, Reference member) {
        CareTeam team = new CareTeam()
                .setStatus(CareTeam.CareTeamStatus.ACTIVE)
                .setSubject(subject)
                .setName("Link worker care team");
        team.addParticipant().setMember(member);
        return team;
    }
}
