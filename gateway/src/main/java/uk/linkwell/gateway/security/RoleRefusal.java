package uk.linkwell.gateway.security;

import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;

/**
 * A refusal by a rule that does not depend on any stored record (the requester's role or scopes, the form of the
 * request, what the request itself would write): answered 403 as it is. Every other refusal of one record is
 * answered as if the record did not exist ({@code consent.DecisionPoint}), so that it cannot tell a hidden record
 * from a missing one.
 */
public class RoleRefusal extends ForbiddenOperationException {

    private static final long serialVersionUID = 1L;

    public RoleRefusal(String message) {
        super(message);
    }

    /** With an OperationOutcome naming the element the rule refuses. */
    public RoleRefusal(String message, org.hl7.fhir.instance.model.api.IBaseOperationOutcome outcome) {
        super(message, outcome);
    }
}
