package uk.linkwell.gateway.consent;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseCoding;
import org.hl7.fhir.instance.model.api.IBaseResource;
import uk.linkwell.gateway.security.FhirRequesters;
import uk.linkwell.gateway.security.Requester;

/**
 * Records which organisation wrote a resource, as a {@code meta.tag} with the writer's ODS code, so the consent
 * engine's default rule ("only the author organisation sees its own records") needs no lookup at read time.
 * Writes with a token are stamped with the token's organisation (whatever tag the writer sent); the first
 * author stays on updates by others. Operators (exempt roles) and the gateway's own routes, which write on behalf
 * of a sender, may state the author themselves by sending the tag.
 */
@Interceptor
public class AuthorOrganisationStamp {

    public static final String TAG_SYSTEM = "https://fhir.linkwell.example/CodeSystem/author-organisation";
    /**
     * The role of the client that wrote it: the author-organisation rule opens a record to that role of the
     * organisation only (link workers employed by a practice share its ODS code, not its GP system's access).
     */
    public static final String ROLE_TAG_SYSTEM = "https://fhir.linkwell.example/CodeSystem/author-role";

    private final Set<String> exemptRoles;

    public AuthorOrganisationStamp(Set<String> exemptRoles) {
        this.exemptRoles = exemptRoles;
    }

    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
    public void created(IBaseResource resource, RequestDetails request) {
        stamp(null, resource, request);
    }

    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
    public void updated(IBaseResource previous, IBaseResource resource, RequestDetails request) {
        stamp(previous, resource, request);
    }

    private void stamp(IBaseResource previous, IBaseResource resource, RequestDetails request) {
        Optional<Requester> writer = request == null ? Optional.empty() : FhirRequesters.of(request);
        boolean mayState =
                writer.isEmpty() || exemptRoles.contains(writer.get().role().code());
        String stated = authorOf(resource);
        String before = previous == null ? null : authorOf(previous);
        String author;
        if (mayState && stated != null) {
            author = stated;
        } else if (before != null) {
            author = before;
        } else {
            author = writer.map(Requester::organisation).orElse(null);
        }
        resource.getMeta().getTag().removeIf(t -> TAG_SYSTEM.equals(t.getSystem()));
        if (author != null && !author.isBlank()) {
            resource.getMeta().addTag().setSystem(TAG_SYSTEM).setCode(author).setDisplay("Author organisation");
        }
        String statedRole = roleOf(resource);
        String roleBefore = previous == null ? null : roleOf(previous);
        String role;
        if (mayState && statedRole != null) {
            role = statedRole;
        } else if (before != null) {
            // The first author's role stays with the first author's organisation.
            role = roleBefore;
        } else {
            role = mayState ? null : writer.map(w -> w.role().code()).orElse(null);
        }
        resource.getMeta().getTag().removeIf(t -> ROLE_TAG_SYSTEM.equals(t.getSystem()));
        if (role != null && !role.isBlank()) {
            resource.getMeta().addTag().setSystem(ROLE_TAG_SYSTEM).setCode(role).setDisplay("Author role");
        }
    }

    static String roleOf(IBaseResource resource) {
        for (IBaseCoding tag : resource.getMeta().getTag()) {
            if (ROLE_TAG_SYSTEM.equals(tag.getSystem())) {
                return tag.getCode();
            }
        }
        return null;
    }

    static String authorOf(IBaseResource resource) {
        for (IBaseCoding tag : resource.getMeta().getTag()) {
            if (TAG_SYSTEM.equals(tag.getSystem())) {
                return tag.getCode();
            }
        }
        return null;
    }
}
