package uk.linkwell.mappings.socialcare;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.hl7.fhir.r4.model.Bundle;
import org.junit.jupiter.api.Test;

/**
 * Events may arrive out of order: applying the bundles of a case's events in order, shuffled, or twice
 * must end in the same state. "Applying" is simulated by a tiny store that executes the conditional
 * entries by identifier, as the gateway's FHIR server does.
 */
class CaseEventOrderTest {

    /** Every example except referral-declined: a referral is either accepted or declined, not both. */
    private static final List<String> LIFE_OF_A_CASE = List.of(
            "referral-received",
            "referral-accepted",
            "carer-identified",
            "assessment-completed",
            "case-allocated",
            "care-plan-updated",
            "review-scheduled",
            "safeguarding-enquiry-opened",
            "safeguarding-enquiry-closed",
            "review-completed",
            "case-closed");

    /** Resources by "type|identifier system|value" as JSON: conditional PUT replaces, conditional POST creates once. */
    static final class Store {
        final Map<String, String> resources = new TreeMap<>();

        void apply(Bundle bundle) {
            for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
                String type = entry.getResource().fhirType();
                Bundle.BundleEntryRequestComponent request = entry.getRequest();
                String json = CaseEventFixtures.json(entry.getResource());
                if (request.getMethod() == Bundle.HTTPVerb.PUT) {
                    resources.put(
                            type + "|"
                                    + request.getUrl()
                                            .substring(request.getUrl().indexOf("?identifier=") + 12),
                            json);
                } else if (request.getMethod() == Bundle.HTTPVerb.POST) {
                    resources.putIfAbsent(
                            type + "|" + request.getIfNoneExist().substring("identifier=".length()), json);
                } else {
                    throw new AssertionError("unconditional entry " + request.getMethod());
                }
            }
        }
    }

    private static Map<String, String> applyAll(List<String> types, boolean twice) throws Exception {
        Store store = new Store();
        for (String type : types) {
            Bundle bundle = CaseEventFixtures.map(CaseEventFixtures.event(type));
            store.apply(bundle);
            if (twice) {
                store.apply(bundle);
            }
        }
        return store.resources;
    }

    @Test
    void anyOrderEndsInTheSameState() throws Exception {
        Map<String, String> inOrder = applyAll(LIFE_OF_A_CASE, false);
        assertThat(inOrder.keySet())
                .anyMatch(k -> k.startsWith("EpisodeOfCare|"))
                .anyMatch(k -> k.startsWith("CarePlan|"))
                .anyMatch(k -> k.startsWith("Flag|"));
        List<String> reversed = new ArrayList<>(LIFE_OF_A_CASE);
        Collections.reverse(reversed);
        assertThat(applyAll(reversed, false)).isEqualTo(inOrder);
        Random random = new Random(20261126L);
        for (int i = 0; i < 20; i++) {
            List<String> shuffled = new ArrayList<>(LIFE_OF_A_CASE);
            Collections.shuffle(shuffled, random);
            assertThat(applyAll(shuffled, false)).as(shuffled.toString()).isEqualTo(inOrder);
        }
    }

    @Test
    void aReplayedEventChangesNothing() throws Exception {
        assertThat(applyAll(LIFE_OF_A_CASE, true)).isEqualTo(applyAll(LIFE_OF_A_CASE, false));
    }

    @Test
    void theOwningEventWinsWhicheverArrivesFirst() throws Exception {
        // The decline owns the referral's Task, the closure owns the episode; placeholders never overwrite them.
        Map<String, String> declineFirst = applyAll(List.of("referral-declined", "referral-received"), false);
        Map<String, String> receivedFirst = applyAll(List.of("referral-received", "referral-declined"), false);
        assertThat(declineFirst).isEqualTo(receivedFirst);
        assertThat(task(declineFirst)).contains("\"status\": \"rejected\"");
        Map<String, String> closedFirst = applyAll(List.of("case-closed", "referral-accepted"), false);
        assertThat(episode(closedFirst)).contains("\"status\": \"finished\"");
        assertThat(episode(applyAll(List.of("referral-accepted"), false))).contains("\"status\": \"active\"");
    }

    @Test
    void theStoreItselfWouldNoticeAnOrderDependentMapping() throws Exception {
        // Guards the test: two full PUTs of one resource in opposite orders do end differently in this store.
        Bundle accepted = CaseEventFixtures.map(CaseEventFixtures.event("referral-accepted"));
        Bundle declined = CaseEventFixtures.map(CaseEventFixtures.event("referral-declined"));
        Store one = new Store();
        one.apply(accepted);
        one.apply(declined);
        Store other = new Store();
        other.apply(declined);
        other.apply(accepted);
        assertThat(one.resources).isNotEqualTo(other.resources);
    }

    private static String task(Map<String, String> state) {
        return state.entrySet().stream()
                .filter(e -> e.getKey().startsWith("Task|"))
                .map(Map.Entry::getValue)
                .findFirst()
                .orElseThrow();
    }

    private static String episode(Map<String, String> state) {
        return state.entrySet().stream()
                .filter(e -> e.getKey().startsWith("EpisodeOfCare|"))
                .map(Map.Entry::getValue)
                .findFirst()
                .orElseThrow();
    }
}
