package uk.linkwell.gateway.exchange;

import ca.uhn.hl7v2.DefaultHapiContext;
import ca.uhn.hl7v2.HL7Exception;
import ca.uhn.hl7v2.HapiContext;
import ca.uhn.hl7v2.model.AbstractMessage;
import ca.uhn.hl7v2.model.v251.message.ADT_A03;
import ca.uhn.hl7v2.model.v251.message.RRI_I12;
import ca.uhn.hl7v2.parser.PipeParser;
import ca.uhn.hl7v2.util.Terser;
import ca.uhn.hl7v2.util.idgenerator.InMemoryIDGenerator;
import ca.uhn.hl7v2.validation.impl.NoValidation;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.Task;
import uk.linkwell.profiles.LinkwellProfiles;

/**
 * The HL7 v2.5.1 messages of the {@code hl7v2-mllp} channel, built with HAPI HL7 v2 from the resources the consent
 * engine let through: a discharge as ADT^A03 (PID with the NHS number, PV1 with the visit number, the disposition
 * and the stay's dates), a referral decision as RRI^I12 (RF1 status and referral identifier, the accepting team as
 * PRD, the decline's reasons as NTE). MSH-10 is the delivery's idempotency key, the same on every attempt.
 */
public class Hl7v2Notifications {

    /** The events an HL7 v2 receiver can be told; the others are not recorded for an MLLP Endpoint. */
    public static final Set<String> EVENTS =
            Set.of(Channels.DISCHARGE, Channels.REFERRAL_ACCEPTED, Channels.REFERRAL_DECLINED);

    static final String SENDING_APPLICATION = "LINKWELL";
    static final String VISIT_NUMBER_SYSTEM = "https://fhir.linkwell.example/Id/visit-number/";

    private static final DateTimeFormatter HL7_TIME =
            DateTimeFormatter.ofPattern("yyyyMMddHHmmssZ").withZone(ZoneOffset.UTC);

    /** Why a delivery cannot be put into HL7 v2: sending it again would change nothing. */
    public static final class NotExpressible extends Exception {
        NotExpressible(String why) {
            super(why);
        }
    }

    private final HapiContext hl7 = new DefaultHapiContext();

    public Hl7v2Notifications() {
        // What is built here is checked by the tests; the receiver judges it (an AR comes back as a refusal).
        hl7.setValidationContext(new NoValidation());
        // MSH-10 is set to the idempotency key; HAPI's default generator would also write a counter file in the
        // working directory for the one initQuickstart draws first.
        hl7.getParserConfiguration().setIdGenerator(new InMemoryIDGenerator());
    }

    /** The ER7 text (segments ended by CR) of the message for this delivery. */
    public String build(Delivery delivery, Bundle permitted, Instant now) throws NotExpressible {
        try {
            AbstractMessage message =
                    switch (delivery.getEvent()) {
                        case Channels.DISCHARGE -> discharge(delivery, permitted, now);
                        case Channels.REFERRAL_ACCEPTED, Channels.REFERRAL_DECLINED -> referral(
                                delivery, permitted, now);
                        default -> throw new NotExpressible(
                                "the event " + delivery.getEvent() + " has no HL7 v2 message in this gateway");
                    };
            return new PipeParser(hl7).encode(message);
        } catch (HL7Exception | IOException e) {
            throw new IllegalStateException("cannot build the HL7 v2 message of delivery " + delivery.getId(), e);
        }
    }

    private ADT_A03 discharge(Delivery delivery, Bundle permitted, Instant now)
            throws HL7Exception, IOException, NotExpressible {
        Encounter stay = first(permitted, Encounter.class)
                .orElseThrow(() -> new NotExpressible("the stay (Encounter) may not go to this recipient"));
        Patient person = first(permitted, Patient.class)
                .orElseThrow(() -> new NotExpressible(
                        "the person's record may not go to this recipient, and an ADT^A03 needs its PID"));
        ADT_A03 adt = new ADT_A03();
        adt.setParser(hl7.getPipeParser());
        adt.initQuickstart("ADT", "A03", "P");
        Terser t = new Terser(adt);
        header(t, delivery, now);
        t.set("EVN-1", "A03");
        t.set("EVN-2", time(now));
        if (stay.getPeriod().hasEnd()) {
            t.set("EVN-6", time(stay.getPeriod().getEnd()));
        }
        pid(t, person);
        t.set("PV1-1", "1");
        t.set("PV1-2", patientClass(stay.getClass_()));
        Identifier visit = stay.getIdentifier().stream()
                .filter(i -> i.hasSystem() && i.getSystem().startsWith(VISIT_NUMBER_SYSTEM))
                .findFirst()
                .orElse(stay.getIdentifierFirstRep());
        t.set(
                "PV1-19-1",
                visit.hasValue() ? visit.getValue() : stay.getIdElement().getIdPart());
        if (visit.hasSystem() && visit.getSystem().startsWith(VISIT_NUMBER_SYSTEM)) {
            t.set("PV1-19-4", visit.getSystem().substring(VISIT_NUMBER_SYSTEM.length()));
        }
        t.set("PV1-19-5", "VN");
        Coding disposition = stay.getHospitalization().getDischargeDisposition().getCodingFirstRep();
        if (disposition.hasCode()) {
            t.set("PV1-36", disposition.getCode());
        }
        if (stay.getPeriod().hasStart()) {
            t.set("PV1-44", time(stay.getPeriod().getStart()));
        }
        if (stay.getPeriod().hasEnd()) {
            t.set("PV1-45", time(stay.getPeriod().getEnd()));
        }
        return adt;
    }

    private RRI_I12 referral(Delivery delivery, Bundle permitted, Instant now)
            throws HL7Exception, IOException, NotExpressible {
        Task task = first(permitted, Task.class)
                .orElseThrow(() -> new NotExpressible("the referral Task may not go to this recipient"));
        boolean accepted = Channels.REFERRAL_ACCEPTED.equals(delivery.getEvent());
        RRI_I12 rri = new RRI_I12();
        rri.setParser(hl7.getPipeParser());
        rri.initQuickstart("RRI", "I12", "P");
        Terser t = new Terser(rri);
        header(t, delivery, now);
        // RF1-1, table 0283: A accepted, R rejected.
        t.set("RF1-1-1", accepted ? "A" : "R");
        t.set("RF1-1-2", accepted ? "Accepted" : "Rejected");
        t.set("RF1-1-3", "HL70283");
        Identifier referral = task.getIdentifierFirstRep();
        t.set(
                "RF1-6-1",
                referral.hasValue() ? referral.getValue() : task.getIdElement().getIdPart());
        t.set("RF1-7", time(task.hasLastModified() ? task.getLastModified() : Date.from(now)));
        Optional<Organization> team = first(permitted, Organization.class);
        if (accepted && team.isPresent()) {
            // The team the referral was accepted by: PRD-1 RT (referred-to provider), its name and ODS code.
            t.set("/PROVIDER_CONTACT/PRD-1-1", "RT");
            t.set("/PROVIDER_CONTACT/PRD-2-1", team.get().getName());
            team.get().getIdentifier().stream()
                    .filter(i -> LinkwellProfiles.ODS_CODE_SYSTEM.equals(i.getSystem()))
                    .findFirst()
                    .ifPresent(ods -> {
                        try {
                            t.set("/PROVIDER_CONTACT/PRD-7-1", ods.getValue());
                            t.set("/PROVIDER_CONTACT/PRD-7-2", "ODS");
                        } catch (HL7Exception e) {
                            throw new IllegalStateException(e);
                        }
                    });
        }
        Optional<Patient> person = first(permitted, Patient.class);
        if (person.isPresent()) {
            pid(t, person.get());
        }
        List<String> notes = new ArrayList<>();
        if (!accepted) {
            String reason = text(task.getStatusReason());
            if (reason != null) {
                notes.add("Reason: " + reason);
            }
            for (Resource r : resources(permitted)) {
                if (r instanceof Communication letter) {
                    letter.getPayload().stream()
                            .filter(p -> p.hasContentStringType())
                            .forEach(p -> notes.add(p.getContentStringType().getValue()));
                }
            }
        }
        for (int i = 0; i < notes.size(); i++) {
            t.set("/NTE(" + i + ")-1", Integer.toString(i + 1));
            t.set("/NTE(" + i + ")-3", oneLine(notes.get(i)));
        }
        return rri;
    }

    /**
     * MSH-10 of a delivery's messages: the first 20 hexadecimal digits of its idempotency key (a UUID), the same on
     * every attempt. HL7 v2.5.1 limits MSH-10 to 20 characters, and a receiver may refuse or truncate a longer one.
     */
    public static String controlId(Delivery delivery) {
        String hex = delivery.getIdempotencyKey().replace("-", "").toUpperCase(java.util.Locale.ROOT);
        return hex.length() <= 20 ? hex : hex.substring(0, 20);
    }

    private static void header(Terser t, Delivery delivery, Instant now) throws HL7Exception {
        t.set("MSH-3-1", SENDING_APPLICATION);
        t.set("MSH-4-1", SENDING_APPLICATION);
        if (delivery.getRecipientOrganisation() != null) {
            t.set("MSH-6-1", delivery.getRecipientOrganisation());
        }
        t.set("MSH-7", time(now));
        t.set("MSH-10", controlId(delivery));
    }

    private static void pid(Terser t, Patient person) throws HL7Exception {
        t.set("PID-1", "1");
        Optional<String> nhs = person.getIdentifier().stream()
                .filter(i -> LinkwellProfiles.NHS_NUMBER_SYSTEM.equals(i.getSystem()) && i.hasValue())
                .map(Identifier::getValue)
                .findFirst();
        if (nhs.isPresent()) {
            t.set("PID-3-1", nhs.get());
            t.set("PID-3-4", "NHS");
            t.set("PID-3-5", "NH");
        }
        HumanName name = person.getNameFirstRep();
        if (name.hasFamily()) {
            t.set("PID-5-1", name.getFamily());
        }
        if (name.hasGiven()) {
            t.set("PID-5-2", name.getGiven().get(0).getValue());
        }
        if (person.hasBirthDate()) {
            t.set("PID-7", new java.text.SimpleDateFormat("yyyyMMdd").format(person.getBirthDate()));
        }
        if (person.hasGender()) {
            t.set("PID-8", sex(person.getGender()));
        }
    }

    /** Table 0001 from the administrative gender. */
    private static String sex(AdministrativeGender gender) {
        return switch (gender) {
            case MALE -> "M";
            case FEMALE -> "F";
            case OTHER -> "O";
            default -> "U";
        };
    }

    /** PV1-2 (table 0004) from the v3 ActCode encounter class. */
    private static String patientClass(Coding encounterClass) {
        return switch (encounterClass.getCode() == null ? "" : encounterClass.getCode()) {
            case "IMP", "ACUTE", "NONAC" -> "I";
            case "AMB" -> "O";
            case "EMER" -> "E";
            case "PRENC" -> "P";
            default -> "U";
        };
    }

    private static String text(CodeableConcept concept) {
        if (concept.hasText()) {
            return concept.getText();
        }
        return concept.getCoding().stream()
                .map(c -> c.hasDisplay() ? c.getDisplay() : c.getCode())
                .filter(s -> s != null && !s.isBlank())
                .findFirst()
                .orElse(null);
    }

    /** NTE-3 is one field: line breaks become spaces (the encoder escapes HL7's own delimiters). */
    private static String oneLine(String text) {
        return text.replace("\r\n", "\n").replace('\r', '\n').replace("\n", " ");
    }

    private static String time(Date date) {
        return HL7_TIME.format(date.toInstant());
    }

    private static String time(Instant instant) {
        return HL7_TIME.format(instant);
    }

    private static List<Resource> resources(Bundle bundle) {
        return bundle.getEntry().stream()
                .map(Bundle.BundleEntryComponent::getResource)
                .toList();
    }

    private static <T extends Resource> Optional<T> first(Bundle bundle, Class<T> type) {
        return resources(bundle).stream()
                .filter(type::isInstance)
                .map(type::cast)
                .findFirst();
    }
}
