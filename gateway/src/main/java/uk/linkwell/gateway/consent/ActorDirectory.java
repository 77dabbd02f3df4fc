package uk.linkwell.gateway.consent;

import java.util.Optional;
import java.util.Set;

/**
 * Resolves the references a Consent names as actors (an Organization's ODS code, a CareTeam's members), and
 * answers the facts about an actor and a patient that a legal basis may depend on (an open Section 42 enquiry, the
 * registered practice).
 * The gateway answers from the FHIR store (cached); tests answer from a map.
 */
public interface ActorDirectory {

    /** ODS code of {@code Organization/<id>}, if known. */
    Optional<String> odsCodeOf(String organisationReference);

    /**
     * Members of {@code CareTeam/<id>}: {@code Practitioner/<id>} references and ODS codes of member
     * organisations.
     */
    Set<String> careTeamMembers(String careTeamReference);

    /**
     * Whether the organisation (ODS code) has a Section 42 safeguarding enquiry open about the patient
     * ({@code Patient/<id>}). No, unless the directory knows of one.
     */
    default boolean safeguardingEnquiryOpen(String organisation, String patient) {
        return false;
    }

    /**
     * ODS codes of the patient's ({@code Patient/<id>}) registered GP practices (Patient.generalPractitioner
     * organisations). None, unless the directory knows the patient.
     */
    default Set<String> registeredPractices(String patient) {
        return Set.of();
    }
}
