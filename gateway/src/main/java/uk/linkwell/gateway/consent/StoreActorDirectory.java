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
import uk.linkwell.profiles.LinkwellProfiles;

/**
 * {@link ActorDirectory} answered from the FHIR store: Organization ODS codes and CareTeam members, each read
 * once and forgotten when an Organization or CareTeam is written; open Section 42 enquiries from {@link
 * SafeguardingEnquiries}.
 */
public class StoreActorDirectory implements ActorDirectory {

    private final DaoRegistry daos;
    private final SafeguardingEnquiries enquiries;
    private final Map<String, Optional<String>> odsCodes = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> teams = new ConcurrentHashMap<>();

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
        } else if ("CareTeam".equals(resource.fhirType())) {
            teams.remove(ref);
        }
    }
}
