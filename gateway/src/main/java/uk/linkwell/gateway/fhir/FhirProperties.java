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
        Long reuseCachedSearchResultsMillis) {

    public FhirProperties {
        defaultPageSize = defaultPageSize == null ? 20 : defaultPageSize;
        maxPageSize = maxPageSize == null ? 200 : maxPageSize;
        serverAddress = serverAddress == null ? "" : serverAddress;
        reuseCachedSearchResultsMillis = reuseCachedSearchResultsMillis == null ? 0L : reuseCachedSearchResultsMillis;
    }
}
