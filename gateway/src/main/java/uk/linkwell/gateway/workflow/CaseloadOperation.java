package uk.linkwell.gateway.workflow;

import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiPredicate;
import java.util.function.Predicate;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.PractitionerRole;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Task;
import uk.linkwell.gateway.security.CaseloadResolver;
import uk.linkwell.gateway.security.ClientRole;
import uk.linkwell.gateway.security.FhirRequesters;
import uk.linkwell.gateway.security.Requester;
import uk.linkwell.profiles.LinkwellProfiles;

/**
 * {@code PractitionerRole/{id}/$caseload}: a worker's caseload in figures (active cases by RAG complexity against
 * their cap, reviews due and overdue, allocations over the cap) and their team's referrals waiting for allocation.
 * Active cases are those the role's practitioner is care manager of.
 * Only figures and references leave, never a person's record, and for anyone but operators only of records the
 * caller could read directly. It is for the worker's own team (clients whose
 * organisation is the PractitionerRole's) and operators; to anyone else the worker is not known, as for any
 * hidden record. A PractitionerRole, not a Practitioner: the role says which team the worker works for.
 */
public class CaseloadOperation {

    private final Caseloads caseloads;
    private final CaseloadResolver teams;
    private final CaseloadProperties properties;
    private final boolean securityEnabled;
    private final Clock clock;
    /** The decision point's "would this client see this record?"; null when consent is off (then reach alone). */
    private final BiPredicate<RequestDetails, IBaseResource> visible;

    public CaseloadOperation(
            Caseloads caseloads,
            CaseloadResolver teams,
            CaseloadProperties properties,
            boolean securityEnabled,
            Clock clock,
            BiPredicate<RequestDetails, IBaseResource> visible) {
        this.visible = visible;
        this.caseloads = caseloads;
        this.teams = teams;
        this.properties = properties;
        this.securityEnabled = securityEnabled;
        this.clock = clock;
    }

    @Operation(name = "$caseload", type = PractitionerRole.class, idempotent = true)
    public Parameters caseload(@IdParam IdType id, RequestDetails request) {
        IdType roleId = new IdType("PractitionerRole", id.getIdPart());
        PractitionerRole role = caseloads.read(roleId, PractitionerRole.class).orElseThrow(() -> notKnown(roleId));
        String team = role.getOrganization()
                .getReferenceElement()
                .toUnqualifiedVersionless()
                .getValue();
        if (!mayAsk(request, team)) {
            throw notKnown(roleId);
        }
        String worker = roleId.toUnqualifiedVersionless().getValue();
        String practitioner = Caseloads.practitionerOf(role).orElse(null);
        // Review and allocation Tasks may name the role or the person; both are this worker's.
        List<String> owners = practitioner == null ? List.of(worker) : List.of(worker, practitioner);
        Instant now = clock.instant();

        Parameters answer = new Parameters();
        answer.addParameter().setName("practitionerRole").setValue(new Reference(worker));
        if (practitioner != null) {
            answer.addParameter().setName("practitioner").setValue(new Reference(practitioner));
        }
        if (team != null) {
            answer.addParameter().setName("team").setValue(new Reference(team));
        }
        // Operators see the whole caseload; anyone else counts only the records they could read directly (the
        // decision point's say), so a worker's cases of another organisation are not counted for this team.
        boolean operator = FhirRequesters.of(request)
                .map(r -> r.role() == ClientRole.ADMIN)
                .orElse(!securityEnabled);
        Predicate<IBaseResource> counted =
                operator ? r -> true : visible == null ? r -> false : r -> visible.test(request, r);
        List<EpisodeOfCare> active = practitioner == null
                ? List.of()
                : caseloads.activeCases(practitioner).stream().filter(counted).toList();
        int cap = caseloads.capOf(worker, practitioner, role);
        answer.addParameter().setName("cap").setValue(new IntegerType(cap));
        answer.addParameter().setName("activeCases").setValue(new IntegerType(active.size()));
        answer.addParameter().setName("overCap").setValue(new BooleanType(active.size() > cap));
        byComplexity(
                answer.addParameter().setName("activeCasesByComplexity"),
                active.stream().map(Caseloads::complexityOf).toList());
        Date today = Date.from(now);
        Date horizon = Date.from(now.plus(properties.reviewsDueWithin()));
        answer.addParameter()
                .setName("reviewsDue")
                .setValue(new IntegerType(
                        operator
                                ? caseloads.countOpenTasks(Caseloads.REVIEW, owners, today, horizon)
                                : (int) caseloads.openTasks(Caseloads.REVIEW, owners, today, horizon).stream()
                                        .filter(counted)
                                        .count()));
        answer.addParameter()
                .setName("reviewsOverdue")
                .setValue(new IntegerType(
                        operator
                                ? caseloads.countOpenTasks(Caseloads.REVIEW, owners, null, today)
                                : (int) caseloads.openTasks(Caseloads.REVIEW, owners, null, today).stream()
                                        .filter(counted)
                                        .count()));
        List<Task> overCap = caseloads.allocationsTo(owners).stream()
                .filter(t -> t.getExtensionsByUrl(LinkwellProfiles.ALLOCATION_OVER_CAP_REASON_EXTENSION).stream()
                        .anyMatch(e -> e.hasValue()))
                .filter(counted)
                .toList();
        answer.addParameter().setName("allocationsOverCap").setValue(new IntegerType(overCap.size()));
        overCap.forEach(t -> answer.addParameter()
                .setName("allocationOverCap")
                .setValue(new Reference(t.getIdElement().toUnqualifiedVersionless())));
        List<Task> waiting = team == null
                ? List.of()
                : caseloads.openTasks(Caseloads.ALLOCATION, List.of(team), null, null).stream()
                        .filter(counted)
                        .toList();
        answer.addParameter().setName("awaitingAllocation").setValue(new IntegerType(waiting.size()));
        byComplexity(
                answer.addParameter().setName("awaitingAllocationByComplexity"),
                waiting.stream().map(Caseloads::complexityOf).toList());
        return answer;
    }

    /** Operators, and clients of the worker's own team (their organisation is the PractitionerRole's). */
    private boolean mayAsk(RequestDetails request, String team) {
        Optional<Requester> requester = FhirRequesters.of(request);
        if (requester.isEmpty()) {
            return !securityEnabled;
        }
        Requester who = requester.get();
        if (who.role() == ClientRole.ADMIN) {
            return true;
        }
        boolean teamRole = who.role() == ClientRole.SOCIAL_CARE_SYSTEM
                || who.role() == ClientRole.LINK_WORKER_APP
                || who.role() == ClientRole.GP_SYSTEM;
        return teamRole
                && team != null
                && who.organisation() != null
                && teams.organisationIds(who.organisation()).contains(team);
    }

    private static void byComplexity(ParametersParameterComponent parameter, List<String> codes) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        Caseloads.COMPLEXITIES.forEach(c -> counts.put(c, 0));
        counts.put(Caseloads.UNRATED, 0);
        codes.forEach(c -> counts.merge(c, 1, Integer::sum));
        counts.forEach((code, n) -> parameter.addPart().setName(code).setValue(new IntegerType(n)));
    }

    /** As the decision point answers for a hidden record: the same words as for a missing one. */
    private static ResourceNotFoundException notKnown(IdType id) {
        return new ResourceNotFoundException("Resource " + id.getResourceType() + " with this id is not known");
    }
}
