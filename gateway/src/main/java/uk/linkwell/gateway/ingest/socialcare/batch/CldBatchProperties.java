package uk.linkwell.gateway.ingest.socialcare.batch;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/** Settings of CLD batch backfills, under {@code linkwell.socialcare.batch}. */
@ConfigurationProperties(prefix = "linkwell.socialcare.batch")
public record CldBatchProperties(
        /* Largest file accepted; a larger one is refused with 413 and stored rejected (its first 64 KiB). */
        DataSize maxFileSize,
        /* Rows applied per FHIR transaction (one database transaction with the progress they make). */
        Integer chunkSize,
        /* Rows per FHIR transaction Bundle within a chunk (HAPI's checks of new Patients grow with its square). */
        Integer bundleRows,
        /* Chunks written at once, each on its own thread and transaction; they still commit in file order. */
        Integer writers,
        /* Whether each resource a batch writes is validated against its Linkwell profile as it is stored. */
        Boolean validateWrites,
        /* Most errors returned by one GET of a batch's error report (page with offset). */
        Integer maxErrorsPerPage) {

    public CldBatchProperties {
        maxFileSize = maxFileSize == null ? DataSize.ofMegabytes(100) : maxFileSize;
        chunkSize = chunkSize == null ? 200 : chunkSize;
        bundleRows = bundleRows == null ? 100 : bundleRows;
        writers = writers == null ? 2 : writers;
        if (chunkSize < 1 || bundleRows < 1 || writers < 1) {
            throw new IllegalArgumentException(
                    "linkwell.socialcare.batch chunk-size, bundle-rows and writers must be at least 1");
        }
        validateWrites = validateWrites != null && validateWrites;
        maxErrorsPerPage = maxErrorsPerPage == null ? 10_000 : maxErrorsPerPage;
    }
}
