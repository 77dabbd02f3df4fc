package uk.linkwell.gateway.consent.audit;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.Flag;
import org.hl7.fhir.r4.model.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import uk.linkwell.gateway.consent.SafeguardingEnquiries;
import uk.linkwell.gateway.ingest.SafeErrorText;
import uk.linkwell.gateway.ingest.store.InboundMessage;
import uk.linkwell.gateway.ingest.write.MessageApplication;
import uk.linkwell.gateway.security.FhirRequesters;
import uk.linkwell.gateway.security.Requester;

/**
 * Writes every change to a relationship that grants a council access into the disclosure trail as an access
 * grant ({@code AuditEvent?subtype=access-grant}), whichever door made it: an EpisodeOfCare given a managing
 * organisation (created, moved to another, out of and back from entered-in-error, deleted), and a Section 42
 * safeguarding enquiry opened or closed (a Flag with a council's safeguarding-enquiry identifier going active or
 * not; while one is open the council's {@code S42} purpose is honoured). Each names the organisation granted (or
 * losing) access, the patient, the resource, and what made the change: the inbound message and its type, or the
 * FHIR client. Recorded once the write commits, so a rolled-back write leaves no grant behind.
 */
@Interceptor
public class AccessGrantAudit {

    public static final String CHANNEL = DisclosureAuditEvents.ACCESS_GRANT;
    public static final String GRANT = "grant";
    public static final String REVOKE = "revoke";

    private static final String ODS = "https://fhir.nhs.uk/Id/ods-organization-code";
    private static final Logger log = LoggerFactory.getLogger(AccessGrantAudit.class);

    private final DisclosureAudit audit;
    private final Function<String, Optional<String>> odsCodeOf;
    private final Clock clock;

    /** @param odsCodeOf the ODS code of {@code Organization/<id>}, for references that do not carry it */
    public AccessGrantAudit(DisclosureAudit audit, Function<String, Optional<String>> odsCodeOf, Clock clock) {
        this.audit = audit;
        this.odsCodeOf = odsCodeOf;
        this.clock = clock;
    }

    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
    public void created(IBaseResource resource, RequestDetails request) {
        changed(null, resource, resource, request);
    }

    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
    public void updated(IBaseResource previous, IBaseResource resource, RequestDetails request) {
        changed(previous, resource, resource, request);
    }

    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_DELETED)
    public void deleted(IBaseResource resource, RequestDetails request) {
        changed(resource, null, resource, request);
    }

    /** @param resource the version written, or the deleted one */
    private void changed(
            IBaseResource previous, IBaseResource current, IBaseResource resource, RequestDetails request) {
        String before = previous == null ? null : grantee(previous);
        String after = current == null ? null : grantee(current);
        if (Objects.equals(before, after)) {
            return;
        }
        String patient = patientOf(resource);
        String what = resource.getIdElement().hasVersionIdPart()
                ? resource.getIdElement().toUnqualified().getValue()
                : resource.getIdElement().toUnqualifiedVersionless().getValue();
        Source source = source(request);
        List<Disclosure> grants = new ArrayList<>();
        if (before != null) {
            grants.add(grant(REVOKE, before, patient, what, source));
        }
        if (after != null) {
            grants.add(grant(GRANT, after, patient, what, source));
        }
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    record(grants);
                }
            });
        } else {
            record(grants);
        }
    }

    private void record(List<Disclosure> grants) {
        for (Disclosure grant : grants) {
            try {
                audit.record(grant);
            } catch (RuntimeException e) {
                // The change has committed; what can still be done is to say loudly that its record is missing.
                log.error(
                        "Access grant ({} {} to {}, request {}) committed but not audited: {}",
                        grant.decision(),
                        grant.resources(),
                        grant.organisation(),
                        grant.requestId(),
                        SafeErrorText.of(e));
            }
        }
    }

    /**
     * The ODS code of the organisation the resource gives access to, or null: an EpisodeOfCare's managing
     * organisation (unless entered in error), the council of an open Section 42 enquiry.
     */
    private String grantee(IBaseResource resource) {
        if (resource instanceof EpisodeOfCare episode) {
            if (episode.getStatus() == EpisodeOfCare.EpisodeOfCareStatus.ENTEREDINERROR
                    || !episode.hasManagingOrganization()) {
                return null;
            }
            return odsCode(episode.getManagingOrganization());
        }
        if (resource instanceof Flag flag) {
            return SafeguardingEnquiries.openEnquiryOf(flag).orElse(null);
        }
        return null;
    }

    private String odsCode(Reference organisation) {
        if (organisation.hasIdentifier()
                && ODS.equals(organisation.getIdentifier().getSystem())) {
            return organisation.getIdentifier().getValue();
        }
        String reference =
                organisation.getReferenceElement().toUnqualifiedVersionless().getValue();
        // Unknown organisations are still recorded: the reference says which.
        return reference == null ? null : odsCodeOf.apply(reference).orElse(reference);
    }

    private static String patientOf(IBaseResource resource) {
        Reference patient = resource instanceof EpisodeOfCare episode
                ? episode.getPatient()
                : resource instanceof Flag flag ? flag.getSubject() : null;
        if (patient == null || !"Patient".equals(patient.getReferenceElement().getResourceType())) {
            return null;
        }
        return patient.getReferenceElement().toUnqualifiedVersionless().getValue();
    }

    /** Who made the change: an inbound message the gateway applied, or a FHIR client. */
    private record Source(Requester client, String basis, String requestId) {}

    private static Source source(RequestDetails request) {
        Object applying = request == null ? null : request.getUserData().get(MessageApplication.APPLYING_MESSAGE);
        if (applying instanceof InboundMessage message) {
            return new Source(
                    null,
                    message.getSource() + (message.getMessageType() == null ? "" : ":" + message.getMessageType()),
                    DisclosureAuditEvents.INBOUND_MESSAGE_PREFIX + message.getId());
        }
        Optional<Requester> client = request == null ? Optional.empty() : FhirRequesters.of(request);
        String operation = request == null || request.getRestOperationType() == null
                ? "write"
                : request.getRestOperationType().getCode();
        return new Source(client.orElse(null), "fhir:" + operation, request == null ? null : request.getRequestId());
    }

    private Disclosure grant(String decision, String organisation, String patient, String what, Source source) {
        Requester client = source.client();
        return new Disclosure(
                clock.instant(),
                client == null ? null : client.clientId(),
                client == null ? null : client.role().code(),
                organisation,
                client == null ? null : client.practitioner(),
                patient,
                List.of(what),
                null,
                decision,
                source.basis(),
                false,
                null,
                CHANNEL,
                source.requestId());
    }
}
