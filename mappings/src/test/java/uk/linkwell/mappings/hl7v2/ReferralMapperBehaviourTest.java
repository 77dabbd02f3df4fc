package uk.linkwell.mappings.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.Test;
import uk.linkwell.mappings.MappingContext;

/** The referral rules one at a time: code, priority, due date, dates, identities and idempotence. */
class ReferralMapperBehaviourTest {

    private static final String SP = "ref-i12-v251-social-prescribing";
    private static final String URGENT = "ref-i12-v23-urgent-care-management";

    private static Bundle map(String message, ReferralMappingConfig config, Instant receivedAt) throws Exception {
        return new ReferralMapper(config).map(message, new MappingContext("b", receivedAt));
    }

    @Test
    void aRoutineReferralIsDueAtTheEndOfTheThirdDayAfterReceipt() throws Exception {
        Bundle bundle =
                map(ReferralFixtures.golden(SP), ReferralFixtures.config(), Instant.parse("2026-11-26T09:00:00Z"));
        Task task = ReferralFixtures.only(bundle, Task.class);
        assertThat(task.getRestriction().getPeriod().getEndElement().getValueAsString())
                .isEqualTo("2026-11-29T23:59:59+00:00");
        assertThat(task.getStatus()).isEqualTo(Task.TaskStatus.REQUESTED);
        assertThat(task.getPriority()).isEqualTo(Task.TaskPriority.ROUTINE);
    }

    @Test
    void anUrgentReferralIsDueTheSameDayInLocalTime() throws Exception {
        // 23:30 UTC on 30 June is already 1 July in London (BST): the same day is the local one.
        Bundle bundle =
                map(ReferralFixtures.golden(URGENT), ReferralFixtures.config(), Instant.parse("2026-06-30T23:30:00Z"));
        Task task = ReferralFixtures.only(bundle, Task.class);
        assertThat(task.getRestriction().getPeriod().getEndElement().getValueAsString())
                .isEqualTo("2026-07-01T23:59:59+01:00");
        assertThat(ReferralFixtures.only(bundle, ServiceRequest.class).getPriority())
                .isEqualTo(ServiceRequest.ServiceRequestPriority.URGENT);
    }

    @Test
    void asapIsUrgentAndRoutineOrEmptyIsRoutine() throws Exception {
        for (String[] c : new String[][] {{"A", "urgent"}, {"S^Stat", "urgent"}, {"R", "routine"}, {"", "routine"}}) {
            String message = MessageText.ofText(ReferralFixtures.golden(SP))
                    .field("RF1", 2, c[0])
                    .text();
            ServiceRequest request = ReferralFixtures.only(ReferralFixtures.mapText(message), ServiceRequest.class);
            assertThat(request.getPriority().toCode()).as(c[0]).isEqualTo(c[1]);
        }
    }

    @Test
    void theCodeComesFromTheReceivingServiceThenTheReferralTypeThenTheDefault() throws Exception {
        String toCareManagement = ReferralFixtures.golden(URGENT);
        assertThat(code(toCareManagement, ReferralMappingConfig.defaults())).isEqualTo("3457005");
        assertThat(code(
                        toCareManagement,
                        ReferralMappingConfig.builder()
                                .receivingServiceCode("x26cmt", ReferralMappingConfig.SOCIAL_PRESCRIBING)
                                .build()))
                .isEqualTo("871731000000106");
        String typed =
                MessageText.ofText(toCareManagement).field("RF1", 3, "SP").text();
        assertThat(code(typed, ReferralMappingConfig.defaults())).isEqualTo("871731000000106");
        String category =
                MessageText.ofText(toCareManagement).field("RF1", 5, "O").text();
        assertThat(code(
                        category,
                        ReferralMappingConfig.builder()
                                .referralCategoryCode("O", ReferralMappingConfig.SOCIAL_PRESCRIBING)
                                .build()))
                .isEqualTo("871731000000106");
    }

    private static String code(String message, ReferralMappingConfig config) throws Exception {
        Bundle bundle = map(message, config, Instant.parse("2026-11-26T09:00:00Z"));
        return ReferralFixtures.only(bundle, ServiceRequest.class)
                .getCode()
                .getCodingFirstRep()
                .getCode();
    }

    @Test
    void authoredOnIsRf1SevenElseTheMessageTime() throws Exception {
        ServiceRequest withRf1 = ReferralFixtures.only(ReferralFixtures.map(SP), ServiceRequest.class);
        assertThat(withRf1.getAuthoredOnElement().getValueAsString()).isEqualTo("2026-11-25T14:00:00+00:00");
        ServiceRequest fromMsh = ReferralFixtures.only(ReferralFixtures.map(URGENT), ServiceRequest.class);
        assertThat(fromMsh.getAuthoredOnElement().getValueAsString()).isEqualTo("2026-11-25T09:15:00+00:00");
    }

    @Test
    void requesterIsTheReferringPracticeAndPerformerTheReceivingServiceByOdsCode() throws Exception {
        ServiceRequest request = ReferralFixtures.only(ReferralFixtures.map(SP), ServiceRequest.class);
        assertThat(request.getRequester().getIdentifier().getValue()).isEqualTo("Y01234");
        assertThat(request.getPerformerFirstRep().getIdentifier().getValue()).isEqualTo("X26SPL");
        assertThat(request.getIdentifierFirstRep().getSystem()).endsWith("/Id/gp-referral/Y01234");
        assertThat(request.getIdentifierFirstRep().getValue()).isEqualTo("GPR-2026-000101");
        assertThat(request.getReasonCode())
                .extracting(c -> c.getText())
                .containsExactly("Lonely and isolated", "Money worries", "Lives alone");
    }

    @Test
    void withoutPd1TheReferringPracticeIsTheRegisteredGp() throws Exception {
        Patient patient = ReferralFixtures.only(ReferralFixtures.map(URGENT), Patient.class);
        assertThat(patient.getGeneralPractitionerFirstRep().getIdentifier().getValue())
                .isEqualTo("Y05678");
    }

    @Test
    void everyEntryIsConditionalAndTheTaskIsOnlyCreatedSoAReplayCannotResetIt() throws Exception {
        Bundle bundle = ReferralFixtures.map(SP);
        for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
            Bundle.BundleEntryRequestComponent request = entry.getRequest();
            boolean conditionalPut = request.getMethod() == Bundle.HTTPVerb.PUT
                    && request.getUrl().contains("?identifier=");
            boolean conditionalPost = request.getMethod() == Bundle.HTTPVerb.POST && request.hasIfNoneExist();
            assertThat(conditionalPut || conditionalPost).as(entry.getFullUrl()).isTrue();
            assertThat(entry.getFullUrl()).startsWith("urn:uuid:");
        }
        Bundle.BundleEntryComponent task = bundle.getEntry().stream()
                .filter(e -> e.getResource() instanceof Task)
                .findFirst()
                .orElseThrow();
        assertThat(task.getRequest().getMethod()).isEqualTo(Bundle.HTTPVerb.POST);
        assertThat(((Task) task.getResource()).getFocus().getReference())
                .isEqualTo(bundle.getEntry().stream()
                        .filter(e -> e.getResource() instanceof ServiceRequest)
                        .findFirst()
                        .orElseThrow()
                        .getFullUrl());
    }

    @Test
    void everySupportedVersionMaps() throws Exception {
        for (String version : new String[] {"2.3", "2.3.1", "2.4", "2.5", "2.5.1"}) {
            String message = MessageText.ofText(ReferralFixtures.golden(SP))
                    .field("MSH", 12, version)
                    .text();
            assertThat(ReferralFixtures.only(ReferralFixtures.mapText(message), Task.class)
                            .getFocus()
                            .getReference())
                    .as(version)
                    .startsWith("urn:uuid:");
        }
    }
}
