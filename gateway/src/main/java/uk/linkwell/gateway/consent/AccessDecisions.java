package uk.linkwell.gateway.consent;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.IdType;
import uk.linkwell.gateway.consent.ConsentDecision.Outcome;
import uk.linkwell.gateway.security.Reach;
import uk.linkwell.gateway.security.Requester;

/**
 * The one access decision: may this requester, for this purpose, see this resource as it is now? Two halves, asked
 * together by every door that lets something leave: whether the requester reaches the record at all ({@link Reach}:
 * role, scopes, caseload) and what the person's consent or a legal basis allows ({@link ConsentPolicy}). An older
 * version is judged together with the record's current state, the most restrictive of the two deciding.
 */
public final class AccessDecisions {

    /** What one resource's consent decision rests on, and the decision. */
    public record Decided(ResourceFacts facts, ConsentDecision decision) {}

    private final Reach reach;
    private final ConsentPolicy policy;
    private final ResourceFactsReader facts;
    private final PatientConsents consents;
    private final ActorDirectory directory;
    private final DaoRegistry daos;

    public AccessDecisions(
            Reach reach,
            ConsentPolicy policy,
            ResourceFactsReader facts,
            PatientConsents consents,
            ActorDirectory directory,
            DaoRegistry daos) {
        this.reach = reach;
        this.policy = policy;
        this.facts = facts;
        this.consents = consents;
        this.directory = directory;
        this.daos = daos;
    }

    public ConsentPolicy policy() {
        return policy;
    }

    /** Whether the requester reaches the resource (role, scopes, caseload), consent aside. */
    public boolean reaches(Requester requester, IBaseResource resource) {
        return policy.isExempt(requester.role().code()) || reach.readable(requester, resource);
    }

    /** The consent decision for the resource as given (no version check). */
    public Decided consent(AccessRequest who, IBaseResource resource) {
        ResourceFacts what = facts.read(resource, directory);
        return new Decided(what, policy.decide(who, what, consents.of(what.patient()), directory));
    }

    /**
     * The consent decision for a version of a record, judged with the record as it is now: denied if either is,
     * with every redaction either needs. A record deleted since is decided as the version shown.
     */
    public Decided consentOfVersion(AccessRequest who, IBaseResource version) {
        Decided shown = consent(who, version);
        IBaseResource current = currentOf(version);
        if (current == null || sameVersion(current, version)) {
            return shown;
        }
        Decided now = consent(who, current);
        return new Decided(shown.facts(), mostRestrictive(shown.decision(), now.decision()));
    }

    /**
     * Whether the requester may see the resource, taken to be the record's current version: reached, and permitted
     * (perhaps redacted) by consent. For an older version use {@link #consentOfVersion}.
     */
    public boolean visible(Requester requester, AccessRequest who, IBaseResource current) {
        return reaches(requester, current) && consent(who, current).decision().permitted();
    }

    /** The record's current version, or null when it does not exist or is deleted. */
    public IBaseResource current(IIdType id) {
        if (id == null || !id.hasIdPart() || !id.hasResourceType()) {
            return null;
        }
        try {
            return daos.getResourceDao(id.getResourceType())
                    .read(new IdType(id.getResourceType(), id.getIdPart()), new SystemRequestDetails());
        } catch (ResourceNotFoundException | ResourceGoneException | IllegalArgumentException e) {
            return null;
        } catch (ca.uhn.fhir.rest.server.exceptions.InvalidRequestException e) {
            return null; // an id HAPI cannot even parse for the type
        }
    }

    private IBaseResource currentOf(IBaseResource version) {
        IIdType id = version.getIdElement();
        if (!id.hasVersionIdPart() || !id.hasIdPart()) {
            return null;
        }
        return current(id.hasResourceType() ? id : id.withResourceType(version.fhirType()));
    }

    private static boolean sameVersion(IBaseResource current, IBaseResource version) {
        return version.getIdElement()
                .getVersionIdPart()
                .equals(current.getIdElement().getVersionIdPart());
    }

    static ConsentDecision mostRestrictive(ConsentDecision a, ConsentDecision b) {
        if (!a.permitted()) {
            return a;
        }
        if (!b.permitted()) {
            return b;
        }
        Set<String> redactions = new LinkedHashSet<>(a.redactions());
        redactions.addAll(b.redactions());
        Outcome outcome = redactions.isEmpty() ? Outcome.PERMIT : Outcome.PERMIT_REDACTED;
        return new ConsentDecision(outcome, a.basis(), List.copyOf(redactions), a.breakGlass() || b.breakGlass());
    }
}
