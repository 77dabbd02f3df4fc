package uk.linkwell.gateway.testsupport;

import ca.uhn.fhir.rest.client.api.IClientInterceptor;
import ca.uhn.fhir.rest.client.api.IHttpRequest;
import ca.uhn.fhir.rest.client.api.IHttpResponse;
import java.util.function.Supplier;

/**
 * A HAPI client interceptor that asks for the bearer token on every request, so a client kept for a long test
 * keeps working after the token it started with expires (the gateway's tokens live 5 minutes).
 */
public final class FreshBearerToken implements IClientInterceptor {

    private final Supplier<String> token;

    public FreshBearerToken(Supplier<String> token) {
        this.token = token;
    }

    @Override
    public void interceptRequest(IHttpRequest request) {
        request.addHeader("Authorization", "Bearer " + token.get());
    }

    @Override
    public void interceptResponse(IHttpResponse response) {}
}
