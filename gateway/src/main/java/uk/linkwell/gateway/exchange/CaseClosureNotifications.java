package uk.linkwell.gateway.exchange;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The case-closed trigger: an EpisodeOfCare that becomes {@code finished} (created finished, or updated to it),
 * whatever door wrote it (a FHIR write, the {@code case-closed} case event), records one delivery to each active
 * Endpoint of the person's registered GP practice, in the write's own transaction, carrying the closure letter
 * written in that transaction (by the case event, or by {@code workflow.ClosureLetters} for a FHIR write) and the
 * episode.
 */
@Interceptor
public class CaseClosureNotifications {

    private static final Logger log = LoggerFactory.getLogger(CaseClosureNotifications.class);

    private final ExchangeRecipients recipients;
    private final RecordsInTransaction letters;

    CaseClosureNotifications(ExchangeRecipients recipients, RecordsInTransaction letters) {
        this.recipients = recipients;
        this.letters = letters;
    }

    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
    public void created(IBaseResource resource) {
        if (resource instanceof Communication letter && Letters.is(letter, Letters.CLOSURE_LETTER)) {
            Letters.about(letter, "EpisodeOfCare")
                    .forEach(episode -> letters.written(episode, ExchangeRecipients.reference(letter)));
        }
        if (resource instanceof EpisodeOfCare episode && finished(episode)) {
            closed(episode);
        }
    }

    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
    public void updated(IBaseResource previous, IBaseResource resource) {
        if (resource instanceof EpisodeOfCare episode
                && finished(episode)
                && !(previous instanceof EpisodeOfCare before && finished(before))) {
            closed(episode);
        }
    }

    private static boolean finished(EpisodeOfCare episode) {
        return episode.getStatus() == EpisodeOfCare.EpisodeOfCareStatus.FINISHED;
    }

    private void closed(EpisodeOfCare episode) {
        Optional<String> patient = ExchangeRecipients.patient(episode.getPatient());
        if (patient.isEmpty()) {
            return;
        }
        String episodeRef = ExchangeRecipients.reference(episode);
        List<Delivery> recorded = recipients.record(
                Channels.CASE_CLOSED,
                recipients.registeredPractices(patient.get()),
                ExchangeRecipients.GP_ROLE,
                patient.get(),
                List.of(episodeRef));
        letters.attach(Letters.names(episode, episode.getIdentifier()), recorded);
        if (!recorded.isEmpty()) {
            log.info("Case {} closed: {} deliveries to the registered practice recorded", episodeRef, recorded.size());
        }
    }
}
