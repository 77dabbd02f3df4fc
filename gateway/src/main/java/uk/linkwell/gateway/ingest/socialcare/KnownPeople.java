package uk.linkwell.gateway.ingest.socialcare;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.TokenParam;
import org.springframework.stereotype.Component;

/**
 * Whether the gateway knows a person, asked at receipt: case events carry no demographics and never create a
 * Patient, so an event for an unknown one is refused at the door (422) rather than failing later in the worker.
 */
@Component
public class KnownPeople {

    static final String NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number";
    static final String LA_PERSON_SYSTEM_PREFIX = "https://fhir.linkwell.example/Id/la-person/";

    private final DaoRegistry daos;

    public KnownPeople(DaoRegistry daos) {
        this.daos = daos;
    }

    /** Whether a Patient has this identifier: one indexed token search, at most one id loaded. */
    public boolean exists(String system, String value) {
        SearchParameterMap map = SearchParameterMap.newSynchronous();
        map.setLoadSynchronousUpTo(1);
        map.setCount(1);
        map.add("identifier", new TokenParam(system, value));
        return !daos.getResourceDao("Patient")
                .searchForResourceIds(map, new SystemRequestDetails())
                .isEmpty();
    }
}
