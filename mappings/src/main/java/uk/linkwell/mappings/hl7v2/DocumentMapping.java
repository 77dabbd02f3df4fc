package uk.linkwell.mappings.hl7v2;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.hl7.fhir.r4.model.Attachment;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.Reference;

/**
 * An OBX of value type ED (an embedded document: a discharge letter, a PDF) to a DocumentReference and a Binary
 * holding the decoded document, so that the document is kept rather than dropped. ED is source application ^ type
 * of data (table 0191) ^ data subtype (table 0291) ^ encoding (table 0299: A, Hex, Base64) ^ data. A document
 * without data, without an encoding, or whose data cannot be decoded is refused (an error at OBX-5), never dropped.
 */
final class DocumentMapping {

    /** The Binary's id prefix; the rest is a name-based UUID of the DocumentReference's identifier. */
    static final String BINARY_ID_PREFIX = "hl7doc-";

    /** ED-3 data subtypes (table 0291, and what senders put there) to MIME types. */
    private static final Map<String, String> SUBTYPES = Map.ofEntries(
            Map.entry("PDF", "application/pdf"),
            Map.entry("RTF", "application/rtf"),
            Map.entry("HTML", "text/html"),
            Map.entry("XML", "application/xml"),
            Map.entry("SGML", "text/sgml"),
            Map.entry("PLAIN", "text/plain"),
            Map.entry("TXT", "text/plain"),
            Map.entry("JPEG", "image/jpeg"),
            Map.entry("JPG", "image/jpeg"),
            Map.entry("GIF", "image/gif"),
            Map.entry("PNG", "image/png"),
            Map.entry("TIFF", "image/tiff"),
            Map.entry("POSTSCRIPT", "application/postscript"),
            Map.entry("OCTET-STREAM", "application/octet-stream"),
            Map.entry("X-HL7-CDA-LEVEL-ONE", "application/x-hl7-cda-level-one+xml"),
            Map.entry("DICOM", "application/dicom"),
            Map.entry("MSWORD", "application/msword"),
            Map.entry("DOC", "application/msword"),
            Map.entry("DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"));

    private DocumentMapping() {}

    /** Maps one ED OBX; {@code notes} are the NTE texts that follow it (the document's description). */
    static void map(MappingRun run, SegmentView obx, List<String> notes) throws Hl7MappingException {
        byte[] content = decode(run, obx);
        String contentType = contentType(obx.get(5, 2), obx.get(5, 3));

        String system = LinkwellSystems.HL7_DOCUMENT + run.facilitySlug;
        String codeKey = obx.get(3).isEmpty() ? "document" : obx.get(3);
        String value = run.visitOrPatientKey() + "-" + LinkwellSystems.slug(codeKey) + "-"
                + LinkwellSystems.slug(obx.get(1).isEmpty() ? String.valueOf(obx.sequence()) : obx.get(1));
        String binaryId = binaryId(system, value);

        // The Binary has no identifier to match a conditional write on, so its id is derived from its
        // DocumentReference's identifier: a redelivered message writes the same Binary/<id> with the same bytes,
        // which HAPI stores as no new version, and a corrected document (same visit, set id and code) replaces
        // both together. Writing it only when the DocumentReference is new would need the store, which a mapper
        // must not read.
        Binary binary = new Binary();
        binary.setContentType(contentType);
        binary.setData(content);
        // Consent governs the bytes as it does the person's other records.
        binary.setSecurityContext(run.patient.copy());
        run.transaction.putById(binary, binaryId, system, value);

        DocumentReference document = new DocumentReference();
        document.addIdentifier(TransactionBuilder.identifier(system, value));
        document.setStatus(
                switch (obx.get(11)) {
                    case "D", "W" -> Enumerations.DocumentReferenceStatus.ENTEREDINERROR;
                    default -> Enumerations.DocumentReferenceStatus.CURRENT;
                });
        switch (obx.get(11)) {
            case "F" -> document.setDocStatus(DocumentReference.ReferredDocumentStatus.FINAL);
            case "C" -> document.setDocStatus(DocumentReference.ReferredDocumentStatus.AMENDED);
            case "P", "R", "S", "I" -> document.setDocStatus(DocumentReference.ReferredDocumentStatus.PRELIMINARY);
            default -> {}
        }
        CodeableConcept type = Hl7Types.concept(obx, 3, 1, null);
        if (type.isEmpty()) {
            type.setText("Document");
        }
        document.setType(type);
        document.setSubject(run.patient.copy());
        Hl7Time.Stamp written = run.stamp(obx, 14);
        InstantType date = instant(written);
        if (date == null) {
            date = instant(run.stamp(run.message.require("MSH"), 7));
        }
        if (date != null) {
            document.setDateElement(date);
        }
        document.addAuthor(new Reference().setDisplay(run.facility));
        if (!notes.isEmpty()) {
            document.setDescription(String.join("\n", notes));
        }
        if (run.encounter != null) {
            document.getContext().addEncounter(run.encounter.copy());
        }
        Attachment attachment = document.addContent().getAttachment();
        attachment.setContentType(contentType);
        // The Binary entry of this transaction, by the id it is written under.
        attachment.setUrl("Binary/" + binaryId);
        attachment.setSize(content.length);
        attachment.setHash(sha1(content));
        if (type.hasText()) {
            attachment.setTitle(type.getText());
        }
        if (written != null) {
            attachment.setCreationElement(new DateTimeType(written.fhir()));
        }
        run.transaction.put(document, system, value);
    }

    /** A name-based UUID of the document's identity: the same document always has the same Binary id. */
    static String binaryId(String system, String value) {
        String name = "Binary|" + system + "|" + value;
        return BINARY_ID_PREFIX + UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] decode(MappingRun run, SegmentView obx) throws Hl7MappingException {
        String data = obx.get(5, 5);
        if (data.isEmpty()) {
            throw run.error(
                    Hl7ErrorCode.REQUIRED_FIELD_MISSING,
                    obx.at(5, 1, 5),
                    "embedded document (OBX-2 ED) has no data in OBX-5.5");
        }
        String encoding = obx.get(5, 4).toUpperCase(Locale.ROOT);
        byte[] bytes =
                switch (encoding) {
                    case "BASE64" -> base64(run, obx, data);
                    case "HEX" -> hex(run, obx, data);
                    case "A" -> data.getBytes(StandardCharsets.UTF_8);
                    case "" -> throw run.error(
                            Hl7ErrorCode.REQUIRED_FIELD_MISSING,
                            obx.at(5, 1, 4),
                            "embedded document (OBX-2 ED) has no encoding in OBX-5.4 (A, Hex or Base64)");
                    default -> throw run.error(
                            Hl7ErrorCode.TABLE_VALUE_NOT_FOUND,
                            obx.at(5, 1, 4),
                            "embedded document encoding in OBX-5.4 is not A, Hex or Base64 (HL7 table 0299)");
                };
        if (bytes.length == 0) {
            throw run.error(
                    Hl7ErrorCode.REQUIRED_FIELD_MISSING,
                    obx.at(5, 1, 5),
                    "embedded document (OBX-2 ED) has no data in OBX-5.5");
        }
        return bytes;
    }

    private static byte[] base64(MappingRun run, SegmentView obx, String data) throws Hl7MappingException {
        try {
            // Senders wrap long data; line breaks and spaces are not part of it.
            return Base64.getDecoder().decode(data.replaceAll("\\s+", ""));
        } catch (IllegalArgumentException e) {
            throw run.error(
                    Hl7ErrorCode.DATA_TYPE_ERROR, obx.at(5, 1, 5), "embedded document data in OBX-5.5 is not Base64");
        }
    }

    private static byte[] hex(MappingRun run, SegmentView obx, String data) throws Hl7MappingException {
        try {
            return HexFormat.of().parseHex(data.replaceAll("\\s+", ""));
        } catch (IllegalArgumentException e) {
            throw run.error(
                    Hl7ErrorCode.DATA_TYPE_ERROR,
                    obx.at(5, 1, 5),
                    "embedded document data in OBX-5.5 is not hexadecimal");
        }
    }

    /**
     * The MIME type from ED-2 (type of data) and ED-3 (subtype): a subtype that is already a MIME type is taken as
     * it is, known subtypes by table; otherwise text for TEXT data and octet-stream for anything else, which says
     * no more than is known.
     */
    static String contentType(String typeOfData, String subtype) {
        String sub = subtype.trim();
        if (sub.contains("/")) {
            return sub.toLowerCase(Locale.ROOT);
        }
        if (typeOfData.contains("/")) {
            return typeOfData.trim().toLowerCase(Locale.ROOT);
        }
        String known = SUBTYPES.get(sub.toUpperCase(Locale.ROOT));
        if (known != null) {
            return known;
        }
        return switch (typeOfData.trim().toUpperCase(Locale.ROOT)) {
            case "TEXT", "TX" -> "text/plain";
            default -> "application/octet-stream";
        };
    }

    /** DocumentReference.date is an instant: only a time given to the minute or finer can be one. */
    private static InstantType instant(Hl7Time.Stamp stamp) {
        if (stamp == null || stamp.precision().compareTo(Hl7Time.Precision.MINUTE) < 0) {
            return null;
        }
        return new InstantType(stamp.fhir());
    }

    private static byte[] sha1(byte[] content) {
        try {
            // FHIR's Attachment.hash is the SHA-1 of the data.
            return MessageDigest.getInstance("SHA-1").digest(content);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-1", e);
        }
    }

    /** Whether an OBX carries an embedded document. */
    static boolean isDocument(SegmentView obx) {
        return "ED".equals(obx.get(2));
    }
}
