package uk.linkwell.gateway.security;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import org.hl7.fhir.instance.model.api.IBaseConformance;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.UriType;

/** Adds {@code rest.security} to the CapabilityStatement: SMART-on-FHIR, with its endpoints (oauth-uris). */
@Interceptor
public class SmartCapabilityStatement {

    static final String OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris";

    private final SecurityProperties properties;

    public SmartCapabilityStatement(SecurityProperties properties) {
        this.properties = properties;
    }

    @Hook(Pointcut.SERVER_CAPABILITY_STATEMENT_GENERATED)
    public void addSecurity(IBaseConformance generated, RequestDetails request) {
        CapabilityStatement cs = (CapabilityStatement) generated;
        CapabilityStatement.CapabilityStatementRestSecurityComponent security =
                cs.getRestFirstRep().getSecurity();
        security.setCors(false);
        security.getService().clear();
        security.addService(new CodeableConcept(new Coding(
                "http://terminology.hl7.org/CodeSystem/restful-security-service", "SMART-on-FHIR", "SMART-on-FHIR")));
        security.setDescription("OAuth2 bearer tokens with SMART v2 scopes: client credentials for systems "
                + "(system/CarePlan.rs), SMART App Launch for people signing in to apps (user/CarePlan.rs); see "
                + "/.well-known/smart-configuration");
        security.getExtension().removeIf(e -> OAUTH_URIS.equals(e.getUrl()));
        Extension oauth = security.addExtension().setUrl(OAUTH_URIS);
        String base = request == null ? "" : SmartEndpoints.gatewayBase(request.getFhirServerBase());
        SmartEndpoints.tokenEndpoint(properties, base)
                .ifPresent(token -> oauth.addExtension("token", new UriType(token)));
        SmartEndpoints.authorizationEndpoint(properties, base)
                .ifPresent(authorize -> oauth.addExtension("authorize", new UriType(authorize)));
    }
}
