package uk.linkwell.gateway.consent;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import uk.linkwell.profiles.LinkwellProfiles;

/**
 * {@link ActorDirectory} answered from the FHIR store: Organization ODS codes, CareTeam members and each
 * Patient's registered practices, each read once and forgotten when an Organization, CareTeam or Patient is
 * written; open Section 42 enquiries from {@link SafeguardingEnquiries}.
 */
public class StoreActorDirectory implements ActorDirectory {

    private final DaoRegistry daos;
    private final SafeguardingEnquiries enquiries;
    private final Map<String, Optional<String>> odsCodes = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> teams = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> practices = new ConcurrentHashMap<>();

    public StoreActorDirectory(DaoRegistry daos, SafeguardingEnquiries enquiries) {
        this.daos = daos;
        this.enquiries = enquiries;
    }

    @Override
    public boolean safeguardingEnquiryOpen(String organisation, String patient) {
        return enquiries.openBy(organisation, patient);
    }

    @Override
    public Optional<String> odsCodeOf(String organisationReference) {
        Optional<String> known = odsCodes.get(organisationReference);
        if (known != null) {
            return known;
        }
        // Only what was found is kept: an id not (yet) in the store may be created under that id later.
        Optional<String> found = lookUp(organisationReference);
        if (found.isPresent()) {
            odsCodes.put(organisationReference, found);
        }
        return found;
    }

    private Optional<String> lookUp(String organisationReference) {
        return Optional.of(organisationReference).flatMap(ref -> {
            try {
                Organization org = (Organization)
                        daos.getResourceDao("Organization").read(new IdType(ref), new SystemRequestDetails());
                return org.getIdentifier().stream()
                        .filter(i -> LinkwellProfiles.ODS_CODE_SYSTEM.equals(i.getSystem()))
                        .map(Identifier::getValue)
                        .findFirst();
            } catch (BaseServerResponseException e) {
                return Optional.empty();
            }
        });
    }

    @Override
    public Set<String> registeredPractices(String patient) {
        if (patient == null) {
            return Set.of();
        }
        Set<String> known = practices.get(patient);
        if (known != null) {
            return known;
        }
        Set<String> codes = new LinkedHashSet<>();
        try {
            Patient person =
                    (Patient) daos.getResourceDao("Patient").read(new IdType(patient), new SystemRequestDetails());
            for (Reference gp : person.getGeneralPractitioner()) {
                if (gp.hasIdentifier()
                        && LinkwellProfiles.ODS_CODE_SYSTEM.equals(
                                gp.getIdentifier().getSystem())) {
                    codes.add(gp.getIdentifier().getValue());
                } else if ("Organization".equals(gp.getReferenceElement().getResourceType())) {
                    odsCodeOf("Organization/" + gp.getReferenceElement().getIdPart())
                            .ifPresent(codes::add);
                }
            }
        } catch (BaseServerResponseException e) {
            // Not (or no longer) in the store: registered nowhere, and not remembered (it may be created later).
            return Set.of();
        }
        Set<String> found = Set.copyOf(codes);
        practices.put(patient, found);
        return found;
    }

    @Override
    public Set<String> careTeamMembers(String careTeamReference) {
        return teams.computeIfAbsent(careTeamReference, ref -> {
            Set<String> members = new LinkedHashSet<>();
            try {
                CareTeam team =
                        (CareTeam) daos.getResourceDao("CareTeam").read(new IdType(ref), new SystemRequestDetails());
                for (CareTeam.CareTeamParticipantComponent p : team.getParticipant()) {
                    var member = p.getMember().getReferenceElement();
                    if ("Practitioner".equals(member.getResourceType())) {
                        members.add("Practitioner/" + member.getIdPart());
                    } else if ("Organization".equals(member.getResourceType())) {
                        odsCodeOf("Organization/" + member.getIdPart()).ifPresent(members::add);
                    }
                }
            } catch (BaseServerResponseException e) {
                // An unknown team has no members.
            }
            return Set.copyOf(members);
        });
    }

    /** A resource was written: what the directory remembers of it is forgotten. */
    void forget(IBaseResource resource) {
        String ref = resource.fhirType() + "/" + resource.getIdElement().getIdPart();
        if ("Organization".equals(resource.fhirType())) {
            odsCodes.remove(ref);
            teams.clear();
            // A practice's ODS code may have changed.
            practices.clear();
        } else if ("Patient".equals(resource.fhirType())) {
            practices.remove(ref);
        } else if ("CareTeam".equals(resource.fhirType())) {
            teams.remove(ref);
        }
    }
}
