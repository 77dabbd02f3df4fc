package uk.linkwell.gateway.ingest;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;

/**
 * Random but seeded sequences of hospital ADT events over a small world (two people, a few visits each): what a
 * hospital sends about people it already knows. Admissions, transfers, discharges with and without follow-up,
 * updates of the person, cancelled admissions and discharges, a merge, and repeats of earlier messages. Every
 * message states the person in full (as a PAS does), so applying one in place of another changes what it says.
 */
final class AdtSequences {

    static final String FACILITY = "RWELL";

    /** Doctors shared by every sequence: always the same name for the same number, as in a real trust. */
    private static final String[] DOCTORS = {
        "C1001^ADAMS^ANN^^^DR", "C1002^BAKER^BEN^^^DR", "C1003^CHOWDHURY^CHLOE^^^DR", "C1004^DIAZ^DAN^^^DR"
    };

    private static final String[] FAMILIES = {"BROOK", "CARTER", "DALE", "ELLIS"};
    private static final String[] WARDS = {"WARD1^B1^01", "WARD2^B4^07", "AMU^A^02", "WARD9^C3^11"};

    private AdtSequences() {}

    /** One person of a sequence. */
    static final class Person {
        final String nhsNumber;
        final String hospitalNumber;
        String family;
        String phone;
        final List<String> visits = new ArrayList<>();

        Person(String nhsNumber, String hospitalNumber, String family, String phone) {
            this.nhsNumber = nhsNumber;
            this.hospitalNumber = hospitalNumber;
            this.family = family;
            this.phone = phone;
        }
    }

    /** A sequence: its messages in order (control ids filled in later), and its people. */
    record Sequence(int number, List<String> messages, List<Person> people) {}

    static Sequence generate(long seed, int number) {
        Random random = new Random(seed * 7919 + number);
        List<Person> people = new ArrayList<>();
        for (int p = 0; p < 2; p++) {
            people.add(new Person(
                    SyntheticNhsNumbers.next(),
                    "H" + number + "P" + p + "S"
                            + Long.toHexString(seed & 0xffff).toUpperCase(),
                    FAMILIES[random.nextInt(FAMILIES.length)],
                    "0113 496 " + (1000 + random.nextInt(8999))));
        }
        List<String> messages = new ArrayList<>();
        int events = 4 + random.nextInt(7);
        int minute = 0;
        boolean merged = false;
        for (int e = 0; e < events; e++) {
            minute += 1 + random.nextInt(180);
            Person person = people.get(merged ? 0 : random.nextInt(2));
            int choice = random.nextInt(100);
            String message;
            if (choice < 8 && !messages.isEmpty()) {
                // A repeat: the same content again under a new control id (a resend after a lost ACK).
                message = messages.get(random.nextInt(messages.size()));
            } else if (person.visits.isEmpty() || choice < 25) {
                String visit = "V" + number + "P" + people.indexOf(person) + "N" + person.visits.size() + "S"
                        + Long.toHexString(seed & 0xffff).toUpperCase();
                person.visits.add(visit);
                message = admit(person, visit, ward(random), doctor(random), minute);
            } else if (choice < 35) {
                message =
                        transfer(person, anyVisit(random, person), ward(random), ward(random), doctor(random), minute);
            } else if (choice < 60) {
                message = discharge(
                        person,
                        anyVisit(random, person),
                        ward(random),
                        random.nextBoolean() ? doctor(random) : "",
                        String.valueOf(random.nextInt(4)),
                        minute);
            } else if (choice < 75) {
                person.family = FAMILIES[random.nextInt(FAMILIES.length)];
                person.phone = "0113 496 " + (1000 + random.nextInt(8999));
                message = update(person, minute);
            } else if (choice < 83) {
                message = cancel("A11", "ADT_A09", person, anyVisit(random, person), ward(random), minute);
            } else if (choice < 92 || merged) {
                message = cancel("A13", "ADT_A01", person, anyVisit(random, person), ward(random), minute);
            } else {
                merged = true;
                message = merge(people.get(0), people.get(1), minute);
            }
            messages.add(message);
        }
        return new Sequence(number, messages, people);
    }

    private static String anyVisit(Random random, Person person) {
        return person.visits.get(random.nextInt(person.visits.size()));
    }

    private static String ward(Random random) {
        return WARDS[random.nextInt(WARDS.length)];
    }

    private static String doctor(Random random) {
        return DOCTORS[random.nextInt(DOCTORS.length)];
    }

    private static String time(int minute) {
        return String.format("202612%02d%02d%02d00", 1 + minute / 1440, (minute / 60) % 24, minute % 60);
    }

    private static String msh(String event, String structure, int minute) {
        return "MSH|^~\\&|PAS|" + FACILITY + "|LINKWELL|LINKWELL|" + time(minute) + "||ADT^" + event + "^" + structure
                + "|{CONTROL}|P|2.5.1|||AL|NE";
    }

    private static String pid(Person p) {
        return "PID|1||" + p.nhsNumber + "^^^NHS^NH~" + p.hospitalNumber + "^^^" + FACILITY + "^MR||" + p.family
                + "^SAM^^^MX^^L||19500101|F|||1 TEST STREET^^LEEDS^^LS1 1AA^GBR^H||" + p.phone + "^PRN^PH";
    }

    private static String pd1() {
        return "PD1|||RIVERSIDE SURGERY^^^^^^^^^Y90001";
    }

    private static String pv1(
            String visit, String ward, String priorWard, String attending, String admitted, String discharged) {
        String[] f = new String[46];
        java.util.Arrays.fill(f, "");
        f[0] = "PV1";
        f[1] = "1";
        f[2] = "I";
        f[3] = ward + "^" + FACILITY;
        f[6] = priorWard == null ? "" : priorWard + "^" + FACILITY;
        f[7] = attending;
        f[14] = "19";
        f[19] = visit + "^^^" + FACILITY + "^VN";
        f[44] = admitted;
        f[45] = discharged == null ? "" : discharged;
        int last = f.length - 1;
        while (f[last].isEmpty()) {
            last--;
        }
        return String.join("|", java.util.Arrays.copyOf(f, last + 1));
    }

    /** The admission time of every visit: fixed, so later events about the visit agree on it. */
    private static final String ADMITTED = "20261201000000";

    static String admit(Person p, String visit, String ward, String doctor, int minute) {
        return String.join(
                        "\r",
                        msh("A01", "ADT_A01", minute),
                        "EVN|A01|" + time(minute),
                        pid(p),
                        pd1(),
                        pv1(visit, ward, null, doctor, ADMITTED, null))
                + "\r";
    }

    static String transfer(Person p, String visit, String ward, String prior, String doctor, int minute) {
        return String.join(
                        "\r",
                        msh("A02", "ADT_A02", minute),
                        "EVN|A02|" + time(minute),
                        pid(p),
                        pd1(),
                        pv1(visit, ward, prior, doctor, ADMITTED, null))
                + "\r";
    }

    static String discharge(Person p, String visit, String ward, String doctor, String pathway, int minute) {
        return String.join(
                        "\r",
                        msh("A03", "ADT_A03", minute),
                        "EVN|A03|" + time(minute),
                        pid(p),
                        pd1(),
                        pv1(visit, ward, null, doctor, ADMITTED, time(minute)),
                        "ZDS|" + pathway)
                + "\r";
    }

    static String update(Person p, int minute) {
        return String.join("\r", msh("A08", "ADT_A01", minute), "EVN|A08|" + time(minute), pid(p), pd1(), "PV1|1|I")
                + "\r";
    }

    static String cancel(String event, String structure, Person p, String visit, String ward, int minute) {
        return String.join(
                        "\r",
                        msh(event, structure, minute),
                        "EVN|" + event + "|" + time(minute),
                        pid(p),
                        pd1(),
                        pv1(visit, ward, null, "", ADMITTED, null))
                + "\r";
    }

    static String merge(Person surviving, Person old, int minute) {
        return String.join(
                        "\r",
                        msh("A40", "ADT_A39", minute),
                        "EVN|A40|" + time(minute),
                        pid(surviving),
                        pd1(),
                        "MRG|" + old.nhsNumber + "^^^NHS^NH")
                + "\r";
    }
}
