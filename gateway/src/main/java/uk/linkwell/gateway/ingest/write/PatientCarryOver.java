package uk.linkwell.gateway.ingest.write;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.HashSet;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Base;
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
@Interceptor
public class PatientCarryOver {

    /** Request user-data key of writes whose Patient updates carry over what they lack (see {@link #carryingOver}). */
    static final String CARRY_OVER = "linkwell.patient-carry-over";

    /** Elements the message always states in full, or that belong to the stored version, never carried over. */
    private static final Set<String> NOT_CARRIED =
            Set.of("id", "meta", "implicitRules", "language", "text", "contained", "identifier");

    public PatientCarryOver(IInterceptorService storageInterceptors) {
        storageInterceptors.registerInterceptor(this);
    }

    /** Marks a write so that each Patient it updates keeps what the stored Patient has and it lacks. */
    public static <T extends RequestDetails> T carryingOver(T request) {
        request.getUserData().put(CARRY_OVER, Boolean.TRUE);
        return request;
    }

    /**
     * Fills a Patient update of a marked write from the version it replaces, as HAPI hands it over (the one its
     * conditional update matched, read in this transaction: no second lookup). Runs before profile validation
     * (order), so what is validated and stored is the filled-in Patient.
     */
    @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED, order = -100)
    public void updating(IBaseResource previous, IBaseResource resource, RequestDetails request) {
        if (request != null
                && Boolean.TRUE.equals(request.getUserData().get(CARRY_OVER))
                && previous instanceof Patient existing
                && resource instanceof Patient incoming) {
            carryOver(existing, incoming);
        }
    }

    /** Copies into {@code incoming} every element it lacks that {@code existing} has, and unknown identifiers. */
    public static void carryOver(Patient existing, Patient incoming) {
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
