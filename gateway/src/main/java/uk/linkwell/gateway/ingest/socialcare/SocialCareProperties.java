package uk.linkwell.gateway.ingest.socialcare;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** Settings of the social-care case event door ({@code POST /socialcare/events}), under {@code linkwell.socialcare}. */
@ConfigurationProperties(prefix = "linkwell.socialcare")
public record SocialCareProperties(
        /* Largest request body accepted (bytes); a larger one gets 413 and is stored rejected with its first 64 KiB. */
        Integer maxBodyBytes) {

    public SocialCareProperties {
        maxBodyBytes = maxBodyBytes == null ? 10 * 1024 * 1024 : maxBodyBytes;
    }
}
