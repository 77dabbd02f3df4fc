package uk.linkwell.mappings.socialcare.cld;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Task;
import uk.linkwell.mappings.NhsNumber;

/**
 * Maps one row of a local authority's CLD return to the conditional entries of a FHIR transaction: the
 * person (a Patient created if absent, by NHS number) and the row's event (Request: the referral
 * ServiceRequest; Assessment and Review: Tasks; Service: a ServiceRequest for the service). Identities are
 * those of the live social-care case events, so a backfilled row and a later live event for the same thing
 * meet on one resource. Every entry is a create-if-absent: a backfill never overwrites what is already there.
 * Not thread-safe (it remembers the people of the file, see {@link CldPeople}); one per file.
 */
public final class CldMapper {

    static final String BASE = "https://fhir.linkwell.example";
    static final String ODS = "https://fhir.nhs.uk/Id/ods-organization-code";
    static final String DATA_ABSENT_REASON = "http://hl7.org/fhir/StructureDefinition/data-absent-reason";
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final DateTimeFormatter UK_DATE =
            DateTimeFormatter.ofPattern("dd/MM/uuuu").withResolverStyle(ResolverStyle.STRICT);
    private static final int MAX_TEXT = 500;

    private final String localAuthority;
    private final CldPeople people = new CldPeople();

    /** @param localAuthority the council's ODS code: the scope of every identifier and the managing organisation */
    public CldMapper(String localAuthority) {
        if (localAuthority == null || !IDENTIFIER.matcher(localAuthority).matches()) {
            throw new IllegalArgumentException("local authority must be an ODS code");
        }
        this.localAuthority = localAuthority;
    }

    /** The row's entries (Patient, Organization, the event's resource), or why the row cannot be applied. */
    public List<Bundle.BundleEntryComponent> map(CldRow row) throws CldRowException {
        Fields f = new Fields(row);
        String personId = f.identifierOrNull(CldColumn.LA_PERSON_UNIQUE_IDENTIFIER);
        String nhsNumber = f.nhsNumber();
        CldEventType type = f.eventType();
        String eventReference = f.identifier(CldColumn.EVENT_REFERENCE);
        String caseReference = f.identifierOrNull(CldColumn.CASE_REFERENCE);
        LocalDate start = f.date(CldColumn.EVENT_START_DATE, true);
        LocalDate end = f.date(CldColumn.EVENT_END_DATE, false);
        if (end != null && end.isBefore(start)) {
            throw new CldRowException(CldColumn.EVENT_END_DATE, "must not be before Event_Start_Date");
        }
        Boolean eligible = f.yesNo(CldColumn.ELIGIBLE_NEEDS_IDENTIFIED);
        String reviewReason = type == CldEventType.REVIEW ? f.reviewReason() : null;
        if (type == CldEventType.SERVICE) {
            f.require(CldColumn.SERVICE_TYPE);
        }
        for (CldColumn column : CldColumn.values()) {
            f.text(column);
        }
        people.admit(row.lineNumber(), nhsNumber, personId);

        Entries entries = new Entries();
        String personKey = personId != null ? personId : "nhs-" + nhsNumber;
        String caseKey = personKey + ":" + (caseReference != null ? caseReference : eventReference);
        Reference patient = patient(entries, nhsNumber, personId);
        Reference council = council(entries);
        switch (type) {
            case REQUEST -> request(entries, f, caseKey, patient, council, start, end);
            case ASSESSMENT -> assessment(entries, f, caseKey, eventReference, patient, council, start, end, eligible);
            case REVIEW -> review(entries, f, caseKey, eventReference, patient, council, start, end, reviewReason);
            case SERVICE -> service(entries, f, caseKey, eventReference, patient, council, start, end);
        }
        return entries.list();
    }

    /**
     * One transaction Bundle for the entries of many rows, each resource once (the first row to name it wins,
     * as it would applied one by one, since every entry is a create-if-absent).
     */
    public static Bundle transaction(Collection<List<Bundle.BundleEntryComponent>> rows) {
        Map<String, Bundle.BundleEntryComponent> unique = new LinkedHashMap<>();
        rows.forEach(entries -> entries.forEach(e -> unique.putIfAbsent(e.getFullUrl(), e)));
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        unique.values().forEach(bundle::addEntry);
        return bundle;
    }

    /** The identifier system of a case resource of this council, as the live case events use it. */
    public static String identifierSystem(String localAuthority, String kind) {
        return BASE + "/Id/socialcare/" + localAuthority + "/" + kind;
    }

    private Identifier id(String kind, String value) {
        return new Identifier()
                .setSystem(identifierSystem(localAuthority, kind))
                .setValue(value);
    }

    private Reference patient(Entries entries, String nhsNumber, String personId) {
        Identifier nhs = new Identifier().setSystem(NhsNumber.SYSTEM).setValue(nhsNumber);
        Patient patient = new Patient();
        patient.addIdentifier(nhs.copy());
        if (personId != null) {
            patient.addIdentifier()
                    .setSystem(BASE + "/Id/la-person/" + localAuthority)
                    .setValue(personId);
        }
        // LinkwellPatient needs a name and CLD carries none: say so rather than invent one. A later
        // hospital or GP record, which does carry demographics, replaces this Patient.
        HumanName name = patient.addName();
        name.addExtension(DATA_ABSENT_REASON, new CodeType("unknown"));
        return entries.createIfAbsent(patient, nhs);
    }

    private Reference council(Entries entries) {
        Identifier ods = new Identifier().setSystem(ODS).setValue(localAuthority);
        Organization organization = new Organization();
        organization.addIdentifier(ods.copy());
        return entries.createIfAbsent(organization, ods).setIdentifier(ods.copy());
    }

    private void request(
            Entries entries,
            Fields f,
            String caseKey,
            Reference patient,
            Reference council,
            LocalDate start,
            LocalDate end) {
        ServiceRequest referral = new ServiceRequest();
        Identifier id = id("referral", caseKey);
        referral.addIdentifier(id.copy());
        referral.setStatus(
                end == null
                        ? ServiceRequest.ServiceRequestStatus.ACTIVE
                        : ServiceRequest.ServiceRequestStatus.COMPLETED);
        referral.setIntent(ServiceRequest.ServiceRequestIntent.ORDER);
        referral.setCode(new CodeableConcept()
                .addCoding(new Coding("http://snomed.info/sct", "3457005", "Patient referral"))
                .setText("Referral to adult social care"));
        // CLD records no urgency and no referrer, only the route by which the request came.
        referral.setPriority(ServiceRequest.ServiceRequestPriority.ROUTINE);
        referral.setSubject(patient.copy());
        referral.setAuthoredOnElement(new DateTimeType(start.toString()));
        String route = f.value(CldColumn.REQUEST_ROUTE_OF_ACCESS);
        referral.setRequester(new Reference().setDisplay(route == null ? "not recorded" : "route of access: " + route));
        referral.addPerformer(council.copy());
        if (route != null) {
            referral.addCategory(new CodeableConcept().setText("route of access: " + route));
        }
        reason(f).ifPresent(referral::addReasonCode);
        notes(f, end).forEach(n -> referral.addNote().setText(n));
        entries.createIfAbsent(referral, id);
    }

    private void assessment(
            Entries entries,
            Fields f,
            String caseKey,
            String eventReference,
            Reference patient,
            Reference council,
            LocalDate start,
            LocalDate end,
            Boolean eligible) {
        String what = f.value(CldColumn.ASSESSMENT_TYPE);
        Identifier id = id("assessment", caseKey + ":" + eventReference);
        Task task = task(
                id,
                caseKey,
                end == null ? Task.TaskStatus.INPROGRESS : Task.TaskStatus.COMPLETED,
                what == null ? "Care Act needs assessment" : what,
                patient,
                council,
                start,
                end);
        reason(f).ifPresent(task::setReasonCode);
        outcome(f).ifPresent(task::setBusinessStatus);
        if (eligible != null) {
            task.addOutput()
                    .setType(new CodeableConcept().setText("eligible needs identified"))
                    .setValue(new BooleanType(eligible));
        }
        notes(f, null).forEach(n -> task.addNote().setText(n));
        entries.createIfAbsent(task, id);
    }

    private void review(
            Entries entries,
            Fields f,
            String caseKey,
            String eventReference,
            Reference patient,
            Reference council,
            LocalDate start,
            LocalDate end,
            String reviewReason) {
        Identifier id = id("review", caseKey + ":" + eventReference);
        Task task = task(
                id,
                caseKey,
                end == null ? Task.TaskStatus.INPROGRESS : Task.TaskStatus.COMPLETED,
                "planned".equals(reviewReason) ? "Planned annual review" : "Unscheduled review",
                patient,
                council,
                start,
                end);
        task.addBasedOn(byIdentifier("CarePlan", id("care-plan", caseKey)));
        reason(f).ifPresent(task::setReasonCode);
        outcome(f).ifPresent(o -> task.addOutput()
                .setType(new CodeableConcept().setText("outcome"))
                .setValue(new StringType(o.getText())));
        notes(f, null).forEach(n -> task.addNote().setText(n));
        entries.createIfAbsent(task, id);
    }

    private void service(
            Entries entries,
            Fields f,
            String caseKey,
            String eventReference,
            Reference patient,
            Reference council,
            LocalDate start,
            LocalDate end) {
        ServiceRequest service = new ServiceRequest();
        Identifier id = id("service", caseKey + ":" + eventReference);
        service.addIdentifier(id.copy());
        service.setStatus(
                end == null
                        ? ServiceRequest.ServiceRequestStatus.ACTIVE
                        : ServiceRequest.ServiceRequestStatus.COMPLETED);
        service.setIntent(ServiceRequest.ServiceRequestIntent.ORDER);
        service.setCode(new CodeableConcept().setText(f.value(CldColumn.SERVICE_TYPE)));
        service.setPriority(ServiceRequest.ServiceRequestPriority.ROUTINE);
        service.setSubject(patient.copy());
        service.setAuthoredOnElement(new DateTimeType(start.toString()));
        service.setRequester(council.copy());
        service.addPerformer(council.copy());
        service.addBasedOn(byIdentifier("ServiceRequest", id("referral", caseKey)));
        Period period = new Period().setStartElement(new DateTimeType(start.toString()));
        if (end != null) {
            period.setEndElement(new DateTimeType(end.toString()));
        }
        service.setOccurrence(period);
        String component = f.value(CldColumn.SERVICE_COMPONENT);
        if (component != null) {
            service.addCategory(new CodeableConcept().setText(component));
        }
        String mechanism = f.value(CldColumn.DELIVERY_MECHANISM);
        if (mechanism != null) {
            service.addOrderDetail(new CodeableConcept().setText("delivery mechanism: " + mechanism));
        }
        reason(f).ifPresent(service::addReasonCode);
        notes(f, null).forEach(n -> service.addNote().setText(n));
        entries.createIfAbsent(service, id);
    }

    private Task task(
            Identifier id,
            String caseKey,
            Task.TaskStatus status,
            String what,
            Reference patient,
            Reference council,
            LocalDate start,
            LocalDate end) {
        Task task = new Task();
        task.addIdentifier(id.copy());
        task.setStatus(status);
        task.setIntent(Task.TaskIntent.ORDER);
        task.setCode(new CodeableConcept().setText(what));
        task.setFocus(byIdentifier("ServiceRequest", id("referral", caseKey)));
        task.setFor(patient.copy());
        task.setAuthoredOnElement(new DateTimeType(start.toString()));
        Period period = new Period().setStartElement(new DateTimeType(start.toString()));
        if (end != null) {
            period.setEndElement(new DateTimeType(end.toString()));
        }
        task.setExecutionPeriod(period);
        task.setOwner(council.copy());
        return task;
    }

    private static java.util.Optional<CodeableConcept> reason(Fields f) {
        String reason = f.value(CldColumn.PRIMARY_SUPPORT_REASON);
        return java.util.Optional.ofNullable(reason)
                .map(r -> new CodeableConcept().setText("primary support reason: " + r));
    }

    private static java.util.Optional<CodeableConcept> outcome(Fields f) {
        return java.util.Optional.ofNullable(f.value(CldColumn.EVENT_OUTCOME))
                .map(o -> new CodeableConcept().setText(o));
    }

    private static List<String> notes(Fields f, LocalDate end) {
        List<String> notes = new ArrayList<>();
        if (f.value(CldColumn.CLIENT_TYPE) != null) {
            notes.add("client type: " + f.value(CldColumn.CLIENT_TYPE));
        }
        if (end != null) {
            notes.add("request ended " + end
                    + (f.value(CldColumn.EVENT_OUTCOME) == null
                            ? ""
                            : ", outcome: " + f.value(CldColumn.EVENT_OUTCOME)));
        }
        return notes;
    }

    private static Reference byIdentifier(String type, Identifier identifier) {
        return new Reference().setType(type).setIdentifier(identifier);
    }

    /** The entries of one row, keyed by name-based fullUrl as the live case events build theirs. */
    private static final class Entries {
        private final Map<String, Bundle.BundleEntryComponent> entries = new LinkedHashMap<>();

        Reference createIfAbsent(Resource resource, Identifier identifier) {
            String fullUrl = fullUrl(resource.fhirType(), identifier);
            Bundle.BundleEntryComponent entry =
                    new Bundle.BundleEntryComponent().setFullUrl(fullUrl).setResource(resource);
            // The match URL names its type ("Patient?identifier=..."): HAPI then resolves all of a transaction's
            // create-if-absent entries in one query up front instead of searching once per entry.
            entry.getRequest()
                    .setMethod(Bundle.HTTPVerb.POST)
                    .setUrl(resource.fhirType())
                    .setIfNoneExist(resource.fhirType() + "?identifier=" + identifier.getSystem() + "|"
                            + URLEncoder.encode(identifier.getValue(), StandardCharsets.UTF_8));
            entries.put(fullUrl, entry);
            return new Reference(fullUrl);
        }

        List<Bundle.BundleEntryComponent> list() {
            return List.copyOf(entries.values());
        }
    }

    /** The same rule as the case events' fullUrls: a name-based UUID of {@code type|system|value}. */
    public static String fullUrl(String type, Identifier identifier) {
        String name = type + "|" + identifier.getSystem() + "|" + identifier.getValue();
        return "urn:uuid:" + UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8));
    }

    /** Reading and checking the cells of one row; every failure names the column and never the value. */
    private static final class Fields {
        private final CldRow row;

        Fields(CldRow row) {
            this.row = row;
        }

        String value(CldColumn column) {
            return row.get(column);
        }

        String require(CldColumn column) throws CldRowException {
            String value = row.get(column);
            if (value == null) {
                throw new CldRowException(
                        column, "is required" + (column.requiredInHeader() ? "" : " for this Event_Type"));
            }
            return value;
        }

        String text(CldColumn column) throws CldRowException {
            String value = row.get(column);
            if (value != null && value.length() > MAX_TEXT) {
                throw new CldRowException(column, "is longer than " + MAX_TEXT + " characters");
            }
            return value;
        }

        String identifier(CldColumn column) throws CldRowException {
            String value = require(column);
            if (!IDENTIFIER.matcher(value).matches()) {
                throw new CldRowException(column, "must be 1-64 of A-Z a-z 0-9 . _ -");
            }
            return value;
        }

        String identifierOrNull(CldColumn column) throws CldRowException {
            return row.get(column) == null ? null : identifier(column);
        }

        String nhsNumber() throws CldRowException {
            String value = require(CldColumn.NHS_NUMBER);
            String digits = NhsNumber.normalise(value);
            if (digits == null) {
                throw new CldRowException(CldColumn.NHS_NUMBER, "must be ten digits");
            }
            if (!NhsNumber.isValid(digits)) {
                throw new CldRowException(CldColumn.NHS_NUMBER, "fails the Modulus 11 check");
            }
            return digits;
        }

        CldEventType eventType() throws CldRowException {
            String value = require(CldColumn.EVENT_TYPE);
            return CldEventType.of(value)
                    .orElseThrow(() -> new CldRowException(
                            CldColumn.EVENT_TYPE, "must be one of Request, Assessment, Service, Review"));
        }

        LocalDate date(CldColumn column, boolean required) throws CldRowException {
            String value = required ? require(column) : row.get(column);
            if (value == null) {
                return null;
            }
            try {
                return value.contains("/") ? LocalDate.parse(value, UK_DATE) : LocalDate.parse(value);
            } catch (DateTimeParseException e) {
                throw new CldRowException(column, "must be a date as YYYY-MM-DD or DD/MM/YYYY");
            }
        }

        Boolean yesNo(CldColumn column) throws CldRowException {
            String value = row.get(column);
            if (value == null) {
                return null;
            }
            return switch (value.toLowerCase(Locale.ROOT)) {
                case "yes", "y" -> true;
                case "no", "n" -> false;
                default -> throw new CldRowException(column, "must be Yes or No");
            };
        }

        String reviewReason() throws CldRowException {
            String value = require(CldColumn.REVIEW_REASON).toLowerCase(Locale.ROOT);
            return switch (value) {
                case "planned" -> "planned";
                case "unplanned" -> "unplanned";
                default -> throw new CldRowException(CldColumn.REVIEW_REASON, "must be Planned or Unplanned");
            };
        }
    }
}
