package uk.linkwell.gateway.consent;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;
import uk.linkwell.gateway.testsupport.TestTokens.Claims;

/**
 * Shared set-up for the consent access probes: a GP practice, a link worker team (one link worker), a local
 * authority and an unrelated practice, each with its own random ODS code; people registered at the practice, on
 * the link worker's caseload and the local authority's; records written by the link worker team; and clients for
 * each role that send real tokens over HTTP.
 */
abstract class ConsentProbes extends GatewayIntegrationTest {

    static final String SECURITY_ACT = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
    static final String RECIPIENT_ROLE = "https://fhir.linkwell.example/CodeSystem/recipient-role";
    static final String GP_SCOPES = "system/Patient.rs system/CarePlan.rs system/Goal.rs system/ServiceRequest.rs "
            + "system/Task.rs system/Flag.rs system/Condition.rs system/Observation.rs system/Consent.rs "
            + "system/Organization.rs system/EpisodeOfCare.rs";
    static final String LW_SCOPES = "user/Patient.rs user/CarePlan.cruds user/Goal.cruds user/ServiceRequest.rs "
            + "user/Condition.rs user/Consent.crus user/CareTeam.rs user/Flag.rs user/Observation.rs";
    static final String LA_SCOPES = "system/*.rs";

    final String gpOds = "G" + UUID.randomUUID().toString().substring(0, 5).toUpperCase();
    final String teamOds = "T" + UUID.randomUUID().toString().substring(0, 5).toUpperCase();
    final String laOds = "A" + UUID.randomUUID().toString().substring(0, 5).toUpperCase();
    Reference gpOrg;
    Reference teamOrg;
    Reference laOrg;
    Reference linkWorker;

    void organisations() {
        IGenericClient admin = client();
        gpOrg = create(admin, LinkwellFixtures.organisation(gpOds, "Probe surgery"));
        teamOrg = create(admin, LinkwellFixtures.organisation(teamOds, "Probe link worker team"));
        laOrg = create(admin, LinkwellFixtures.organisation(laOds, "Probe local authority"));
        linkWorker = create(admin, LinkwellFixtures.practitioner("Probe-linkworker"));
    }

    /** Someone registered at the practice, on the link worker's caseload and with an open social-care episode. */
    Reference person() {
        IGenericClient admin = client();
        Patient p = LinkwellFixtures.patient(SyntheticNhsNumbers.next());
        p.addGeneralPractitioner(gpOrg);
        Reference patient = create(admin, p);
        CareTeam team = new CareTeam()
                .setStatus(CareTeam.CareTeamStatus.ACTIVE)
                .setSubject(patient)
                .setName("Link worker care team");
        team.addParticipant().setMember(linkWorker);
        create(admin, authoredBy(team, teamOds));
        EpisodeOfCare episode = new EpisodeOfCare()
                .setStatus(EpisodeOfCare.EpisodeOfCareStatus.ACTIVE)
                .setPatient(patient)
                .setManagingOrganization(laOrg)
                .setPeriod(new org.hl7.fhir.r4.model.Period()
                        .setStartElement(new org.hl7.fhir.r4.model.DateTimeType("2026-09-29")));
        episode.addType(new CodeableConcept().setText("Adult social care case"));
        create(admin, authoredBy(episode, laOds));
        return patient;
    }

    static <T extends Resource> T authoredBy(T resource, String ods) {
        resource.getMeta()
                .addTag()
                .setSystem(AuthorOrganisationStamp.TAG_SYSTEM)
                .setCode(ods);
        return resource;
    }

    /** Written by a client of that organisation and role (an operator may state both). */
    static <T extends Resource> T authoredBy(T resource, String ods, String role) {
        authoredBy(resource, ods)
                .getMeta()
                .addTag()
                .setSystem(AuthorOrganisationStamp.ROLE_TAG_SYSTEM)
                .setCode(role);
        return resource;
    }

    static <T extends Resource> T labelled(T resource, String system, String code) {
        resource.getMeta().addSecurity().setSystem(system).setCode(code);
        return resource;
    }

    Reference plan(Reference patient) {
        return create(client(), authoredBy(LinkwellFixtures.actionPlan(patient, teamOrg), teamOds));
    }

    Reference goal(Reference patient, String words) {
        return create(client(), authoredBy(LinkwellFixtures.goal(patient, words), teamOds));
    }

    /** The person's consent, as a link worker records it: verbal, recorded by the link worker. */
    Consent consent(Reference patient, Consent.ConsentProvisionType type) {
        Consent c = LinkwellFixtures.verbalConsent(patient, linkWorker);
        c.getProvision().setType(type);
        return c;
    }

    static void toActor(Consent.ProvisionComponent provision, Reference actor) {
        provision
                .addActor()
                .setReference(actor)
                .setRole(new CodeableConcept(new Coding(
                        "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                        "IRCP",
                        "information recipient")));
    }

    Reference record(Consent consent) {
        return create(client(), authoredBy(consent, teamOds));
    }

    static Reference create(IGenericClient client, Resource resource) {
        return new Reference(
                client.create().resource(resource).execute().getId().toUnqualifiedVersionless());
    }

    String gpToken() {
        return tokenFor(Claims.of("gp-system", gpOds, GP_SCOPES));
    }

    String linkWorkerToken() {
        return tokenFor(Claims.of("link-worker-app", teamOds, LW_SCOPES).withPractitioner(linkWorker.getReference()));
    }

    String localAuthorityToken() {
        return tokenFor(Claims.of("social-care-system", laOds, LA_SCOPES));
    }

    HttpResponse<String> get(String token, String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(
                        URI.create(path.startsWith("http") ? path : fhirBase() + "/" + path.replace("|", "%7C")))
                .header("Authorization", "Bearer " + token);
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        try {
            return http().send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpResponse<String> post(String token, String path, String body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(fhirBase() + "/" + path))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/fhir+json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        try {
            return http().send(request, HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    Bundle bundle(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return fhirContext.newJsonParser().parseResource(Bundle.class, response.body());
    }

    static List<String> ids(Bundle bundle) {
        return bundle.getEntry().stream()
                .filter(Bundle.BundleEntryComponent::hasResource)
                .map(e -> e.getResource()
                        .getIdElement()
                        .toUnqualifiedVersionless()
                        .getValue())
                .toList();
    }

    static String idPart(Reference reference) {
        return reference.getReferenceElement().getIdPart();
    }

    /**
     * Refused or empty, and in either case the hidden record itself is nowhere in the body: no resource with its
     * id, no entry with its URL. (A permitted record may still name it in a reference, e.g. a plan's goals; its
     * content never leaves.)
     */
    void assertHidden(HttpResponse<String> response, Reference... hidden) {
        for (Reference h : hidden) {
            assertThat(response.body())
                    .as("body must not hold " + h.getReference())
                    .doesNotContain("\"id\": \"" + idPart(h) + "\"")
                    .doesNotContain("\"id\":\"" + idPart(h) + "\"")
                    .doesNotContain("fhir/" + h.getReference() + "\"")
                    .doesNotContain("fhir/" + h.getReference() + "/");
        }
    }

    static Date daysFromNow(int days) {
        return new Date(System.currentTimeMillis() + days * 86_400_000L);
    }
}
