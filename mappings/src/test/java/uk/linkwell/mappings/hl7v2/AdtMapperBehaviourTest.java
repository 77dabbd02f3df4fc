package uk.linkwell.mappings.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.r4.model.Base;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.RelatedPerson;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import uk.linkwell.mappings.MappingNotes;

/** Properties of the mapping that the golden files show only by example. */
class AdtMapperBehaviourTest {

    private final AdtMapper mapper = new AdtMapper(AdtFixtures.config());

    private static <T> List<T> resources(Bundle bundle, Class<T> type) {
        return bundle.getEntry().stream()
                .map(Bundle.BundleEntryComponent::getResource)
                .filter(type::isInstance)
                .map(type::cast)
                .toList();
    }

    private static Bundle.BundleEntryComponent entryOf(Bundle bundle, String type) {
        return bundle.getEntry().stream()
                .filter(e -> e.getResource().fhirType().equals(type))
                .findFirst()
                .orElseThrow();
    }

    static List<String> messages() throws Exception {
        return AdtGoldenFileTest.messages().toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("messages")
    void everyEntryIsConditionalAndEveryInternalReferenceResolves(String name) throws Exception {
        Bundle bundle = AdtFixtures.map(name);
        Set<String> fullUrls = new HashSet<>();
        for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
            assertThat(entry.getFullUrl()).startsWith("urn:uuid:");
            assertThat(fullUrls.add(entry.getFullUrl())).as("unique fullUrl").isTrue();
            Bundle.BundleEntryRequestComponent request = entry.getRequest();
            if (entry.getResource() instanceof Binary) {
                // No identifier to match on: an update of the id derived from its DocumentReference's identity.
                assertThat(request.getMethod()).isEqualTo(Bundle.HTTPVerb.PUT);
                assertThat(request.getUrl()).startsWith("Binary/" + DocumentMapping.BINARY_ID_PREFIX);
            } else if (request.getMethod() == Bundle.HTTPVerb.PUT) {
                assertThat(request.getUrl()).startsWith(entry.getResource().fhirType() + "?identifier=");
            } else {
                assertThat(request.getMethod()).isEqualTo(Bundle.HTTPVerb.POST);
                assertThat(request.getIfNoneExist()).startsWith("identifier=");
            }
        }
        for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
            for (Reference reference : references(entry.getResource())) {
                if (reference.hasReference()) {
                    assertThat(fullUrls).as("reference target in bundle").contains(reference.getReference());
                } else {
                    assertThat(reference.hasDisplay() || reference.hasIdentifier())
                            .isTrue();
                }
            }
        }
    }

    private static List<Reference> references(Base base) {
        List<Reference> found = new java.util.ArrayList<>();
        base.children().forEach(property -> property.getValues().forEach(value -> {
            if (value instanceof Reference reference) {
                found.add(reference);
            }
            found.addAll(references(value));
        }));
        return found;
    }

    @Test
    void updateAfterDischargeTargetsTheSameEncounterAndPatient() throws Exception {
        Bundle discharge = AdtFixtures.map("adt-a03-v251-pathway1");
        Bundle update = AdtFixtures.map("adt-a08-v231-update");
        for (String type : List.of("Patient", "Encounter")) {
            assertThat(entryOf(update, type).getRequest().getUrl())
                    .isEqualTo(entryOf(discharge, type).getRequest().getUrl());
            assertThat(entryOf(update, type).getFullUrl())
                    .isEqualTo(entryOf(discharge, type).getFullUrl());
        }
    }

    @Test
    void cancelDischargeReopensTheEncounterAndRevokesTheReferral() throws Exception {
        Bundle cancel = AdtFixtures.map("adt-a13-v251-cancel-discharge");
        Encounter encounter = resources(cancel, Encounter.class).get(0);
        assertThat(encounter.getStatus()).isEqualTo(Encounter.EncounterStatus.INPROGRESS);
        assertThat(encounter.getPeriod().hasEnd()).isFalse();
        assertThat(encounter.getHospitalization().hasDischargeDisposition()).isFalse();
        ServiceRequest revoked = resources(cancel, ServiceRequest.class).get(0);
        assertThat(revoked.getStatus()).isEqualTo(ServiceRequest.ServiceRequestStatus.REVOKED);
        Bundle discharge = AdtFixtures.map("adt-a03-v251-pathway1");
        assertThat(entryOf(cancel, "ServiceRequest").getRequest().getUrl())
                .isEqualTo(entryOf(discharge, "ServiceRequest").getRequest().getUrl());
    }

    @Test
    void theAdmissionTypeBecomesTheEncountersPriority() throws Exception {
        // PV1-4 E: an emergency admission, which the emergency-readmissions figure counts.
        Encounter emergency = resources(AdtFixtures.map("adt-a01-v251-admit"), Encounter.class)
                .get(0);
        assertThat(emergency.getPriority().getCodingFirstRep().getSystem())
                .isEqualTo("http://terminology.hl7.org/CodeSystem/v3-ActPriority");
        assertThat(emergency.getPriority().getCodingFirstRep().getCode()).isEqualTo("EM");
        assertThat(EncounterMapping.admissionPriority("A").getCodingFirstRep().getCode())
                .isEqualTo("EM");
        assertThat(EncounterMapping.admissionPriority("C").getCodingFirstRep().getCode())
                .isEqualTo("EL");
        assertThat(EncounterMapping.admissionPriority("R").getCodingFirstRep().getCode())
                .isEqualTo("R");
        assertThat(EncounterMapping.admissionPriority("L")).isNull();
        assertThat(EncounterMapping.admissionPriority("")).isNull();
        // Without PV1-4 the Encounter says nothing of its priority.
        Encounter unstated = resources(AdtFixtures.map("adt-a03-v251-pathway1"), Encounter.class)
                .get(0);
        assertThat(unstated.hasPriority()).isFalse();
    }

    @Test
    void cancelAdmitMarksTheEncounterEnteredInError() throws Exception {
        Encounter encounter = resources(AdtFixtures.map("adt-a11-v24-cancel-admit"), Encounter.class)
                .get(0);
        assertThat(encounter.getStatus()).isEqualTo(Encounter.EncounterStatus.ENTEREDINERROR);
    }

    @Test
    void mergeLinksBothPatients() throws Exception {
        List<Patient> patients = resources(AdtFixtures.map("adt-a40-v25-merge-nhs-number"), Patient.class);
        Patient old = patients.stream().filter(p -> !p.getActive()).findFirst().orElseThrow();
        Patient surviving =
                patients.stream().filter(Patient::getActive).findFirst().orElseThrow();
        assertThat(surviving.getLinkFirstRep().getType()).isEqualTo(Patient.LinkType.REPLACES);
        assertThat(old.getLinkFirstRep().getType()).isEqualTo(Patient.LinkType.REPLACEDBY);
        assertThat(old.getIdentifierFirstRep().getValue()).isEqualTo("9990000069");
        // MRG-7, the prior name, names the replaced record.
        assertThat(old.getNameFirstRep().getGivenAsSingleString()).isEqualTo("TOBY");
    }

    @Test
    void replacedRecordWithoutPriorNameTakesTheSurvivingName() throws Exception {
        String text = MessageText.of("adt-a40-v25-merge-nhs-number")
                .field("MRG", 7, "")
                .text();
        List<Patient> patients = resources(mapper.map(text, AdtFixtures.context("b")), Patient.class);
        Patient old = patients.stream().filter(p -> !p.getActive()).findFirst().orElseThrow();
        assertThat(old.getNameFirstRep().getGivenAsSingleString()).isEqualTo("TOBI");
    }

    @Test
    void mergeOfAPriorHospitalNumberOnlyKeepsItOnTheSurvivingRecord() throws Exception {
        // Without an NHS number the prior identity cannot be a stored Patient of its own.
        List<Patient> patients = resources(AdtFixtures.map("adt-a40-v25-merge"), Patient.class);
        assertThat(patients).hasSize(1);
        assertThat(patients.get(0).getIdentifier()).anySatisfy(i -> {
            assertThat(i.getValue()).isEqualTo("H4000099");
            assertThat(i.getUse()).isEqualTo(org.hl7.fhir.r4.model.Identifier.IdentifierUse.OLD);
        });
        assertThat(patients.get(0).hasLink()).isFalse();
        // When patients without NHS numbers are allowed, the prior hospital number is a record to replace.
        AdtMapper allowing = new AdtMapper(AdtMappingConfig.builder()
                .careTeam("X26CMT", null)
                .allowPatientsWithoutNhsNumber(true)
                .build());
        List<Patient> two = resources(
                allowing.map(AdtFixtures.golden("adt-a40-v25-merge"), AdtFixtures.context("b")), Patient.class);
        assertThat(two).hasSize(2).anySatisfy(p -> assertThat(p.getActive()).isFalse());
    }

    @Test
    void patientsWithoutNhsNumberMapOnlyWhenAllowed() throws Exception {
        AdtMapper allowing = new AdtMapper(AdtMappingConfig.builder()
                .careTeam("X26CMT", null)
                .allowPatientsWithoutNhsNumber(true)
                .build());
        Bundle bundle = allowing.map(AdtFixtures.rejected("adt-a01-v23-no-nhs-number"), AdtFixtures.context("b"));
        Patient patient = resources(bundle, Patient.class).get(0);
        assertThat(patient.getIdentifier())
                .extracting(i -> i.getSystem())
                .containsExactly(LinkwellSystems.HOSPITAL_NUMBER + "RWELL");
        assertThat(entryOf(bundle, "Patient").getRequest().getUrl())
                .isEqualTo("Patient?identifier=" + LinkwellSystems.HOSPITAL_NUMBER + "RWELL|H5000005");
    }

    @Test
    void dischargeDispositionIsThePathway() throws Exception {
        Encounter encounter = resources(AdtFixtures.map("adt-a03-v25-pathway3"), Encounter.class)
                .get(0);
        assertThat(encounter.getHospitalization().getDischargeDisposition().getCoding())
                .singleElement()
                .satisfies(c -> {
                    assertThat(c.getSystem()).isEqualTo(DischargePathway.SYSTEM);
                    assertThat(c.getCode()).isEqualTo("pathway-3");
                });
    }

    @Test
    void dischargeWithoutPathwayTakesTheConfiguredDefault() throws Exception {
        AdtMapper withDefault = new AdtMapper(AdtMappingConfig.builder()
                .careTeam("X26CMT", null)
                .defaultDischargePathway(DischargePathway.PATHWAY_1)
                .build());
        String text = MessageText.of("adt-a03-v23-pathway0").without("ZDS").text();
        Bundle bundle = withDefault.map(text, AdtFixtures.context("b"));
        Encounter encounter = resources(bundle, Encounter.class).get(0);
        assertThat(encounter
                        .getHospitalization()
                        .getDischargeDisposition()
                        .getCodingFirstRep()
                        .getCode())
                .isEqualTo("pathway-1");
        assertThat(resources(bundle, ServiceRequest.class)).singleElement().satisfies(r -> assertThat(
                        r.getOrderDetailFirstRep().getCodingFirstRep().getCode())
                .isEqualTo("pathway-1"));
        assertThat(MappingNotes.of(bundle)).singleElement().satisfies(note -> {
            assertThat(note.getCode()).isEqualTo(MappingNotes.DISCHARGE_PATHWAY_MISSING);
            assertThat(note.getDisplay())
                    .isEqualTo("discharge without a discharge-to-assess pathway (ZDS-1): default pathway 1 applied");
        });
    }

    @Test
    void dischargeWithoutPathwayFinishesTheEncounterWithoutFollowUpAndSaysSo() throws Exception {
        // Issue 22: a discharge is never refused for want of a local Z-segment. Empty field or no segment.
        for (String text : List.of(
                MessageText.of("adt-a03-v251-pathway1").without("ZDS").text(),
                MessageText.of("adt-a03-v251-pathway1").field("ZDS", 1, "").text())) {
            Bundle bundle = mapper.map(text, AdtFixtures.context("b"));
            Encounter encounter = resources(bundle, Encounter.class).get(0);
            assertThat(encounter.getStatus()).isEqualTo(Encounter.EncounterStatus.FINISHED);
            assertThat(encounter.getPeriod().getEndElement().getValueAsString()).isEqualTo("2026-11-24T14:30:00+00:00");
            assertThat(encounter.getHospitalization().hasDischargeDisposition()).isFalse();
            assertThat(resources(bundle, ServiceRequest.class)).isEmpty();
            assertThat(MappingNotes.of(bundle)).singleElement().satisfies(note -> {
                assertThat(note.getSystem()).isEqualTo(MappingNotes.SYSTEM);
                assertThat(note.getCode()).isEqualTo(MappingNotes.DISCHARGE_PATHWAY_MISSING);
                assertThat(note.getDisplay())
                        .isEqualTo("discharge without a discharge-to-assess pathway (ZDS-1): no follow-up");
            });
        }
    }

    @Test
    void aFinishedUpdateWithoutPathwayIsMappedAndNotedToo() throws Exception {
        String text = MessageText.of("adt-a08-v231-update")
                .field("PV1", 45, "20261124143000")
                .text();
        Bundle bundle = mapper.map(text, AdtFixtures.context("b"));
        Encounter encounter = resources(bundle, Encounter.class).get(0);
        assertThat(encounter.getStatus()).isEqualTo(Encounter.EncounterStatus.FINISHED);
        assertThat(encounter.getHospitalization().hasDischargeDisposition()).isFalse();
        assertThat(MappingNotes.of(bundle))
                .extracting(c -> c.getCode())
                .containsExactly(MappingNotes.DISCHARGE_PATHWAY_MISSING);
    }

    @Test
    void messagesWithAPathwayCarryNoNote() throws Exception {
        for (String name : messages()) {
            if (!name.contains("no-pathway")) {
                assertThat(MappingNotes.of(AdtFixtures.map(name))).as(name).isEmpty();
            }
        }
    }

    @Test
    void referralIsRoutineAndAuthoredWhenTheMessageWasSent() throws Exception {
        for (String name : List.of("adt-a03-v251-pathway1", "adt-a13-v251-cancel-discharge")) {
            ServiceRequest request =
                    resources(AdtFixtures.map(name), ServiceRequest.class).get(0);
            assertThat(request.getPriority()).isEqualTo(ServiceRequest.ServiceRequestPriority.ROUTINE);
            assertThat(request.hasAuthoredOn()).isTrue();
        }
        ServiceRequest request = resources(AdtFixtures.map("adt-a03-v251-pathway1"), ServiceRequest.class)
                .get(0);
        assertThat(request.getAuthoredOnElement().getValueAsString()).isEqualTo("2026-11-24T15:00:00+00:00");
    }

    @Test
    void aDischargeToTheMinuteInTheMinuteOfAnAdmissionToTheSecondIsAValidPeriod() throws Exception {
        // Issue 22 item 6: PV1-44 20130211100052, PV1-45 201302111000. Both are true at their own precision.
        Encounter encounter = resources(AdtFixtures.map("adt-a03-v24-minute-discharge"), Encounter.class)
                .get(0);
        assertThat(encounter.getPeriod().getStartElement().getValueAsString()).isEqualTo("2013-02-11T10:00:00+00:00");
        assertThat(encounter.getPeriod().getEndElement().getValueAsString()).isEqualTo("2013-02-11T10:00:00+00:00");
        // A discharge a minute later keeps the admission's seconds.
        String later = MessageText.of("adt-a03-v24-minute-discharge")
                .field("PV1", 45, "201302111001")
                .text();
        Encounter kept = resources(mapper.map(later, AdtFixtures.context("b")), Encounter.class)
                .get(0);
        assertThat(kept.getPeriod().getStartElement().getValueAsString()).isEqualTo("2013-02-11T10:00:52+00:00");
        assertThat(kept.getPeriod().getEndElement().getValueAsString()).isEqualTo("2013-02-11T10:01:00+00:00");
    }

    @Test
    void aDischargeTimeFromTheEventIsComparedTheSameWay() throws Exception {
        // No PV1-45: the end is EVN-2 (to the minute), within the admission's minute.
        String text = MessageText.of("adt-a03-v24-minute-discharge")
                .field("PV1", 45, "")
                .field("EVN", 2, "201302111000")
                .text();
        Encounter encounter = resources(mapper.map(text, AdtFixtures.context("b")), Encounter.class)
                .get(0);
        assertThat(encounter.getPeriod().getStartElement().getValueAsString()).isEqualTo("2013-02-11T10:00:00+00:00");
        assertThat(encounter.getPeriod().getEndElement().getValueAsString()).isEqualTo("2013-02-11T10:00:00+00:00");
    }

    static final byte[] LETTER = ("%PDF-1.4\n% Linkwell synthetic discharge letter\n1 0 obj<<>>endobj\n"
                    + "trailer<<>>\n%%EOF\n")
            .getBytes(StandardCharsets.US_ASCII);

    @Test
    void anEmbeddedDocumentIsKeptAsADocumentReferenceAndItsBinary() throws Exception {
        Bundle bundle = AdtFixtures.map("adt-a03-v251-discharge-letter");
        Binary binary = resources(bundle, Binary.class).get(0);
        DocumentReference document = resources(bundle, DocumentReference.class).get(0);
        Bundle.BundleEntryComponent binaryEntry = entryOf(bundle, "Binary");

        assertThat(binary.getContentType()).isEqualTo("application/pdf");
        assertThat(binary.getData()).isEqualTo(LETTER);
        assertThat(binary.getSecurityContext().getReference())
                .isEqualTo(entryOf(bundle, "Patient").getFullUrl());

        String system = LinkwellSystems.HL7_DOCUMENT + "RWELL";
        assertThat(document.getIdentifierFirstRep().getSystem()).isEqualTo(system);
        assertThat(document.getIdentifierFirstRep().getValue()).isEqualTo("visit-V0022-18842-5-1");
        assertThat(entryOf(bundle, "DocumentReference").getRequest().getUrl())
                .isEqualTo("DocumentReference?identifier=" + system + "|visit-V0022-18842-5-1");
        assertThat(document.getStatus()).isEqualTo(org.hl7.fhir.r4.model.Enumerations.DocumentReferenceStatus.CURRENT);
        assertThat(document.getDocStatus()).isEqualTo(DocumentReference.ReferredDocumentStatus.FINAL);
        assertThat(document.getType().getCodingFirstRep().getSystem()).isEqualTo("http://loinc.org");
        assertThat(document.getType().getCodingFirstRep().getCode()).isEqualTo("18842-5");
        assertThat(document.getSubject().getReference())
                .isEqualTo(entryOf(bundle, "Patient").getFullUrl());
        assertThat(document.getContext().getEncounterFirstRep().getReference())
                .isEqualTo(entryOf(bundle, "Encounter").getFullUrl());
        assertThat(document.getDateElement().getValueAsString()).isEqualTo("2026-11-25T15:20:00+00:00");
        assertThat(document.getDescription()).isEqualTo("Discharge letter for the GP and the care team");
        org.hl7.fhir.r4.model.Attachment attachment =
                document.getContentFirstRep().getAttachment();
        assertThat(attachment.getContentType()).isEqualTo("application/pdf");
        // The url names the Binary entry of this transaction: the id its PUT writes.
        assertThat(attachment.getUrl()).isEqualTo(binaryEntry.getRequest().getUrl());
        assertThat(attachment.getSize()).isEqualTo(LETTER.length);
        assertThat(attachment.getHash())
                .isEqualTo(java.security.MessageDigest.getInstance("SHA-1").digest(LETTER));

        // The document is not also an Observation (of ED-1 or anything else); the TX OBX after it still is.
        assertThat(resources(bundle, Observation.class)).singleElement().satisfies(o -> assertThat(
                        o.getCode().getCodingFirstRep().getCode())
                .isEqualTo("NOTE"));
    }

    @Test
    void theBinaryIdDependsOnlyOnTheDocumentsIdentity() throws Exception {
        String first = entryOf(AdtFixtures.map("adt-a03-v251-discharge-letter"), "Binary")
                .getRequest()
                .getUrl();
        // A corrected letter (other bytes, status C) replaces the same Binary and DocumentReference.
        String corrected = MessageText.of("adt-a03-v251-discharge-letter")
                .replace("JVBERi0xLjQK", "JVBERi0xLjUK")
                .replace("||||||F|||20261125152000", "||||||C|||20261125152000")
                .text();
        Bundle again = mapper.map(corrected, AdtFixtures.context("other bundle"));
        assertThat(entryOf(again, "Binary").getRequest().getUrl()).isEqualTo(first);
        assertThat(resources(again, Binary.class).get(0).getData()).isNotEqualTo(LETTER);
        assertThat(resources(again, DocumentReference.class).get(0).getDocStatus())
                .isEqualTo(DocumentReference.ReferredDocumentStatus.AMENDED);
        // Another visit's letter is another Binary.
        String otherVisit = MessageText.of("adt-a03-v251-discharge-letter")
                .replace("V0022^^^RWELL^VN", "V0099^^^RWELL^VN")
                .text();
        assertThat(entryOf(mapper.map(otherVisit, AdtFixtures.context("b")), "Binary")
                        .getRequest()
                        .getUrl())
                .isNotEqualTo(first);
    }

    @Test
    void hexAndUnencodedDocumentsAreDecodedToo() throws Exception {
        String hex = MessageText.of("adt-a01-v251-admit")
                .append("OBX|9|ED|11490-0^Discharge note^LN||^TEXT^^Hex^48656C6C6F0A||||||F")
                .text();
        Binary fromHex = resources(mapper.map(hex, AdtFixtures.context("b")), Binary.class)
                .get(0);
        assertThat(new String(fromHex.getData(), StandardCharsets.UTF_8)).isEqualTo("Hello\n");
        assertThat(fromHex.getContentType()).isEqualTo("text/plain");
        String plain = MessageText.of("adt-a01-v251-admit")
                .append("OBX|9|ED|11490-0^Discharge note^LN||EPR^TEXT^PLAIN^A^Home with stick||||||F")
                .text();
        Binary fromText = resources(mapper.map(plain, AdtFixtures.context("b")), Binary.class)
                .get(0);
        assertThat(new String(fromText.getData(), StandardCharsets.UTF_8)).isEqualTo("Home with stick");
        assertThat(fromText.getContentType()).isEqualTo("text/plain");
    }

    @Test
    void theContentTypeComesFromTheTypeOfDataAndItsSubtype() {
        assertThat(DocumentMapping.contentType("AP", "PDF")).isEqualTo("application/pdf");
        assertThat(DocumentMapping.contentType("AP", "pdf")).isEqualTo("application/pdf");
        assertThat(DocumentMapping.contentType("TEXT", "")).isEqualTo("text/plain");
        assertThat(DocumentMapping.contentType("TEXT", "HTML")).isEqualTo("text/html");
        assertThat(DocumentMapping.contentType("IM", "JPEG")).isEqualTo("image/jpeg");
        assertThat(DocumentMapping.contentType("AP", "application/PDF")).isEqualTo("application/pdf");
        assertThat(DocumentMapping.contentType("application/pdf", "")).isEqualTo("application/pdf");
        assertThat(DocumentMapping.contentType("AP", "SOMETHING-ELSE")).isEqualTo("application/octet-stream");
        assertThat(DocumentMapping.contentType("", "")).isEqualTo("application/octet-stream");
    }

    @Test
    void admitWithoutAdmitTimeStartsAtTheEventTime() throws Exception {
        String text = MessageText.of("adt-a01-v251-admit")
                .field("PV1", 44, "")
                .field("EVN", 6, "202611200815")
                .text();
        Encounter encounter = resources(mapper.map(text, AdtFixtures.context("b")), Encounter.class)
                .get(0);
        assertThat(encounter.getPeriod().getStartElement().getValueAsString()).isEqualTo("2026-11-20T08:15:00+00:00");
    }

    @Test
    void admitSourceCodesGoToTheTableTheyBelongTo() {
        assertThat(EncounterMapping.admitSource("19").getCodingFirstRep().getSystem())
                .isEqualTo(EncounterMapping.UK_SOURCE_OF_ADMISSION);
        assertThat(EncounterMapping.admitSource("7").getCodingFirstRep().getSystem())
                .isEqualTo(EncounterMapping.ADMIT_SOURCE_TABLE);
        assertThat(EncounterMapping.admitSource("GP REFERRAL").getText()).isEqualTo("GP REFERRAL");
        assertThat(EncounterMapping.admitSource("GP REFERRAL").hasCoding()).isFalse();
        assertThat(EncounterMapping.admitSource("")).isNull();
    }

    @Test
    void pathwayZeroNeedsNoReferral() throws Exception {
        assertThat(resources(AdtFixtures.map("adt-a03-v23-pathway0"), ServiceRequest.class))
                .isEmpty();
    }

    @Test
    void pathwayThreeReferralGoesToTheCareTeamWithThePathway() throws Exception {
        ServiceRequest request = resources(AdtFixtures.map("adt-a03-v25-pathway3"), ServiceRequest.class)
                .get(0);
        assertThat(request.getPerformerFirstRep().getIdentifier().getValue()).isEqualTo(AdtFixtures.CARE_TEAM_ODS);
        assertThat(request.getOrderDetailFirstRep().getCodingFirstRep().getSystem())
                .isEqualTo(DischargePathway.SYSTEM);
        assertThat(request.getOrderDetailFirstRep().getCodingFirstRep().getCode())
                .isEqualTo("pathway-3");
        assertThat(request.getNoteFirstRep().getText())
                .contains("Discharge date: 2026-11-25T10:30:00+00:00")
                .contains("Current location: BEECH HOUSE CARE HOME")
                .contains("Care provider: DR CLARE OKAFOR, RWELL")
                .contains("Significant risk incidents in hospital: none recorded");
    }

    @Test
    void pathwayCanBeReadFromDischargeDispositionInstead() throws Exception {
        AdtMappingConfig config = AdtMappingConfig.builder()
                .careTeam("X26CMT", null)
                .pathwayField("PV1-36")
                .pathwayValues(Map.of("19", DischargePathway.PATHWAY_0, "54", DischargePathway.PATHWAY_3))
                .build();
        AdtMapper byDisposition = new AdtMapper(config);
        // Without the Z-segment: the pathway comes from PV1-36 alone.
        String careHome = MessageText.of("adt-a03-v25-pathway3").without("ZDS").text();
        ServiceRequest request = resources(byDisposition.map(careHome, AdtFixtures.context("b")), ServiceRequest.class)
                .get(0);
        assertThat(request.getOrderDetailFirstRep().getCodingFirstRep().getCode())
                .isEqualTo("pathway-3");
        String home = MessageText.of("adt-a03-v23-pathway0").without("ZDS").text();
        assertThat(resources(byDisposition.map(home, AdtFixtures.context("b")), ServiceRequest.class))
                .isEmpty();
    }

    @Test
    void followUpPathwaysAreConfigurable() throws Exception {
        AdtMapper onlyCareHomes = new AdtMapper(AdtMappingConfig.builder()
                .careTeam("X26CMT", null)
                .followUpPathways(EnumSet.of(DischargePathway.PATHWAY_3))
                .build());
        String pathway1 = AdtFixtures.golden("adt-a03-v251-pathway1");
        assertThat(resources(onlyCareHomes.map(pathway1, AdtFixtures.context("b")), ServiceRequest.class))
                .isEmpty();
        String pathway3 = AdtFixtures.golden("adt-a03-v25-pathway3");
        assertThat(resources(onlyCareHomes.map(pathway3, AdtFixtures.context("b")), ServiceRequest.class))
                .hasSize(1);
    }

    @Test
    void unknownPathwayValuesCanBeIgnored() throws Exception {
        // Ignored means treated as no pathway: the configured default applies, and without one the
        // discharge is mapped without a pathway and without follow-up, with a note.
        AdtMapper lenient = new AdtMapper(AdtMappingConfig.builder()
                .careTeam("X26CMT", null)
                .rejectUnknownPathwayValues(false)
                .defaultDischargePathway(DischargePathway.PATHWAY_0)
                .build());
        String text =
                MessageText.of("adt-a03-v251-pathway1").field("ZDS", 1, "9").text();
        Bundle bundle = lenient.map(text, AdtFixtures.context("b"));
        assertThat(resources(bundle, ServiceRequest.class)).isEmpty();
        assertThat(resources(bundle, Encounter.class)).singleElement().satisfies(e -> assertThat(e.getHospitalization()
                        .getDischargeDisposition()
                        .getCodingFirstRep()
                        .getCode())
                .isEqualTo("pathway-0"));
        AdtMapper lenientWithoutDefault = new AdtMapper(AdtMappingConfig.builder()
                .careTeam("X26CMT", null)
                .rejectUnknownPathwayValues(false)
                .build());
        Bundle unrecognised = lenientWithoutDefault.map(text, AdtFixtures.context("b"));
        assertThat(resources(unrecognised, ServiceRequest.class)).isEmpty();
        assertThat(resources(unrecognised, Encounter.class)
                        .get(0)
                        .getHospitalization()
                        .hasDischargeDisposition())
                .isFalse();
        assertThat(MappingNotes.of(unrecognised)).singleElement().satisfies(note -> assertThat(note.getDisplay())
                .isEqualTo("discharge with an unrecognised discharge-to-assess pathway (ZDS-1): no follow-up"));
    }

    @Test
    void onlyConfiguredRelationshipsAreFlaggedAsCarers() throws Exception {
        String spouse = MessageText.of("adt-a01-v251-admit")
                .replace("CGV^Care giver^HL70063", "SPO^Spouse^HL70063")
                .text();
        RelatedPerson person = resources(mapper.map(spouse, AdtFixtures.context("b")), RelatedPerson.class)
                .get(0);
        assertThat(person.getRelationship())
                .flatExtracting(c -> c.getCoding())
                .extracting(c -> c.getCode())
                .contains("SPO")
                .doesNotContain(ContactMapping.CAREGIVER_SNOMED);
        RelatedPerson carer = resources(AdtFixtures.map("adt-a01-v251-admit"), RelatedPerson.class)
                .get(0);
        assertThat(carer.getRelationship())
                .flatExtracting(c -> c.getCoding())
                .extracting(c -> c.getCode())
                .contains(ContactMapping.CAREGIVER_SNOMED);
    }

    @Test
    void latin1DeclaredInMsh18IsDecodedAsLatin1() throws Exception {
        String text = MessageText.of("adt-a01-v251-admit")
                .field("MSH", 18, "8859/1")
                .replace("MARGARET", "MARGAR\u00c9T")
                .text();
        Bundle bundle = mapper.map(text.getBytes(StandardCharsets.ISO_8859_1), AdtFixtures.context("b"));
        assertThat(resources(bundle, Patient.class)
                        .get(0)
                        .getNameFirstRep()
                        .getGiven()
                        .get(0)
                        .getValue())
                .isEqualTo("MARGAR\u00c9T");
    }

    @Test
    void utf8WithByteOrderMarkAndLineFeedsIsAccepted() throws Exception {
        String text = "\uFEFF" + AdtFixtures.golden("adt-a01-v251-admit").replace("MARGARET", "MARGAR\u00c9T");
        Bundle bundle = mapper.map(text.getBytes(StandardCharsets.UTF_8), AdtFixtures.context("b"));
        assertThat(resources(bundle, Patient.class)
                        .get(0)
                        .getNameFirstRep()
                        .getGiven()
                        .get(0)
                        .getValue())
                .isEqualTo("MARGAR\u00c9T");
    }

    @Test
    void inspectReadsTheHeaderWithoutPatientData() throws Exception {
        AdtMessageHeader header = mapper.inspect(AdtFixtures.golden("adt-a03-v251-pathway1"));
        assertThat(header.messageType()).isEqualTo("ADT");
        assertThat(header.triggerEvent()).isEqualTo(AdtEvent.A03);
        assertThat(header.controlId()).isEqualTo("MSG-A03-0003");
        assertThat(header.sendingApplication()).isEqualTo("PAS");
        assertThat(header.sendingFacility()).isEqualTo("RWELL");
        assertThat(header.version()).isEqualTo("2.5.1");
    }

    @Test
    void unknownZSegmentsAreTolerated() throws Exception {
        String text = MessageText.of("adt-a01-v251-admit")
                .append("ZXY|1|anything^at^all")
                .text();
        assertThat(AdtFixtures.json(mapper.map(text, AdtFixtures.context("bundle-adt-a01-v251-admit"))))
                .isEqualTo(AdtFixtures.json(AdtFixtures.map("adt-a01-v251-admit")));
    }

    @Test
    void theCachingClassFactoryAnswersAsTheCanonicalOneDoes() throws Exception {
        AdtMessage.CachingModelClassFactory factory = new AdtMessage.CachingModelClassFactory("2.5.1");
        for (int i = 0; i < 2; i++) {
            // Every version reads through the v2.5.1 model; an unknown Z-segment has no class (HAPI makes it generic).
            assertThat(factory.getSegmentClass("PID", "2.3")).isEqualTo(ca.uhn.hl7v2.model.v251.segment.PID.class);
            assertThat(factory.getSegmentClass("ZDS", "2.5.1")).isNull();
            assertThat(factory.getTypeClass("CX", "2.4")).isEqualTo(ca.uhn.hl7v2.model.v251.datatype.CX.class);
        }
    }

    @Test
    void configurationNeedsACareTeamAndAWellFormedField() {
        assertThatThrownBy(() -> AdtMappingConfig.builder().build()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AdtMappingConfig.builder().pathwayField("PV1.36"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(FieldLocator.parse("PV1-37.1")).isEqualTo(new FieldLocator("PV1", 37, 1));
    }

    @Test
    void updateWithoutAVisitOnlyTouchesThePatient() throws Exception {
        String text = MessageText.of("adt-a08-v231-update")
                .without("PV1")
                .without("AL1")
                .text();
        Bundle bundle = mapper.map(text, AdtFixtures.context("b"));
        assertThat(bundle.getEntry())
                .extracting(e -> e.getResource().fhirType())
                .containsExactly("Organization", "Patient");
    }

    @Test
    void dischargeWithoutDischargeTimeEndsAtTheEventTime() throws Exception {
        String text = MessageText.of("adt-a03-v251-pathway1")
                .field("PV1", 45, "")
                .field("EVN", 6, "202611241415")
                .text();
        Encounter encounter = resources(mapper.map(text, AdtFixtures.context("b")), Encounter.class)
                .get(0);
        assertThat(encounter.getPeriod().getEndElement().getValueAsString()).isEqualTo("2026-11-24T14:15:00+00:00");
    }

    @Test
    void aMergeOfTwoHospitalNumbersOfOneNhsNumberKeepsOneRecord() throws Exception {
        String text = MessageText.of("adt-a40-v25-merge")
                .field("MRG", 1, "9990000042^^^NHS^NH~H4000099^^^RWELL^MR")
                .text();
        List<Patient> patients = resources(mapper.map(text, AdtFixtures.context("b")), Patient.class);
        assertThat(patients).hasSize(1);
        assertThat(patients.get(0).getIdentifier())
                .extracting(i -> i.getValue())
                .contains("H4000004", "H4000099");
        assertThat(patients.get(0).hasLink()).isFalse();
    }
}
