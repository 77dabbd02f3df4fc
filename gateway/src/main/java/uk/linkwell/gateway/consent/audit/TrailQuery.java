package uk.linkwell.gateway.consent.audit;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * A search of the disclosure trail as SQL over {@code LW_DISCLOSURE d}: each call adds one condition (all must
 * hold; the values within one are alternatives), values always as bind parameters.
 */
public final class TrailQuery {

    private final List<String> conditions = new ArrayList<>();
    private final List<Object> arguments = new ArrayList<>();
    private boolean newestFirst;

    /** The column is one of the values. */
    public TrailQuery anyOf(TrailColumn column, Collection<String> values) {
        if (values.isEmpty()) {
            return nothing();
        }
        conditions.add("d." + column.name() + " IN (" + placeholders(values.size()) + ")");
        arguments.addAll(values);
        return this;
    }

    /** The column is none of the values. */
    public TrailQuery noneOf(TrailColumn column, Collection<String> values) {
        if (values.isEmpty()) {
            return this;
        }
        conditions.add("d." + column.name() + " NOT IN (" + placeholders(values.size()) + ")");
        arguments.addAll(values);
        return this;
    }

    /** The disclosure was about one of these resources ({@code CarePlan/5}). */
    public TrailQuery aboutAnyOf(Collection<String> references) {
        if (references.isEmpty()) {
            return nothing();
        }
        conditions.add("EXISTS (SELECT 1 FROM LW_DISCLOSURE_ENTITY e WHERE e.DISCLOSURE_ID = d.ID AND e.REF IN ("
                + placeholders(references.size()) + "))");
        arguments.addAll(references);
        return this;
    }

    /** The request id starts with one of the prefixes, ignoring case (FHIR string search). */
    public TrailQuery requestIdStartsWithAnyOf(Collection<String> prefixes) {
        if (prefixes.isEmpty()) {
            return nothing();
        }
        List<String> likes = new ArrayList<>();
        for (String prefix : prefixes) {
            likes.add("LOWER(d.REQUEST_ID) LIKE ? ESCAPE '!'");
            arguments.add(
                    prefix.toLowerCase().replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%");
        }
        conditions.add("(" + String.join(" OR ", likes) + ")");
        return this;
    }

    public TrailQuery breakGlass() {
        conditions.add("d.BREAK_GLASS = TRUE");
        return this;
    }

    public TrailQuery recordedFrom(Instant from) {
        conditions.add("d.RECORDED >= ?");
        arguments.add(from.atOffset(ZoneOffset.UTC));
        return this;
    }

    public TrailQuery recordedUpTo(Instant upTo) {
        conditions.add("d.RECORDED <= ?");
        arguments.add(upTo.atOffset(ZoneOffset.UTC));
        return this;
    }

    /** A criterion nothing in the trail can meet (e.g. a tag the trail never carries). */
    public TrailQuery nothing() {
        conditions.add("1 = 0");
        return this;
    }

    public TrailQuery newestFirst(boolean newest) {
        this.newestFirst = newest;
        return this;
    }

    String where() {
        return conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
    }

    String orderBy() {
        return newestFirst ? " ORDER BY d.RECORDED DESC, d.ID DESC" : " ORDER BY d.RECORDED, d.ID";
    }

    List<Object> arguments() {
        return List.copyOf(arguments);
    }

    private static String placeholders(int n) {
        return String.join(", ", java.util.Collections.nCopies(n, "?"));
    }

    /** The searchable columns of {@code LW_DISCLOSURE}. */
    public enum TrailColumn {
        ID,
        PATIENT,
        OUTCOME,
        CHANNEL,
        CLIENT_ID,
        PRACTITIONER,
        REQUEST_ID
    }
}
