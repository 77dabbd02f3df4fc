package uk.linkwell.gateway.hapi;

import java.util.List;
import java.util.function.Function;
import org.hl7.fhir.r4.model.Consent;

/** One patient's active Consents as stored, as the search {@code Consent?patient=...&status=active} finds them. */
@FunctionalInterface
public interface ConsentLookup extends Function<String, List<Consent>> {

    /**
     * @param patient {@code Patient/<id>}
     * @return the patient's active Consents (not deleted), each at its current version, with id and version
     */
    @Override
    List<Consent> apply(String patient);
}
