package uk.linkwell.gateway.exchange;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admission trigger: a hospital admission (an inpatient Encounter, class {@code IMP}, created in progress or
 * moved to it from planned or arrived: an A01 over MLLP, a FHIR write) of a person with an open case (an
 * EpisodeOfCare that is active, on hold or on the waiting list) records one delivery to each active Endpoint of the
 * organisation managing each such case, carrying the Encounter and the person's Conditions it names as its
 * diagnoses (the admitting diagnosis), in the write's own transaction. An admission is an unscheduled review trigger
 * for the team. Each resource is judged by the consent engine at send time on its own: a diagnosis the person's
 * Consent keeps from the team (a sensitivity label such as PSY) is left out, and not named in the stay that goes.
 */
@Interceptor
public class AdmissionNotifications {

    private static final Logger log = LoggerFactory.getLogger(AdmissionNotifications.class);

    private static final String INPATIENT = "IMP";

    private final ExchangeRecipients recipients;
    private final DaoRegistry daos;
    private final String recipientRole;

    AdmissionNotifications(ExchangeRecipients recipients, DaoRegistry daos, String recipientRole) {
        this.recipients = recipients;
        this.daos = daos;
        this.recipientRole = recipientRole;
    }

    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
    public void created(IBaseResource resource) {
        if (resource instanceof Encounter encounter && admitted(encounter)) {
            tell(encounter);
        }
    }

    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
    public void updated(IBaseResource previous, IBaseResource resource) {
        if (resource instanceof Encounter encounter
                && admitted(encounter)
                && previous instanceof Encounter before
                && (before.getStatus() == Encounter.EncounterStatus.PLANNED
                        || before.getStatus() == Encounter.EncounterStatus.ARRIVED)) {
            tell(encounter);
        }
    }

    private static boolean admitted(Encounter encounter) {
        return encounter.getStatus() == Encounter.EncounterStatus.INPROGRESS
                && INPATIENT.equals(encounter.getClass_().getCode());
    }

    private void tell(Encounter encounter) {
        Optional<String> patient = ExchangeRecipients.patient(encounter.getSubject());
        if (patient.isEmpty()) {
            return;
        }
        // One delivery per Endpoint, however many open cases its organisation manages.
        Set<String> endpoints = new LinkedHashSet<>();
        List<ExchangeRecipients.Recipient> teams = new ArrayList<>();
        for (EpisodeOfCare episode : openCases(patient.get())) {
            if (episode.hasManagingOrganization()) {
                recipients.organisation(episode.getManagingOrganization()).stream()
                        .filter(r -> endpoints.add(r.endpoint()))
                        .forEach(teams::add);
            }
        }
        String encounterRef = ExchangeRecipients.reference(encounter);
        List<String> focus = new ArrayList<>();
        focus.add(encounterRef);
        if (!teams.isEmpty()) {
            focus.addAll(recipients.diagnoses(encounter, patient.get()));
        }
        List<Delivery> recorded = recipients.record(Channels.ADMISSION, teams, recipientRole, patient.get(), focus);
        if (!recorded.isEmpty()) {
            log.info(
                    "Admission in {}: {} deliveries to the teams managing open cases recorded",
                    encounterRef,
                    recorded.size());
        }
    }

    private List<EpisodeOfCare> openCases(String patient) {
        SearchParameterMap open = SearchParameterMap.newSynchronous()
                .add(EpisodeOfCare.SP_PATIENT, new ReferenceParam(patient))
                .add(EpisodeOfCare.SP_STATUS, new TokenOrListParam(null, "active", "onhold", "waitlist"));
        return daos.getResourceDao(EpisodeOfCare.class).searchForResources(open, new SystemRequestDetails()).stream()
                .map(EpisodeOfCare.class::cast)
                .toList();
    }
}
