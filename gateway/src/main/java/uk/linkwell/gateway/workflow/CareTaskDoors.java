package uk.linkwell.gateway.workflow;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.util.List;
import java.util.Objects;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Task;
import uk.linkwell.gateway.referral.ReferralOutcome;
import uk.linkwell.gateway.security.ClientRole;
import uk.linkwell.gateway.security.FhirRequesters;
import uk.linkwell.profiles.LinkwellProfiles;

/**
 * The care process's own Tasks (allocation, review) are opened by the gateway, in the transaction of the write that
 * calls for them, about the case they name. Completing one changes that case (its care manager, CareTeam,
 * complexity and plans) as the gateway, so through the REST API a client other than an operator may only move an
 * existing one on: it may not create one, turn a Task into one or out of one, or point one at another case or
 * person, which would let it grant itself a case or write to someone else's.
 */
@Interceptor
public class CareTaskDoors {

    /** Before the allocation and review hooks act on the Task. */
    static final int ORDER = -80;

    @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED, order = ORDER)
    public void created(IBaseResource resource, RequestDetails request) {
        if (resource instanceof Task task && !careCodes(task).isEmpty() && heldToTheProcess(request)) {
            throw ReferralOutcome.unprocessable(
                    "Allocation and review Tasks are opened by the gateway (an accepted referral, an active case, a "
                            + "trigger); a client moves an existing one on by updating it",
                    "Task.code");
        }
    }

    @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED, order = ORDER)
    public void updated(IBaseResource previous, IBaseResource resource, RequestDetails request) {
        if (!(resource instanceof Task task) || !(previous instanceof Task before) || !heldToTheProcess(request)) {
            return;
        }
        List<String> was = careCodes(before);
        if (!was.equals(careCodes(task))) {
            throw ReferralOutcome.unprocessable(
                    "A Task's care-process code (allocation, review) is the gateway's: it is not added, changed or "
                            + "removed by an update",
                    "Task.code");
        }
        if (was.isEmpty()) {
            return;
        }
        if (!same(before.getFocus(), task.getFocus())) {
            throw ReferralOutcome.unprocessable(
                    "An allocation or review stays about the case it was opened for: Task.focus is not changed",
                    "Task.focus");
        }
        if (!same(before.getFor(), task.getFor())) {
            throw ReferralOutcome.unprocessable(
                    "An allocation or review stays about the person it was opened for: Task.for is not changed",
                    "Task.for");
        }
    }

    /** REST requests of clients other than operators (the gateway's own writes and admin back-loading are not). */
    private static boolean heldToTheProcess(RequestDetails request) {
        return request != null
                && !(request instanceof SystemRequestDetails)
                && FhirRequesters.of(request)
                        .map(r -> r.role() != ClientRole.ADMIN)
                        .orElse(true);
    }

    private static List<String> careCodes(Task task) {
        return task.getCode().getCoding().stream()
                .filter(c -> LinkwellProfiles.CARE_TASK_SYSTEM.equals(c.getSystem()))
                .map(c -> String.valueOf(c.getCode()))
                .sorted()
                .toList();
    }

    private static boolean same(Reference a, Reference b) {
        return Objects.equals(
                a.getReferenceElement().toUnqualifiedVersionless().getValue(),
                b.getReferenceElement().toUnqualifiedVersionless().getValue());
    }
}
