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
        /* Core search parameters this server neither indexes nor offers, as Type.code (e.g. AuditEvent.entity-role). */
        java.util.List<String> unindexedSearchParameters) {

    public FhirProperties {
        defaultPageSize = defaultPageSize == null ? 20 : defaultPageSize;
        maxPageSize = maxPageSize == null ? 200 : maxPageSize;
        serverAddress = serverAddress == null ? "" : serverAddress;
        reuseCachedSearchResultsMillis = reuseCachedSearchResultsMillis == null ? 0L : reuseCachedSearchResultsMillis;
        unindexedSearchParameters = unindexedSearchParameters == null ? java.util.List.of()
                : java.util.List.copyOf(unindexedSearchParameters);
    }
}
