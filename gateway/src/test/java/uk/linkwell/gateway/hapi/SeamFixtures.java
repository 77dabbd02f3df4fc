package uk.linkwell.gateway.hapi;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.util.UUID;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Resource;
import uk.linkwell.gateway.fhir.ProfileValidationInterceptor;

/** Writes the contract tests' records through HAPI's public DAO API, as the gateway's own system writes do. */
final class SeamFixtures {

    static final String ODS = "https://fhir.nhs.uk/Id/ods-organization-code";
    static final String NHS = "https://fhir.nhs.uk/Id/nhs-number";

    private SeamFixtures() {}

    /** A system request, unvalidated: the records here are minimal on purpose. */
    static SystemRequestDetails request() {
        SystemRequestDetails request = new SystemRequestDetails();
        request.getUserData().put(ProfileValidationInterceptor.SKIP_VALIDATION, Boolean.TRUE);
        return request;
    }

    static IdType store(DaoRegistry daos, Resource resource) {
        return (IdType) daos.getResourceDao(resource.fhirType())
                .create(resource, request())
                .getId()
                .toUnqualifiedVersionless();
    }

    static void update(DaoRegistry daos, Resource resource) {
        daos.getResourceDao(resource.fhirType()).update(resource, request());
    }

    static void delete(DaoRegistry daos, IdType id) {
        daos.getResourceDao(id.getResourceType()).delete(id, request());
    }

    static String unique() {
        return UUID.randomUUID().toString().substring(0, 8).toUpperCase();
    }
}
