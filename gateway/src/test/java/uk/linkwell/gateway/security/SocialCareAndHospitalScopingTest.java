package uk.linkwell.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import java.util.List;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.Test;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;
import uk.linkwell.gateway.testsupport.TestTokens.Claims;

/** A local authority sees its own cases; a hospital writes and reads nothing back. */
class SocialCareAndHospitalScopingTest extends GatewayIntegrationTest {

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
    void aLocalAuthoritySeesThePeopleWithItsCases() {
        IGenericClient admin = client();
        String la = "LA" + UUID.randomUUID().toString().substring(0, 4).toUpperCase();
        String otherLa = "LB" + UUID.randomUUID().toString().substring(0, 4).toUpperCase();
        Reference council = create(admin, LinkwellFixtures.organisation(la, "Adult social care"));
        Reference otherCouncil = create(admin, LinkwellFixtures.organisation(otherLa, "Neighbouring council"));
        Reference ours = create(admin, LinkwellFixtures.patient(SyntheticNhsNumbers.next()));
        Reference theirs = create(admin, LinkwellFixtures.patient(SyntheticNhsNumbers.next()));
        create(admin, openCase(ours, council));
        create(admin, openCase(theirs, otherCouncil));

        IGenericClient system = clientAs(Claims.of("social-care-system", la, "system/*.rs system/EpisodeOfCare.cu"));
        assertThat(ids(system.search()
                        .forResource(Patient.class)
                        .returnBundle(Bundle.class)
                        .execute()))
                .containsExactly(ours.getReference());
        Bundle cases = system.search()
                .forResource(EpisodeOfCare.class)
                .returnBundle(Bundle.class)
                .execute();
        assertThat(cases.getEntry()).hasSize(1);
        assertThat(((EpisodeOfCare) cases.getEntryFirstRep().getResource())
                        .getPatient()
                        .getReference())
                .isEqualTo(ours.getReference());
        // Someone else's case answers as a record that does not exist.
        assertThatThrownBy(() -> system.read()
                        .resource(Patient.class)
                        .withId(theirs.getReferenceElement())
                        .execute())
                .isInstanceOf(ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException.class);
        // Shared reference data (not about a patient) is readable with the wildcard scope.
        assertThat(system.read()
                        .resource(org.hl7.fhir.r4.model.Organization.class)
                        .withId(otherCouncil.getReferenceElement())
                        .execute()
                        .getName())
                .isEqualTo("Neighbouring council");
    }

    @Test
    void aHospitalWritesButReadsNothingBack() {
        IGenericClient hospital = clientAs(Claims.of("hospital", "RXX", "system/*.cruds"));
        var created = hospital.create()
                .resource(LinkwellFixtures.patient(SyntheticNhsNumbers.next()))
                .execute();
        assertThat(created.getCreated()).isTrue();
        assertThatThrownBy(() -> hospital.read()
                        .resource(Patient.class)
                        .withId(created.getId())
                        .execute())
                .isInstanceOf(ForbiddenOperationException.class)
                .hasMessageContaining("hospital clients write only");
        assertThatThrownBy(() -> hospital.search()
                        .forResource(Patient.class)
                        .returnBundle(Bundle.class)
                        .execute())
                .isInstanceOf(ForbiddenOperationException.class);
    }

    @Test
    void eachTransactionEntryNeedsItsOwnScope() {
        IGenericClient hospital = clientAs(Claims.of("hospital", "RXX", "system/Patient.c"));
        Bundle patientsOnly = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        patientsOnly
                .addEntry()
                .setResource(LinkwellFixtures.patient(SyntheticNhsNumbers.next()))
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Patient");
        Bundle done = hospital.transaction().withBundle(patientsOnly).execute();
        assertThat(done.getEntryFirstRep().getResponse().getStatus()).startsWith("201");

        Bundle withAnEpisode = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        withAnEpisode
                .addEntry()
                .setFullUrl("urn:uuid:" + UUID.randomUUID())
                .setResource(LinkwellFixtures.patient(SyntheticNhsNumbers.next()))
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Patient");
        withAnEpisode
                .addEntry()
                .setResource(openCase(
                        new Reference(withAnEpisode.getEntryFirstRep().getFullUrl()),
                        new Reference("Organization/unknown")))
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("EpisodeOfCare");
        assertThatThrownBy(
                        () -> hospital.transaction().withBundle(withAnEpisode).execute())
                .isInstanceOf(ForbiddenOperationException.class)
                .hasMessageContaining("EpisodeOfCare");
    }

    static EpisodeOfCare openCase(Reference patient, Reference organisation) {
        EpisodeOfCare episode = new EpisodeOfCare()
                .setStatus(EpisodeOfCare.EpisodeOfCareStatus.ACTIVE)
                .setPatient(patient)
                .setManagingOrganization(organisation)
                .setPeriod(new Period().setStartElement(new DateTimeType("2026-09-29")));
        episode.addType(new CodeableConcept().setText("Adult social care case"));
        return episode;
    }
}
