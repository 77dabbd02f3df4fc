package uk.linkwell.gateway.exchange;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CarePlan;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The care-plan trigger: a CarePlan created, or updated with a new status, whatever door wrote it, records one
 * delivery to each active Endpoint of the person's registered GP practice, carrying the plan, so GP systems know
 * there is a plan to pull. An update that leaves the status as it was records nothing.
 */
@Interceptor
public class CarePlanNotifications {

    private static final Logger log = LoggerFactory.getLogger(CarePlanNotifications.class);

    private final ExchangeRecipients recipients;

    CarePlanNotifications(ExchangeRecipients recipients) {
        this.recipients = recipients;
    }

    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
    public void created(IBaseResource resource) {
        if (resource instanceof CarePlan plan) {
            tell(plan, Channels.CARE_PLAN_CREATED);
        }
    }

    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
    public void updated(IBaseResource previous, IBaseResource resource) {
        if (resource instanceof CarePlan plan
                && !(previous instanceof CarePlan before && before.getStatus() == plan.getStatus())) {
            tell(plan, Channels.CARE_PLAN_STATUS_CHANGED);
        }
    }

    private void tell(CarePlan plan, String event) {
        Optional<String> patient = ExchangeRecipients.patient(plan.getSubject());
        if (patient.isEmpty()) {
            return;
        }
        String planRef = ExchangeRecipients.reference(plan);
        List<Delivery> recorded = recipients.record(
                event,
                recipients.registeredPractices(patient.get()),
                ExchangeRecipients.GP_ROLE,
                patient.get(),
                List.of(planRef));
        if (!recorded.isEmpty()) {
            log.info("{} ({}): {} deliveries to the registered practice recorded", planRef, event, recorded.size());
        }
    }
}
