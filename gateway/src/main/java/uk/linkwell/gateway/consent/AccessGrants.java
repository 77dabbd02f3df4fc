package uk.linkwell.gateway.consent;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import uk.linkwell.gateway.security.FhirRequesters;
import uk.linkwell.gateway.security.Requester;
import uk.linkwell.gateway.security.RoleRefusal;

/**
 * Relationships that grant access are written only through the doors that are authoritative for them. A client
 * (any role but an operator's) may not grant itself or another organisation access through a FHIR write: a
 * Patient's registered GP comes from the hospital feed or an operator; an EpisodeOfCare names as its managing
 * organisation only the organisation writing it; a Consent is widened only by the organisation that recorded it,
 * while any organisation caring for the person may record a withdrawal or add an exception (a nested deny), as
 * people tell whoever is in front of them; a CareTeam's members and an EpisodeOfCare's care manager are not the
 * writer's to set (allocation sets them); and the directory and conformance resources (who is who, how searches
 * read) are maintained by operators. Writes by the gateway itself (no client, or {@code SystemRequestDetails}
 * inside a client's request, as allocation writes) are not affected.
 */
@Interceptor
public class AccessGrants {

    /**
     * Types that say who is who and how the server reads its records: a practice's ODS code on an Organization
     * decides whose patients it sees, a PractitionerRole whose caseload an app serves, a SearchParameter how
     * searches are narrowed. Maintained by operators (and the gateway's own routes) only.
     */
    static final Set<String> MAINTAINED_BY_OPERATORS = Set.of(
            "Organization",
            "OrganizationAffiliation",
            "Practitioner",
            "PractitionerRole",
            "Location",
            "HealthcareService",
            "Endpoint",
            "SearchParameter",
            "StructureDefinition",
            "ValueSet",
            "CodeSystem",
            "ConceptMap",
            "NamingSystem",
            "OperationDefinition",
            "CapabilityStatement",
            "ImplementationGuide",
            "Questionnaire",
            "Measure",
            "Library");

    private static final Set<Consent.ConsentState> WITHDRAWN =
            Set.of(Consent.ConsentState.INACTIVE, Consent.ConsentState.REJECTED, Consent.ConsentState.ENTEREDINERROR);

    private final Set<String> exemptRoles;
    private final ActorDirectory directory;
    private final FhirContext fhirContext;

    public AccessGrants(Set<String> exemptRoles, ActorDirectory directory, FhirContext fhirContext) {
        this.exemptRoles = exemptRoles;
        this.directory = directory;
        this.fhirContext = fhirContext;
    }

    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
    public void created(IBaseResource resource, RequestDetails request) {
        check(null, resource, request);
    }

    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
    public void updated(IBaseResource previous, IBaseResource resource, RequestDetails request) {
        check(previous, resource, request);
    }

    private void check(IBaseResource previous, IBaseResource resource, RequestDetails request) {
        if (request instanceof SystemRequestDetails) {
            // The gateway's own write (an allocation's CareTeam, a decision's case), even inside a client's request.
            return;
        }
        Optional<Requester> writer = request == null ? Optional.empty() : FhirRequesters.of(request);
        if (writer.isEmpty() || exemptRoles.contains(writer.get().role().code())) {
            return;
        }
        if (MAINTAINED_BY_OPERATORS.contains(resource.fhirType())) {
            throw new RoleRefusal(resource.fhirType() + " records are maintained by the gateway's operators: they "
                    + "decide who reaches whose records");
        }
        if (resource instanceof CareTeam team) {
            members((CareTeam) previous, team);
        } else if (resource instanceof Patient patient) {
            registration((Patient) previous, patient);
        } else if (resource instanceof EpisodeOfCare episode) {
            managedBy(writer.get(), (EpisodeOfCare) previous, episode);
            careManager((EpisodeOfCare) previous, episode);
        } else if (resource instanceof Consent consent && previous instanceof Consent before) {
            narrowingOnly(writer.get(), before, consent);
        }
    }

    private static void registration(Patient previous, Patient patient) {
        List<String> before = previous == null ? List.of() : references(previous.getGeneralPractitioner());
        if (!before.equals(references(patient.getGeneralPractitioner()))) {
            throw new RoleRefusal("Patient.generalPractitioner (the GP registration, which opens the person's "
                    + "record to the practice) is set by the hospital feed or an operator, not through this write");
        }
    }

    /** A CareTeam's members reach its patient (a link worker's caseload): who is in it is not the writer's to set. */
    private static void members(CareTeam previous, CareTeam team) {
        List<String> before = previous == null
                ? List.of()
                : references(previous.getParticipant().stream()
                        .map(CareTeam.CareTeamParticipantComponent::getMember)
                        .toList());
        List<String> after = references(team.getParticipant().stream()
                .map(CareTeam.CareTeamParticipantComponent::getMember)
                .toList());
        if (!before.equals(after)) {
            throw new RoleRefusal("CareTeam.participant (which puts the person on each member's caseload) is set by "
                    + "allocation or an operator, not through this write");
        }
    }

    /** The care manager reaches the case (a link worker's caseload) and counts against their cap. */
    private static void careManager(EpisodeOfCare previous, EpisodeOfCare episode) {
        List<String> before = previous == null || !previous.hasCareManager()
                ? List.of()
                : references(List.of(previous.getCareManager()));
        List<String> after = episode.hasCareManager() ? references(List.of(episode.getCareManager())) : List.of();
        if (!before.equals(after)) {
            throw new RoleRefusal("EpisodeOfCare.careManager (which puts the person on the worker's caseload, within "
                    + "their cap) is set by allocation (complete the case's allocation Task) or an operator, not "
                    + "through this write");
        }
    }

    private void managedBy(Requester writer, EpisodeOfCare previous, EpisodeOfCare episode) {
        String before =
                previous == null ? null : previous.getManagingOrganization().getReference();
        String after = episode.getManagingOrganization().getReference();
        if (Objects.equals(before, after) || after == null) {
            return;
        }
        Optional<String> ods = directory.odsCodeOf(new org.hl7.fhir.r4.model.IdType(after)
                .toUnqualifiedVersionless()
                .getValue());
        if (ods.isEmpty() || !ods.get().equals(writer.organisation())) {
            throw new RoleRefusal("EpisodeOfCare.managingOrganization (which opens the person's record to that "
                    + "organisation) may name only the organisation writing it");
        }
    }

    private void narrowingOnly(Requester writer, Consent before, Consent after) {
        String recorder = AuthorOrganisationStamp.authorOf(before);
        if (recorder == null || recorder.equals(writer.organisation())) {
            return;
        }
        if (WITHDRAWN.contains(after.getStatus()) && sameApartFrom(before, after, true, false)) {
            return;
        }
        if (before.getStatus() == after.getStatus() && sameApartFrom(before, after, false, true)) {
            return;
        }
        throw new RoleRefusal("This Consent was recorded by another organisation, which alone may widen it; you may "
                + "record a withdrawal (status inactive) or add an exception (a nested deny provision)");
    }

    /**
     * Whether the two Consents say the same, ignoring their bookkeeping, the status (a withdrawal) and, where
     * asked, nested deny provisions added to the new one (exceptions narrow what is shared).
     */
    private boolean sameApartFrom(Consent before, Consent after, boolean status, boolean addedDenies) {
        Consent a = bare(before);
        Consent b = bare(after);
        if (status) {
            a.setStatus(null);
            b.setStatus(null);
        }
        if (addedDenies && b.hasProvision()) {
            List<Consent.ProvisionComponent> kept = new java.util.ArrayList<>();
            for (Consent.ProvisionComponent nested : b.getProvision().getProvision()) {
                boolean added = nested.getType() == Consent.ConsentProvisionType.DENY
                        && a.getProvision().getProvision().stream().noneMatch(n -> n.equalsDeep(nested));
                if (!added) {
                    kept.add(nested);
                }
            }
            b.getProvision().setProvision(kept);
        }
        var parser = fhirContext.newJsonParser();
        return parser.encodeResourceToString(a).equals(parser.encodeResourceToString(b));
    }

    private static Consent bare(Consent consent) {
        Consent copy = consent.copy();
        copy.setIdElement(null);
        copy.setMeta(null);
        copy.setText(null);
        return copy;
    }

    private static List<String> references(List<Reference> references) {
        return references.stream()
                .map(r -> r.hasReference()
                        ? new org.hl7.fhir.r4.model.IdType(r.getReference())
                                .toUnqualifiedVersionless()
                                .getValue()
                        : r.getIdentifier().getSystem() + "|"
                                + r.getIdentifier().getValue())
                .sorted()
                .toList();
    }
}
