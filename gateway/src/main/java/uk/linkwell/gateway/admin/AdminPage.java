package uk.linkwell.gateway.admin;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One page of an operator's list view: its bounds checked the same way, and its body in the same shape. */
public final class AdminPage {

    private AdminPage() {}

    /** Refuses a limit outside 1..max or a negative offset, naming the parameter. */
    public static void checkBounds(int limit, int offset, int max) {
        if (limit < 1 || limit > max) {
            throw AdminProblem.badParameter("limit", "must be between 1 and " + max);
        }
        if (offset < 0) {
            throw AdminProblem.badParameter("offset", "must not be negative");
        }
    }

    /** The page: a summary under {@code summaryName} first, then limit, offset, count and the items. */
    public static Map<String, Object> of(
            String summaryName, Object summary, int limit, int offset, List<Map<String, Object>> items) {
        Map<String, Object> page = new LinkedHashMap<>();
        page.put(summaryName, summary);
        page.put("limit", limit);
        page.put("offset", offset);
        page.put("count", items.size());
        page.put("items", items);
        return page;
    }
}
