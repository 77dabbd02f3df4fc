package uk.linkwell.gateway.security;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.MatchUrlService;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Reference;

/**
 * Resolves conditional references to a patient ({@code Patient?identifier=<NHS number>}) in REST writes before the
 * caseload rules look at them, as HAPI would when storing: a GP system refers a person by NHS number, and the
 * authorization check runs before HAPI's own resolution, when the reference names nobody yet. A reference that
 * matches no patient, or several, is left for HAPI to refuse.
 */
@Interceptor
public class ConditionalPatientReferences {

    /** Before the authorization rules (order 0) and the referral workflow. */
    static final int ORDER = -200;

    private final FhirContext fhirContext;
    private final DaoRegistry daos;
    private final MatchUrlService matchUrls;

    public ConditionalPatientReferences(FhirContext fhirContext, DaoRegistry daos, MatchUrlService matchUrls) {
        this.fhirContext = fhirContext;
        this.daos = daos;
        this.matchUrls = matchUrls;
    }

    @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED, order = ORDER)
    public void created(IBaseResource resource, RequestDetails request) {
        resolve(resource, request);
    }

    @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED, order = ORDER)
    public void updated(IBaseResource previous, IBaseResource resource, RequestDetails request) {
        resolve(resource, request);
    }

    private void resolve(IBaseResource resource, RequestDetails request) {
        if (!(request instanceof ServletRequestDetails)) {
            return;
        }
        for (Reference reference : fhirContext.newTerser().getAllPopulatedChildElementsOfType(resource, Reference.class)) {
            String value = reference.getReference();
            if (value == null || !value.startsWith("Patient?")) {
                continue;
            }
            SearchParameterMap map = matchUrls.translateMatchUrl(value, fhirContext.getResourceDefinition("Patient"));
            map.setLoadSynchronousUpTo(2);
            List<? extends IIdType> found = daos.getResourceDao("Patient").searchForResourceIds(map,
                    new SystemRequestDetails());
            if (found.size() == 1) {
                reference.setReference("Patient/" + found.get(0).getIdPart());
            }
        }
    }
}
