package uk.linkwell.gateway.ingest.socialcare;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** Settings of the social-care case event door ({@code POST /socialcare/events}), under {@code linkwell.socialcare}. */
@ConfigurationProperties(prefix = "linkwell.socialcare")
public record SocialCareProperties(
        /* Largest request body accepted (bytes); a larger one gets 413 and is stored rejected with its first 64 KiB. */
        Integer maxBodyBytes,
        /* By council ODS code: the teams that work for it (see Council). */
        Map<String, Council> councils) {

    public SocialCareProperties {
        maxBodyBytes = maxBodyBytes == null ? 10 * 1024 * 1024 : maxBodyBytes;
        councils = councils == null ? Map.of() : Map.copyOf(councils);
    }

    /**
     * One council as the gateway knows it.
     *
     * @param teams ODS codes of the teams that work for the council (e.g. its adult care management team, which
     *              receives hospital discharges): a referral or discharge follow-up addressed to one of them counts
     *              as addressed to the council when its case events are matched to a person
     */
    public record Council(List<String> teams) {

        public Council {
            teams = teams == null ? List.of() : List.copyOf(teams);
        }
    }

    /** The council's own ODS code and those of the teams that work for it. */
    public Set<String> codesOf(String council) {
        Set<String> codes = new LinkedHashSet<>();
        codes.add(council);
        Council known = councils.get(council);
        if (known != null) {
            codes.addAll(known.teams());
        }
        return codes;
    }
}
