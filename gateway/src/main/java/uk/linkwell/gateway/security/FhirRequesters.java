package uk.linkwell.gateway.security;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.Optional;

/** The {@link Requester} of a FHIR request, resolved once per request and kept with it. */
public final class FhirRequesters {

    static final String KEY = FhirRequesters.class.getName();

    private FhirRequesters() {}

    /** Empty only when the request carried no Linkwell token (which the filter chain has already refused). */
    public static Optional<Requester> of(RequestDetails request) {
        Object known = request.getUserData().get(KEY);
        if (known instanceof Requester requester) {
            return Optional.of(requester);
        }
        Optional<Requester> requester = Requester.current();
        requester.ifPresent(r -> request.getUserData().put(KEY, r));
        return requester;
    }
}
