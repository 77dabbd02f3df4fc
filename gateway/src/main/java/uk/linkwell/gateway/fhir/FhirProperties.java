package uk.linkwell.gateway.fhir;

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
        Integer maxBundleEntries) {

    public FhirProperties {
        defaultPageSize = defaultPageSize == null ? 20 : defaultPageSize;
        maxPageSize = maxPageSize == null ? 200 : maxPageSize;
        serverAddress = serverAddress == null ? "" : serverAddress;
        reuseCachedSearchResultsMillis = reuseCachedSearchResultsMillis == null ? 0L : reuseCachedSearchResultsMillis;
        maxRequestBytes = maxRequestBytes == null ? 10L * 1024 * 1024 : maxRequestBytes;
        maxBundleEntries = maxBundleEntries == null ? 1000 : maxBundleEntries;
    }
}
