package uk.linkwell.mappings.hl7v2;

import java.util.ArrayList;
import java.util.List;

/** Edits golden messages segment by segment, to make the bad inputs of the error tests. */
final class MessageText {

    private final List<String> segments;

    private MessageText(List<String> segments) {
        this.segments = segments;
    }

    static MessageText of(String golden) {
        return new MessageText(
                new ArrayList<>(List.of(AdtFixtures.golden(golden).strip().split("\r?\n"))));
    }

    /** Any message text, e.g. a referral golden input. */
    static MessageText ofText(String text) {
        return new MessageText(new ArrayList<>(List.of(text.strip().split("\r?\n|\r"))));
    }

    MessageText without(String segmentId) {
        segments.removeIf(s -> s.startsWith(segmentId + "|"));
        return this;
    }

    /** Replaces field {@code number} of the first segment with that id (MSH counts MSH-1 as the separator). */
    MessageText field(String segmentId, int number, String value) {
        for (int i = 0; i < segments.size(); i++) {
            if (segments.get(i).startsWith(segmentId + "|")) {
                List<String> fields = new ArrayList<>(List.of(segments.get(i).split("\\|", -1)));
                int index = segmentId.equals("MSH") ? number - 1 : number;
                while (fields.size() <= index) {
                    fields.add("");
                }
                fields.set(index, value);
                segments.set(i, String.join("|", fields));
                return this;
            }
        }
        throw new IllegalArgumentException("no " + segmentId + " in the message");
    }

    MessageText replace(String from, String to) {
        segments.replaceAll(s -> s.replace(from, to));
        return this;
    }

    MessageText append(String segment) {
        segments.add(segment);
        return this;
    }

    String text() {
        return String.join("\r", segments) + "\r";
    }
}
