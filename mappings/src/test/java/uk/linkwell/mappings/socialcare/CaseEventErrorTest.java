package uk.linkwell.mappings.socialcare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each kind of bad event names the offending field by JSON pointer, with a reason, and quotes no value. */
class CaseEventErrorTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static String edited(String type, Consumer<ObjectNode> edit) {
        try {
            ObjectNode root = (ObjectNode) JSON.readTree(CaseEventFixtures.event(type));
            edit.accept(root);
            return JSON.writeValueAsString(root);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode at(ObjectNode root, String field) {
        return (ObjectNode) root.get(field);
    }

    static Stream<Arguments> badEvents() {
        return Stream.of(
                Arguments.of("malformed JSON", "{\"schemaVersion\": \"1\", ", "", "malformed JSON"),
                Arguments.of("not an object", "[1, 2]", "", "JSON object"),
                Arguments.of(
                        "unknown schema version",
                        edited("case-allocated", r -> r.put("schemaVersion", "2")),
                        "/schemaVersion",
                        "unknown schema version"),
                Arguments.of(
                        "no schema version",
                        edited("case-allocated", r -> r.remove("schemaVersion")),
                        "/schemaVersion",
                        "required"),
                Arguments.of(
                        "unknown event type",
                        edited("case-allocated", r -> r.put("eventType", "case-reopened")),
                        "/eventType",
                        "unknown event type"),
                Arguments.of(
                        "event id not a UUID",
                        edited("case-allocated", r -> r.put("eventId", "42")),
                        "/eventId",
                        "UUID"),
                Arguments.of(
                        "neither NHS number nor person id",
                        edited("case-allocated", r -> r.putObject("person")),
                        "/person",
                        "NHS number"),
                Arguments.of(
                        "NHS number with a bad check digit",
                        edited("case-allocated", r -> at(r, "person").put("nhsNumber", "9990010006")),
                        "/person/nhsNumber",
                        "Modulus 11"),
                Arguments.of(
                        "NHS number too short",
                        edited("case-allocated", r -> at(r, "person").put("nhsNumber", "99900100")),
                        "/person/nhsNumber",
                        "ten digits"),
                Arguments.of(
                        "occurredAt without an offset",
                        edited("case-allocated", r -> r.put("occurredAt", "2026-11-06T11:00:00")),
                        "/occurredAt",
                        "RFC 3339"),
                Arguments.of(
                        "occurredAt in UK style",
                        edited("case-allocated", r -> r.put("occurredAt", "06/11/2026 11:00")),
                        "/occurredAt",
                        "RFC 3339"),
                Arguments.of(
                        "body date in the wrong format",
                        edited("case-allocated", r -> at(r, "body").put("allocatedOn", "06/11/2026")),
                        "/body/allocatedOn",
                        "pattern"),
                Arguments.of(
                        "impossible body date",
                        edited("case-allocated", r -> at(r, "body").put("allocatedOn", "2026-02-30")),
                        "/body/allocatedOn",
                        "RFC 3339 date"),
                Arguments.of(
                        "complexity not red/amber/green",
                        edited("case-allocated", r -> at(r, "body").put("complexity", "purple")),
                        "/body/complexity",
                        "enum"),
                Arguments.of(
                        "missing body field",
                        edited("case-allocated", r -> at(r, "body").remove("worker")),
                        "/body/worker",
                        "required"),
                Arguments.of(
                        "unknown envelope field",
                        edited("case-allocated", r -> r.put("extra", true)),
                        "",
                        "additionalProperties"),
                Arguments.of(
                        "decline without alternatives",
                        edited("referral-declined", r -> at(r, "body").putArray("alternatives")),
                        "/body/alternatives",
                        "minItems"),
                Arguments.of(
                        "goal without the person's words",
                        edited(
                                "care-plan-updated",
                                r -> ((ObjectNode) at(r, "body").get("goals").get(0)).remove("inPersonsWords")),
                        "/body/goals/0/inPersonsWords",
                        "required"),
                Arguments.of(
                        "review trigger not in the list",
                        edited("review-completed", r -> at(r, "body").put("trigger", "whim")),
                        "/body/trigger",
                        "enum"),
                Arguments.of(
                        "case closed before it opened",
                        edited("case-closed", r -> at(r, "body").put("closedOn", "2026-01-01")),
                        "/body/closedOn",
                        "before"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badEvents")
    void namesTheFieldAndTheReason(String what, String json, String pointer, String reason) {
        CaseEventException e = catchThrowableOfType(() -> CaseEventFixtures.map(json), CaseEventException.class);
        assertThat(e).as(what).isNotNull();
        assertThat(e.pointer()).as(what + ": " + e.getMessage()).isEqualTo(pointer);
        assertThat(e.reason()).as(what + ": " + e.getMessage()).contains(reason);
        assertThat(e.getMessage()).doesNotContain("999001000", "Priya", "Fictional", "purple", "06/11/2026");
    }
}
