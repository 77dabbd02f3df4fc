package uk.linkwell.gateway.security;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Bundle;

/**
 * The resource types a FHIR request names anywhere, not only in its path: in {@code _type}, in {@code _include} and
 * {@code _revinclude} values, in parameter names ({@code _has:AuditEvent:...}, {@code subject:Bundle.x}) and in the
 * entries of a batch or transaction. Rules that keep a whole type from a role ask here, so that a type refused by
 * its path is not reached through a parameter or an entry instead.
 */
final class NamedTypes {

    /**
     * One entry of a batch or transaction: its method, the type of its URL (or of its body, when the URL has
     * none), the type of its body, its query and whether it is conditional.
     */
    record Entry(Bundle.HTTPVerb method, String type, String bodyType, String query, boolean conditional) {
        boolean writes() {
            return method != Bundle.HTTPVerb.GET && method != Bundle.HTTPVerb.HEAD;
        }

        /** Whether the entry names the type in its URL, its body or its query (a GET's {@code _include}). */
        boolean names(String other) {
            return other.equals(type) || other.equals(bodyType) || mentions(query, other);
        }
    }

    private NamedTypes() {}

    /** Whether the request names the type in its path, its parameters or any of its entries. */
    static boolean names(RequestDetails request, String type) {
        return type.equals(request.getResourceName())
                || inParameters(request, type)
                || entries(request).stream().anyMatch(e -> e.names(type));
    }

    /** Whether a parameter's name, or a value of {@code _type}, {@code _include} or {@code _revinclude}, names it. */
    static boolean inParameters(RequestDetails request, String type) {
        for (Map.Entry<String, String[]> parameter : request.getParameters().entrySet()) {
            String name = parameter.getKey();
            if (mentions(name, type)) {
                return true;
            }
            boolean typed = name.equals("_type") || name.startsWith("_include") || name.startsWith("_revinclude");
            if (typed && parameter.getValue() != null) {
                for (String value : parameter.getValue()) {
                    if (mentions(value, type)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** The entries of the batch or transaction Bundle the request carries; empty for any other request. */
    static List<Entry> entries(RequestDetails request) {
        if (!(request.getResource() instanceof Bundle bundle)
                || !(bundle.getType() == Bundle.BundleType.BATCH
                        || bundle.getType() == Bundle.BundleType.TRANSACTION)) {
            return List.of();
        }
        List<Entry> entries = new ArrayList<>();
        for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
            Bundle.BundleEntryRequestComponent entryRequest = entry.getRequest();
            String url = entryRequest.getUrl() == null ? "" : entryRequest.getUrl();
            String[] pathAndQuery = url.split("\\?", 2);
            String path = pathAndQuery[0].startsWith("/") ? pathAndQuery[0].substring(1) : pathAndQuery[0];
            String bodyType = entry.hasResource() ? entry.getResource().fhirType() : null;
            String type = path.isEmpty() && bodyType != null ? bodyType : path.split("/", 2)[0];
            String query = pathAndQuery.length > 1 ? decoded(pathAndQuery[1]) : "";
            boolean conditional = !query.isEmpty() || entryRequest.hasIfNoneExist();
            entries.add(new Entry(entryRequest.getMethod(), type, bodyType, query, conditional));
        }
        return entries;
    }

    private static String decoded(String query) {
        try {
            return URLDecoder.decode(query, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return query; // HAPI refuses the entry; its words are still looked at
        }
    }

    /** Whether the text holds the type as one of its words ({@code Patient:_has:AuditEvent:patient}). */
    private static boolean mentions(String text, String type) {
        return Arrays.asList(text.split("[^A-Za-z0-9_-]+")).contains(type);
    }
}
