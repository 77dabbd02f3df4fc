package uk.linkwell.gateway.ingest.socialcare;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import uk.linkwell.mappings.socialcare.CaseEventMapper;

/** The case event mapper, shared by the reception (which checks each event) and the translator. */
@Configuration
public class SocialCareConfig {

    @Bean
    public CaseEventMapper caseEventMapper() {
        return new CaseEventMapper();
    }
}
