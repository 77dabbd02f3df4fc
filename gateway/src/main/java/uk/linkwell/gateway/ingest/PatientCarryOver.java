package uk.linkwell.gateway.ingest;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeResourceDefinition;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.searchparam.MatchUrlService;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Base;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Property;
import org.springframework.stereotype.Component;

/**
 * Makes an inbound message's Patient write add to the stored Patient instead of replacing it: whatever the
 * message does not carry stays as it was, and identifiers other systems added (a council's person id) are kept.
 */
// HL7 v2 says a field that is not sent is unchanged, but a FHIR conditional PUT replaces the whole resource: an
// A08 without PD1 would otherwise erase the registered GP, and with it the practice's access to the person.
@Component
public class PatientCarryOver {

    /** Elements the message always states in full, or that belong to the stored version, never carried over. */
    private static final Set<String> NOT_CARRIED = Set.of("id", "meta", "implicitRules", "language", "text",
            "contained", "identifier");

    private final DaoRegistry daos;
    private final MatchUrlService matchUrls;
    private final RuntimeResourceDefinition patientDefinition;

    public PatientCarryOver(DaoRegistry daos, MatchUrlService matchUrls, FhirContext fhirContext) {
        this.daos = daos;
        this.matchUrls = matchUrls;
        this.patientDefinition = fhirContext.getResourceDefinition("Patient");
    }

    /** Fills each conditional Patient PUT in the transaction from the Patient it will update, if there is one. */
    public void apply(Bundle transaction) {
        for (Bundle.BundleEntryComponent entry : transaction.getEntry()) {
            if (entry.getResource() instanceof Patient incoming
                    && entry.getRequest().getMethod() == Bundle.HTTPVerb.PUT
                    && entry.getRequest().getUrl() != null && entry.getRequest().getUrl().startsWith("Patient?")) {
                stored(entry.getRequest().getUrl()).ifPresent(existing -> carryOver(existing, incoming));
            }
        }
    }

    private java.util.Optional<Patient> stored(String conditionalUrl) {
        SearchParameterMap query = matchUrls.translateMatchUrl(conditionalUrl, patientDefinition);
        query.setLoadSynchronous(true);
        IFhirResourceDao<Patient> dao = daos.getResourceDao(Patient.class);
        IBundleProvider found = dao.search(query, new SystemRequestDetails());
        List<IBaseResource> matches = found.getResources(0, 2);
        // No match: a create. Several: HAPI refuses the conditional update itself with a clear error.
        return matches.size() == 1 ? java.util.Optional.of((Patient) matches.get(0)) : java.util.Optional.empty();
    }

    /** Copies into {@code incoming} every element it lacks that {@code existing} has, and unknown identifiers. */
    static void carryOver(Patient existing, Patient incoming) {
        for (Property property : existing.children()) {
            String name = property.getName();
            if (NOT_CARRIED.contains(name) || !property.hasValues()) {
                continue;
            }
            if (!incoming.getNamedProperty(name).hasValues()) {
                for (Base value : property.getValues()) {
                    incoming.setProperty(name, value.copy());
                }
            }
        }
        Set<String> stated = new HashSet<>();
        for (Identifier identifier : incoming.getIdentifier()) {
            stated.add(identifier.getSystem() + "|" + identifier.getValue());
        }
        Set<String> statedSystems = new HashSet<>();
        incoming.getIdentifier().forEach(identifier -> statedSystems.add(identifier.getSystem()));
        for (Identifier identifier : existing.getIdentifier()) {
            // An identifier of a system the message speaks for is the message's to state; others are kept.
            if (!statedSystems.contains(identifier.getSystem())
                    && !stated.contains(identifier.getSystem() + "|" + identifier.getValue())) {
                incoming.addIdentifier(identifier.copy());
            }
        }
    }
}
