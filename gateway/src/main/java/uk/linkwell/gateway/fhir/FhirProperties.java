package uk.linkwell.gateway.fhir;

import java.util.List;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** Settings of the embedded FHIR server, under {@code linkwell.fhir}. */
@ConfigurationProperties(prefix = "linkwell.fhir")
public record FhirProperties(
        /* Page size when a search does not give _count. */
        Integer defaultPageSize,
        /* Largest _count honoured. */
        Integer maxPageSize,
        /* Fixed public base URL (e.g. https://gateway.example.nhs.uk/fhir); empty: taken from each request. */
        String serverAddress,
        /* How long identical searches reuse cached results, in milliseconds (0 disables). */
        Long reuseCachedSearchResultsMillis,
        /* Largest request body a FHIR write may send, in bytes (after gzip is inflated); more is refused 413. */
        Long maxRequestBytes,
        /* Most entries a Bundle sent to the FHIR endpoint (a transaction, a batch, a Bundle resource) may hold. */
        Integer maxBundleEntries,
        /* Who may create a Subscription, and where its notifications may go. */
        Subscriptions subscriptions) {

    public FhirProperties {
        defaultPageSize = defaultPageSize == null ? 20 : defaultPageSize;
        maxPageSize = maxPageSize == null ? 200 : maxPageSize;
        serverAddress = serverAddress == null ? "" : serverAddress;
        reuseCachedSearchResultsMillis = reuseCachedSearchResultsMillis == null ? 0L : reuseCachedSearchResultsMillis;
        maxRequestBytes = maxRequestBytes == null ? 10L * 1024 * 1024 : maxRequestBytes;
        maxBundleEntries = maxBundleEntries == null ? 1000 : maxBundleEntries;
        subscriptions = subscriptions == null ? new Subscriptions(null, null) : subscriptions;
    }

    /**
     * {@code linkwell.fhir.subscriptions}: a Subscription sends data wherever its endpoint says, so creating one is
     * a disclosure decision taken here rather than left to any client with a write scope.
     *
     * @param roles roles that may create (or change) a Subscription; default admin only
     * @param allowedEndpoints URL prefixes a rest-hook endpoint of a non-admin client must start with; empty: none
     */
    public record Subscriptions(Set<String> roles, List<String> allowedEndpoints) {
        public Subscriptions {
            roles = roles == null ? Set.of("admin") : Set.copyOf(roles);
            allowedEndpoints = allowedEndpoints == null
                    ? List.of()
                    : allowedEndpoints.stream().filter(e -> !e.isBlank()).toList();
        }
    }
}
