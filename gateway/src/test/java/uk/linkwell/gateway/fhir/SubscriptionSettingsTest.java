package uk.linkwell.gateway.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.io.ClassPathResource;

/**
 * What the shipped configuration allows for Subscriptions (the shared test context widens it to test the rules):
 * only admin creates one, and no endpoint is open to anyone else.
 */
class SubscriptionSettingsTest {

    @Test
    void theShippedConfigurationLetsAdminAloneCreateSubscriptions() throws Exception {
        var yaml = new YamlPropertySourceLoader().load("application", new ClassPathResource("application.yaml"));
        FhirProperties fhir = new Binder(ConfigurationPropertySources.from(yaml))
                .bind("linkwell.fhir", FhirProperties.class)
                .get();
        assertThat(fhir.subscriptions().roles()).containsExactly("admin");
        assertThat(fhir.subscriptions().allowedEndpoints()).isEmpty();
    }

    @Test
    void withoutTheKeysTheDefaultsAreTheSame() {
        FhirProperties.Subscriptions unset =
                new FhirProperties(null, null, null, null, null, null, null).subscriptions();
        assertThat(unset.roles()).containsExactly("admin");
        assertThat(unset.allowedEndpoints()).isEmpty();
        assertThat(new FhirProperties.Subscriptions(null, List.of("", "https://hooks.example/")).allowedEndpoints())
                .containsExactly("https://hooks.example/");
    }
}
