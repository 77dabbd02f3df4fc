package uk.linkwell.gateway.ingest.hospital;

import java.util.Arrays;
import java.util.UUID;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;

/** Synthetic ADT messages for the gateway tests: 999-range NHS numbers, invented names, fresh ids per call. */
final class AdtMessages {

    static final String FACILITY = "RWELL";
    static final String ATTENDING = "7654321^OKAFOR^CLARE^^^DR^^^GMC";

    private AdtMessages() {}

    /** A fresh visit of a fresh patient. */
    record Visit(String nhsNumber, String hospitalNumber, String visitNumber) {
        static Visit fresh() {
            String suffix = UUID.randomUUID().toString().substring(0, 8).toUpperCase();
            return new Visit(SyntheticNhsNumbers.next(), "H" + suffix, "V" + suffix);
        }
    }

    static String controlId() {
        return "T"
                + UUID.randomUUID().toString().replace("-", "").substring(0, 18).toUpperCase();
    }

    static String msh(String event, String structure, String controlId, String version, String charset) {
        return "MSH|^~\\&|PAS|" + FACILITY + "|LINKWELL|LINKWELL|20261120083000||ADT^" + event + "^" + structure + "|"
                + controlId + "|P|" + version + "|||AL|NE|GBR" + (charset == null ? "" : "|" + charset);
    }

    static String pid(Visit visit, String family) {
        return "PID|1||" + visit.nhsNumber() + "^^^NHS^NH~" + visit.hospitalNumber() + "^^^" + FACILITY + "^MR||"
                + family + "^SAM^^^MX^^L||19500101|F|||1 TEST STREET^^LEEDS^^LS1 1AA^GBR^H";
    }

    static String pv1(Visit visit, String disposition, String destination, String discharged) {
        String[] f = new String[46];
        Arrays.fill(f, "");
        f[0] = "PV1";
        f[1] = "1";
        f[2] = "I";
        f[3] = "WARD 7^B2^04^" + FACILITY;
        f[7] = ATTENDING;
        f[14] = "19";
        f[17] = ATTENDING;
        f[19] = visit.visitNumber() + "^^^" + FACILITY + "^VN";
        f[36] = disposition == null ? "" : disposition;
        f[37] = destination == null ? "" : destination;
        f[44] = "20261120082500";
        f[45] = discharged == null ? "" : discharged;
        int last = f.length - 1;
        while (f[last].isEmpty()) {
            last--;
        }
        return String.join("|", Arrays.copyOf(f, last + 1));
    }

    static String admit(Visit visit, String controlId) {
        return String.join(
                        "\r",
                        msh("A01", "ADT_A01", controlId, "2.5.1", "UNICODE UTF-8"),
                        "EVN|A01|20261120083000",
                        pid(visit, "TESTPERSON"),
                        pv1(visit, null, null, null))
                + "\r";
    }

    static String discharge(Visit visit, String controlId, String pathway) {
        return String.join(
                        "\r",
                        msh("A03", "ADT_A03", controlId, "2.5.1", null),
                        "EVN|A03|20261124150000",
                        pid(visit, "TESTPERSON"),
                        pv1(visit, "19", "HOME WITH REABLEMENT PACKAGE", "20261124143000"),
                        "OBX|1|TX|RISK^Significant risk incident^LOCAL||Fall on ward, no injury||||||F|||20261122031500",
                        "ZDS|" + pathway)
                + "\r";
    }

    /** A discharge from a trust that sends no Z-segment: no discharge-to-assess pathway at all. */
    static String dischargeWithoutPathway(Visit visit, String controlId) {
        return String.join(
                        "\r",
                        msh("A03", "ADT_A03", controlId, "2.4", null),
                        "EVN|A03|20261124150000",
                        pid(visit, "TESTPERSON"),
                        pv1(visit, "19", "HOME", "20261124143000"))
                + "\r";
    }

    /**
     * A discharge on pathway 0 carrying a document in an ED OBX: {@code ed} is ED-1 to ED-5, e.g.
     * {@code RWELL-EPR^AP^PDF^Base64^JVBERi0x...}.
     */
    static String dischargeWithDocument(Visit visit, String controlId, String ed) {
        return String.join(
                        "\r",
                        msh("A03", "ADT_A03", controlId, "2.5.1", null),
                        "EVN|A03|20261124150000",
                        pid(visit, "TESTPERSON"),
                        pv1(visit, "19", "HOME", "20261124143000"),
                        "OBX|1|ED|18842-5^Discharge summary^LN||" + ed + "||||||F|||20261124142000",
                        "ZDS|0")
                + "\r";
    }

    /** A discharge whose times are given as they are, e.g. PV1-44 to the second and PV1-45 to the minute. */
    static String dischargeAt(Visit visit, String controlId, String admitted, String discharged) {
        String pv1 = pv1(visit, "19", "HOME", discharged);
        return String.join(
                        "\r",
                        msh("A03", "ADT_A03", controlId, "2.4", null),
                        "EVN|A03|20261124150000",
                        pid(visit, "TESTPERSON"),
                        pv1.replace("|20261120082500|", "|" + admitted + "|"),
                        "ZDS|0")
                + "\r";
    }

    /** An admission whose PD1 names the registered GP practice. */
    static String admitRegistered(Visit visit, String controlId, String practiceOdsCode) {
        return String.join(
                        "\r",
                        msh("A01", "ADT_A01", controlId, "2.5.1", null),
                        "EVN|A01|20261120083000",
                        pid(visit, "TESTPERSON"),
                        "PD1|||TEST PRACTICE^^^^^^^^^" + practiceOdsCode,
                        pv1(visit, null, null, null))
                + "\r";
    }

    /** An update of patient information that says nothing of the registered GP (no PD1). */
    static String update(Visit visit, String controlId, String family) {
        return String.join(
                        "\r",
                        msh("A08", "ADT_A01", controlId, "2.5.1", null),
                        "EVN|A08|20261121100000",
                        pid(visit, family),
                        pv1(visit, null, null, null))
                + "\r";
    }

    static String cancelAdmit(Visit visit, String controlId) {
        return String.join(
                        "\r",
                        msh("A11", "ADT_A09", controlId, "2.4", null),
                        "EVN|A11|20261120091000",
                        pid(visit, "TESTPERSON"),
                        pv1(visit, null, null, null))
                + "\r";
    }

    static String cancelDischarge(Visit visit, String controlId) {
        return String.join(
                        "\r",
                        msh("A13", "ADT_A01", controlId, "2.5.1", null),
                        "EVN|A13|20261124160000",
                        pid(visit, "TESTPERSON"),
                        pv1(visit, null, null, null))
                + "\r";
    }

    static String merge(Visit surviving, String oldNhsNumber, String controlId) {
        return String.join(
                        "\r",
                        msh("A40", "ADT_A39", controlId, "2.5", null),
                        "EVN|A40|20261126080000",
                        "PID|1||" + surviving.nhsNumber() + "^^^NHS^NH||TESTPERSON^SAM^^^MX^^L||19500101|F",
                        "MRG|" + oldNhsNumber + "^^^NHS^NH")
                + "\r";
    }

    /** The code in MSA-1 of an ACK. */
    static String ackCode(String ack) {
        for (String segment : ack.split("\r")) {
            if (segment.startsWith("MSA|")) {
                return segment.split("\\|", -1)[1];
            }
        }
        throw new AssertionError("no MSA in ACK");
    }

    /** The ERR segment of an ACK, or null. */
    static String err(String ack) {
        for (String segment : ack.split("\r")) {
            if (segment.startsWith("ERR|")) {
                return segment;
            }
        }
        return null;
    }
}
