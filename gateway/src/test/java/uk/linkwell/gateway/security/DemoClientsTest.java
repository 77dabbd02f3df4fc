package uk.linkwell.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.PropertySourcesPlaceholdersResolver;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ClassPathResource;

/** Demo clients (published secrets) belong to the embedded H2 database; elsewhere only when told in so many words. */
class DemoClientsTest {

    private static final String H2 = "jdbc:h2:file:./data/linkwell;DB_CLOSE_ON_EXIT=FALSE";
    private static final String POSTGRES = "jdbc:postgresql://db.example:5432/linkwell?password=hunter2";
    private static final Map<String, SecurityProperties.Client> DEMO = Map.of(
            "demo-admin",
            new SecurityProperties.Client("{bcrypt}x", "admin", "Y90001", List.of("system/*.cruds"), null));

    private static SecurityProperties properties(Boolean enabled, boolean onAnyDatabase) {
        return new SecurityProperties(
                true,
                false,
                new SecurityProperties.AuthorizationServer(true, "", Duration.ofMinutes(5), Duration.ofHours(8)),
                Map.of(),
                enabled,
                DEMO,
                onAnyDatabase,
                Duration.ofSeconds(30),
                null,
                Duration.ofSeconds(60),
                new SecurityProperties.VerifiedTokenCache(10, Duration.ofMinutes(10)),
                null,
                null,
                null,
                null,
                new SecurityProperties.ExternalClaims("role", "org", "practitioner"));
    }

    @Test
    void unsetTheyAreOnWithTheEmbeddedH2AndOffElsewhere() {
        assertThat(DemoClients.enabled(properties(null, false), H2)).isTrue();
        assertThat(DemoClients.enabled(properties(null, false), "jdbc:h2:mem:tour"))
                .isTrue();
        assertThat(DemoClients.enabled(properties(null, false), POSTGRES)).isFalse();
        // An H2 server over the network is a database other machines share, not the embedded one.
        assertThat(DemoClients.enabled(properties(null, false), "jdbc:h2:tcp://db.example/linkwell"))
                .isFalse();
    }

    @Test
    void turnedOffTheyAreOffEverywhere() {
        assertThat(DemoClients.enabled(properties(false, false), H2)).isFalse();
        assertThat(DemoClients.enabled(properties(false, true), POSTGRES)).isFalse();
    }

    @Test
    void turnedOnOnPostgresTheStartIsRefusedSayingHowToProceed() {
        assertThatThrownBy(() -> DemoClients.enabled(properties(true, false), POSTGRES))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Refusing to start")
                .hasMessageContaining("demo-admin")
                .hasMessageContaining("jdbc:postgresql")
                .hasMessageContaining("LINKWELL_DEMO_CLIENTS=false")
                .hasMessageContaining("linkwell.security.clients")
                .hasMessageContaining("linkwell.security.demo-clients-on-any-database=true")
                // The URL's host and password stay out of the message.
                .message()
                .doesNotContain("db.example")
                .doesNotContain("hunter2");
    }

    @Test
    void turnedOnOnPostgresWithTheExplicitOverrideTheyAreOn() {
        assertThat(DemoClients.enabled(properties(true, true), POSTGRES)).isTrue();
    }

    @Test
    void theShippedDefaultsAreAutomaticAndTheDemoProfileSaysSoInSoManyWords() throws IOException {
        SecurityProperties defaults = bind("application.yaml");
        assertThat(defaults.demoClientsEnabled()).isNull();
        assertThat(defaults.demoClientsOnAnyDatabase()).isFalse();
        assertThat(defaults.demoClients()).containsKeys("demo-admin", "demo-gp");
        assertThat(defaults.clockSkew()).isEqualTo(Duration.ofSeconds(30));
        assertThat(defaults.authorizationServer().tokenTtl()).isEqualTo(Duration.ofMinutes(5));
        assertThat(ConfiguredClients.of(defaults, H2).all()).containsKey("demo-admin");
        assertThat(ConfiguredClients.of(defaults, POSTGRES).all()).doesNotContainKey("demo-admin");
        // The demo link worker and their app follow the same rule.
        assertThat(ConfiguredUsers.of(defaults, H2).get("demo-worker")).isPresent();
        assertThat(ConfiguredUsers.of(defaults, POSTGRES).get("demo-worker")).isEmpty();
        assertThat(ConfiguredClients.of(defaults, H2)
                        .app("demo-app")
                        .orElseThrow()
                        .redirectUris())
                .containsExactly("http://localhost:8080/app/", "http://127.0.0.1/callback");
        assertThat(ConfiguredClients.of(defaults, POSTGRES).apps()).isEmpty();
        assertThat(defaults.authorizationServer().refreshTokenTtl()).isEqualTo(Duration.ofHours(8));

        SecurityProperties demo = bind("application-demo.yaml", "application.yaml");
        assertThat(ConfiguredClients.of(demo, POSTGRES).all()).containsKey("demo-admin");
    }

    @Test
    void aClockSkewOverThirtySecondsIsRefused() {
        assertThatThrownBy(() -> new SecurityProperties(
                        true,
                        false,
                        new SecurityProperties.AuthorizationServer(
                                true, "", Duration.ofMinutes(5), Duration.ofHours(8)),
                        Map.of(),
                        null,
                        DEMO,
                        false,
                        Duration.ofSeconds(60),
                        null,
                        Duration.ofSeconds(60),
                        new SecurityProperties.VerifiedTokenCache(10, Duration.ofMinutes(10)),
                        null,
                        null,
                        null,
                        null,
                        new SecurityProperties.ExternalClaims("role", "org", "practitioner")))
                .hasMessageContaining("clock-skew");
    }

    /** The files as shipped, earlier ones outranking later ones, placeholders at their defaults. */
    private static SecurityProperties bind(String... files) throws IOException {
        MutablePropertySources sources = new MutablePropertySources();
        for (String file : files) {
            for (PropertySource<?> source : new YamlPropertySourceLoader().load(file, new ClassPathResource(file))) {
                sources.addLast(source);
            }
        }
        Binder binder = new Binder(
                ConfigurationPropertySources.from(sources), new PropertySourcesPlaceholdersResolver(sources));
        return binder.bind("linkwell.security", Bindable.of(SecurityProperties.class))
                .get();
    }
}
