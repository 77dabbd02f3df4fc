package uk.linkwell.gateway.security;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.MatchUrlService;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Reference;

/**
 * Resolves conditional references to a patient ({@code Patient?identifier=<NHS number>}) in REST writes before the
 * caseload rules look at them, as HAPI would when storing: a GP system refers a person by NHS number, and the
 * authorization check runs before HAPI's own resolution, when the reference names nobody yet. Registered on the
 * RestfulServer with the other access-control interceptors, so only REST requests are touched. A reference that
 * matches no patient, or several, is left for HAPI to refuse.
 */
@Interceptor
public class ConditionalPatientReferences {

    /** Before the authorization rules (order 0), after the scope check (-100). */
    static final int ORDER = -50;

    private final FhirContext fhirContext;
    private final DaoRegistry daos;
    private final MatchUrlService matchUrls;

    public ConditionalPatientReferences(FhirContext fhirContext, DaoRegistry daos, MatchUrlService matchUrls) {
        this.fhirContext = fhirContext;
        this.daos = daos;
        this.matchUrls = matchUrls;
    }

    /** HAPI's rules check a transaction's entries as it arrives, so the references are resolved then. */
    @Hook(value = Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED, order = ORDER)
    public void incoming(RequestDetails request, RestOperationTypeEnum operation) {
        IBaseResource body = request.getResource();
        if (body == null) {
            return;
        }
        if (operation == RestOperationTypeEnum.TRANSACTION && body instanceof Bundle bundle) {
            bundle.getEntry().stream()
                    .filter(Bundle.BundleEntryComponent::hasResource)
                    .forEach(entry -> resolve(entry.getResource(), request));
        } else if (operation == RestOperationTypeEnum.CREATE || operation == RestOperationTypeEnum.UPDATE) {
            resolve(body, request);
        }
    }

    private void resolve(IBaseResource resource, RequestDetails request) {
        if (!(request instanceof ServletRequestDetails)) {
            return;
        }
        for (Reference reference :
                fhirContext.newTerser().getAllPopulatedChildElementsOfType(resource, Reference.class)) {
            String value = reference.getReference();
            if (value == null || !value.startsWith("Patient?")) {
                continue;
            }
            SearchParameterMap map = matchUrls.translateMatchUrl(value, fhirContext.getResourceDefinition("Patient"));
            map.setLoadSynchronousUpTo(2);
            List<? extends IIdType> found =
                    daos.getResourceDao("Patient").searchForResourceIds(map, new SystemRequestDetails());
            if (found.size() == 1) {
                reference.setReference("Patient/" + found.get(0).getIdPart());
            }
        }
    }
}
