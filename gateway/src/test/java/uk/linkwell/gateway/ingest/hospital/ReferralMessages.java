package uk.linkwell.gateway.ingest.hospital;

import java.util.UUID;

/** Synthetic GP referrals (REF^I12 v2.5.1) for the gateway tests: 999-range NHS numbers, invented names. */
final class ReferralMessages {

    /** The referring practice, allowed to send from this machine in the test configuration. */
    static final String PRACTICE = "Y88001";
    /** The receiving social prescribing service (a social-prescribing-only service in application.yaml). */
    static final String SERVICE = "X26SPL";

    static final String REFERRAL_SYSTEM = "https://fhir.linkwell.example/Id/gp-referral/" + PRACTICE;
    static final String TASK_SYSTEM = "https://fhir.linkwell.example/Id/gp-referral-task/" + PRACTICE;

    private ReferralMessages() {}

    static String referralId() {
        return "GPR-" + UUID.randomUUID().toString().substring(0, 13).toUpperCase();
    }

    static String msh(String controlId) {
        return "MSH|^~\\&|EMISWEB|" + PRACTICE + "|LINKWELL|" + SERVICE + "|20261125143000||REF^I12^REF_I12|"
                + controlId + "|P|2.5.1|||AL|NE||UNICODE UTF-8";
    }

    static String rf1(String referralId, String priority) {
        return "RF1|P^Pending^HL70283|" + priority + "^^HL70280|SP^Social prescribing|||" + referralId
                + "|20261125140000||20261125|^Lonely and isolated~^Money worries|";
    }

    static String referrer() {
        return "PRD|RP^Referring Provider^HL70286|PATEL^ANITA^^^DR|1 Market Street^^Bradwell^^BW1 2AB|"
                + "^^^Test Referral Surgery|^WPN^PH^^^^^^^^^01632 960001||" + PRACTICE + "^ODS|";
    }

    static String receiver() {
        return "PRD|RT^Referred to Provider^HL70286||2 Civic Way^^Bradwell^^BW1 3CD|"
                + "^^^Bradwell Social Prescribing Service|||" + SERVICE + "^ODS|";
    }

    static String pid(String nhsNumber) {
        return "PID|1||" + nhsNumber + "^^^NHS^NH||TESTREFERRAL^ALEX^^^MX^^L||19600101|F|||"
                + "12 Orchard Lane^^Bradwell^^BW2 4EF^GBR^H||01632 960123^PRN^PH|";
    }

    /** A routine (R) or urgent (S) social prescribing referral. */
    static String referral(String nhsNumber, String referralId, String controlId, String priority) {
        return String.join(
                        "\r",
                        msh(controlId),
                        rf1(referralId, priority),
                        referrer(),
                        receiver(),
                        pid(nhsNumber),
                        "DG1|1||105529008^Lives alone^SCT||20261125|W|",
                        "NTE|1||Would like to meet people locally.|")
                + "\r";
    }
}
