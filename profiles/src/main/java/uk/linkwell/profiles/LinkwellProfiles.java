package uk.linkwell.profiles;

import java.util.Map;
import java.util.Optional;

/** Canonical URLs of the Linkwell profiles and the default profile for each resource type. */
public final class LinkwellProfiles {

    private static final String SD = LinkwellPackage.CANONICAL_BASE + "/StructureDefinition/";

    public static final String PATIENT = SD + "LinkwellPatient";
    public static final String CARE_PLAN = SD + "LinkwellCarePlan";
    public static final String GOAL = SD + "LinkwellGoal";
    public static final String SERVICE_REQUEST = SD + "LinkwellServiceRequest";
    public static final String TASK = SD + "LinkwellTask";
    public static final String CONSENT = SD + "LinkwellConsent";
    public static final String ENCOUNTER = SD + "LinkwellEncounter";
    public static final String EPISODE_OF_CARE = SD + "LinkwellEpisodeOfCare";
    public static final String FLAG = SD + "LinkwellFlag";
    public static final String COMMUNICATION = SD + "LinkwellCommunication";
    /** Where and how an outbound exchange is sent (a channel Linkwell speaks, an address in its form). */
    public static final String ENDPOINT = SD + "LinkwellEndpoint";
    /** A person's answers to the ONS4 wellbeing questions; claimed by the gateway for responses to them. */
    public static final String WELLBEING_RESPONSE = SD + "LinkwellWellbeingResponse";

    /** The ONS personal wellbeing questions; each item's linkId is its code in {@link #WELLBEING_MEASURE_SYSTEM}. */
    public static final String WELLBEING_QUESTIONNAIRE =
            LinkwellPackage.CANONICAL_BASE + "/Questionnaire/ons4-wellbeing";

    public static final String WELLBEING_MEASURE_SYSTEM =
            LinkwellPackage.CANONICAL_BASE + "/CodeSystem/wellbeing-measure";

    /** Task.code of the care process's own Tasks (allocation, review); referral Tasks carry none of these. */
    public static final String CARE_TASK_SYSTEM = LinkwellPackage.CANONICAL_BASE + "/CodeSystem/care-task";

    /** Task.reasonCode of a review Task: why it is due (scheduled, or the kind of event that triggered it). */
    public static final String REVIEW_TRIGGER_SYSTEM = LinkwellPackage.CANONICAL_BASE + "/CodeSystem/review-trigger";

    public static final String COMPLEXITY_RATING_EXTENSION = SD + "complexity-rating";
    /** red, amber, green: the codes of {@link #COMPLEXITY_RATING_EXTENSION}'s value. */
    public static final String COMPLEXITY_RATING_SYSTEM =
            LinkwellPackage.CANONICAL_BASE + "/CodeSystem/complexity-rating";
    /** On an allocation Task: why it goes through although it takes the worker over their caseload cap. */
    public static final String ALLOCATION_OVER_CAP_REASON_EXTENSION = SD + "allocation-over-cap-reason";
    /** On a PractitionerRole: that worker's own caseload cap, instead of the service's default. */
    public static final String CASELOAD_CAP_EXTENSION = SD + "caseload-cap";

    public static final String REFERRAL_CONSENT_EXTENSION = SD + "referral-consent";
    public static final String RECOMMENDED_ALTERNATIVE_EXTENSION = SD + "recommended-alternative";
    public static final String CONSENT_METHOD_EXTENSION = SD + "consent-method";
    public static final String CONSENT_RECORDED_BY_EXTENSION = SD + "consent-recorded-by";
    public static final String BEST_INTEREST_DECISION_EXTENSION = SD + "best-interest-decision";
    public static final String NHS_NUMBER_VERIFICATION_STATUS_EXTENSION =
            "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus";

    public static final String NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number";
    public static final String ODS_CODE_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code";

    /** Resource type name to the profile a resource of that type is held to when it claims none. */
    public static final Map<String, String> DEFAULT_PROFILES = Map.ofEntries(
            Map.entry("Patient", PATIENT),
            Map.entry("CarePlan", CARE_PLAN),
            Map.entry("Goal", GOAL),
            Map.entry("ServiceRequest", SERVICE_REQUEST),
            Map.entry("Task", TASK),
            Map.entry("Consent", CONSENT),
            Map.entry("Encounter", ENCOUNTER),
            Map.entry("EpisodeOfCare", EPISODE_OF_CARE),
            Map.entry("Flag", FLAG),
            Map.entry("Communication", COMMUNICATION),
            Map.entry("Endpoint", ENDPOINT));

    private LinkwellProfiles() {}

    /** The default Linkwell profile for a resource type, empty if Linkwell does not profile it. */
    public static Optional<String> defaultProfileFor(String resourceType) {
        return Optional.ofNullable(DEFAULT_PROFILES.get(resourceType));
    }
}
