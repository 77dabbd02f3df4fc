package uk.linkwell.gateway.ingest.hospital;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import uk.linkwell.gateway.ingest.hospital.AdtMessages.Visit;
import uk.linkwell.gateway.testsupport.TestTokens.Claims;

/**
 * Issue 22 item 12: a document embedded in an ADT message (OBX-2 ED, a discharge letter as a PDF) survives into
 * FHIR as a DocumentReference and a Binary holding the same bytes, the Binary governed by consent as the person's
 * record; a redelivered message creates nothing new; a document that cannot be kept is refused at reception.
 */
class EmbeddedDocumentOverMllpTest extends HospitalIngestTestBase {

    static final String DOCUMENTS = "https://fhir.linkwell.example/Id/hl7-document/RWELL";

    /** A synthetic PDF, with bytes of every value so that no decoding or charset step can pass unnoticed. */
    static byte[] letter() {
        byte[] head = "%PDF-1.4\n% Linkwell synthetic discharge letter\n".getBytes(StandardCharsets.US_ASCII);
        byte[] letter = new byte[head.length + 256 + 6];
        System.arraycopy(head, 0, letter, 0, head.length);
        for (int i = 0; i < 256; i++) {
            letter[head.length + i] = (byte) i;
        }
        System.arraycopy("%%EOF\n".getBytes(StandardCharsets.US_ASCII), 0, letter, head.length + 256, 6);
        return letter;
    }

    @Test
    void theLetterIsStoredAsADocumentReferenceAndABinaryWithTheSameBytes() throws Exception {
        Visit visit = Visit.fresh();
        String controlId = AdtMessages.controlId();
        byte[] letter = letter();
        String message = AdtMessages.dischargeWithDocument(
                visit,
                controlId,
                "RWELL-EPR^AP^PDF^Base64^" + Base64.getEncoder().encodeToString(letter));
        assertThat(AdtMessages.ackCode(send(message))).isEqualTo("AA");
        Map<String, Object> done = awaitStatus(controlId, "done");

        Bundle found =
                search("DocumentReference?identifier=" + DOCUMENTS + "|visit-" + visit.visitNumber() + "-18842-5-1");
        assertThat(found.getEntry()).hasSize(1);
        DocumentReference document =
                (DocumentReference) found.getEntryFirstRep().getResource();
        Patient patient = (Patient) search("Patient?identifier=" + HospitalAdtFlowTest.NHS + "|" + visit.nhsNumber())
                .getEntryFirstRep()
                .getResource();
        Encounter encounter =
                (Encounter) search("Encounter?identifier=" + HospitalAdtFlowTest.VISIT + "|" + visit.visitNumber())
                        .getEntryFirstRep()
                        .getResource();
        assertThat(document.getSubject().getReference())
                .isEqualTo("Patient/" + patient.getIdElement().getIdPart());
        assertThat(document.getContext().getEncounterFirstRep().getReference())
                .isEqualTo("Encounter/" + encounter.getIdElement().getIdPart());
        assertThat(document.getType().getCodingFirstRep().getCode()).isEqualTo("18842-5");
        String url = document.getContentFirstRep().getAttachment().getUrl();
        assertThat(url).startsWith("Binary/");
        assertThat(document.getContentFirstRep().getAttachment().getContentType())
                .isEqualTo("application/pdf");

        Binary binary = client().read().resource(Binary.class).withId(url).execute();
        assertThat(binary.getContentType()).isEqualTo("application/pdf");
        assertThat(binary.getData()).isEqualTo(letter);
        assertThat(binary.getSecurityContext().getReference())
                .isEqualTo("Patient/" + patient.getIdElement().getIdPart());
        assertThat((String) done.get("RESOURCE_IDS")).contains(url + "/_history/", "DocumentReference/");

        // The same message again under a new control id: nothing new, nothing changed.
        String again = AdtMessages.controlId();
        assertThat(AdtMessages.ackCode(send(message.replace(controlId, again)))).isEqualTo("AA");
        awaitStatus(again, "done");
        Bundle afterwards = search(
                "DocumentReference?subject=Patient/" + patient.getIdElement().getIdPart());
        assertThat(afterwards.getEntry()).hasSize(1);
        DocumentReference same =
                (DocumentReference) afterwards.getEntryFirstRep().getResource();
        assertThat(same.getIdElement().getIdPart())
                .isEqualTo(document.getIdElement().getIdPart());
        assertThat(same.getMeta().getVersionId()).isEqualTo(document.getMeta().getVersionId());
        Binary unchanged = client().read().resource(Binary.class).withId(url).execute();
        assertThat(unchanged.getMeta().getVersionId())
                .isEqualTo(binary.getMeta().getVersionId());
        assertThat(unchanged.getData()).isEqualTo(letter);
    }

    @Test
    void consentGovernsTheBinaryAsThePersonsRecord() throws Exception {
        Visit visit = Visit.fresh();
        String controlId = AdtMessages.controlId();
        send(AdtMessages.dischargeWithDocument(
                visit, controlId, "RWELL-EPR^TEXT^PLAIN^A^Home with a stick, district nurse on Monday"));
        awaitStatus(controlId, "done");
        String url = ((DocumentReference) search("DocumentReference?identifier=" + DOCUMENTS + "|visit-"
                                + visit.visitNumber() + "-18842-5-1")
                        .getEntryFirstRep()
                        .getResource())
                .getContentFirstRep()
                .getAttachment()
                .getUrl();
        var stranger = clientAs(Claims.of("social-care-system", "X26OTH", "system/*.rs"));

        // A Binary that is no one's record is for operators (docs/consent.md): refused exactly as the letter is, so
        // the refusal of the letter tells the stranger nothing about whose it is.
        Binary unowned = new Binary();
        unowned.setContentType("text/plain");
        unowned.setData("a leaflet".getBytes(StandardCharsets.UTF_8));
        String leaflet = client().create()
                .resource(unowned)
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue();
        BaseServerResponseException leafletRefused = catchThrowableOfType(
                () -> stranger.read().resource(Binary.class).withId(leaflet).execute(),
                BaseServerResponseException.class);
        assertThat(leafletRefused).isNotNull();

        BaseServerResponseException refused = catchThrowableOfType(
                () -> stranger.read().resource(Binary.class).withId(url).execute(), BaseServerResponseException.class);
        assertThat(refused).as("the letter is not disclosed without consent").isNotNull();
        assertThat(refused.getStatusCode()).isEqualTo(leafletRefused.getStatusCode());
        assertThat(refused.getMessage()).isEqualTo(leafletRefused.getMessage());
        assertThat(new String(
                        client().read()
                                .resource(Binary.class)
                                .withId(url)
                                .execute()
                                .getData(),
                        StandardCharsets.UTF_8))
                .isEqualTo("Home with a stick, district nurse on Monday");
    }

    @Test
    void aDocumentThatCannotBeKeptIsRefusedAtReception() throws Exception {
        Visit visit = Visit.fresh();
        String empty = AdtMessages.controlId();
        String ack = send(AdtMessages.dischargeWithDocument(visit, empty, "RWELL-EPR^AP^PDF^Base64^"));
        assertThat(AdtMessages.ackCode(ack)).isEqualTo("AR");
        assertThat(AdtMessages.err(ack)).startsWith("ERR||OBX^1^5^1^5|101^");
        assertThat(row(empty).get("STATUS")).isEqualTo("rejected");

        String garbled = AdtMessages.controlId();
        ack = send(AdtMessages.dischargeWithDocument(visit, garbled, "RWELL-EPR^AP^PDF^Base64^JVBERi0x!!"));
        assertThat(AdtMessages.ackCode(ack)).isEqualTo("AR");
        assertThat(AdtMessages.err(ack)).startsWith("ERR||OBX^1^5^1^5|102^");
        assertThat(row(garbled).get("STATUS")).isEqualTo("rejected");
        // Nothing of either reached the store.
        assertThat(search("Encounter?identifier=" + HospitalAdtFlowTest.VISIT + "|" + visit.visitNumber())
                        .getEntry())
                .isEmpty();
    }
}
