package uk.linkwell.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.PropertySourcesPlaceholdersResolver;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.io.ClassPathResource;
import org.yaml.snakeyaml.Yaml;

/**
 * There is no Docker engine here, so docker/compose.yaml is checked as data: compose's interpolation applied as
 * compose applies it, and the gateway's environment bound as Spring binds environment variables. It asks for its
 * passwords, starts without demo clients but with the operator's client, and publishes ports on 127.0.0.1.
 */
class DockerComposeSettingsTest {

    private static final Path DOCKER = Path.of("..", "docker");
    private static final String HASH = "$2y$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234";
    private static final Map<String, String> SET = Map.of(
            "LINKWELL_DB_PASSWORD", "not-a-default",
            "LINKWELL_OPERATOR_SECRET_BCRYPT", HASH,
            "LINKWELL_OPERATOR_ORGANISATION", "X26");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Z0-9_]+)(?::([-?])([^}]*))?}");

    /** Compose's {@code ${VAR}}, {@code ${VAR:-default}} and {@code ${VAR:?message}}, one pass as compose does. */
    private static String interpolate(String text, Map<String, String> environment) {
        Matcher m = VARIABLE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = environment.get(m.group(1));
            if (value == null || value.isEmpty()) {
                if ("?".equals(m.group(2))) {
                    throw new IllegalStateException("required variable " + m.group(1) + ": " + m.group(3));
                }
                value = "-".equals(m.group(2)) ? m.group(3) : "";
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        return m.appendTail(out).toString();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> compose(Map<String, String> environment) throws IOException {
        String text = Files.readString(DOCKER.resolve("compose.yaml"));
        // Comments are not interpolated by compose.
        String withoutComments = String.join(
                "\n", text.lines().filter(l -> !l.trim().startsWith("#")).toList());
        return new Yaml().load(interpolate(withoutComments, environment));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> service(Map<String, Object> compose, String name) {
        return (Map<String, Object>) ((Map<String, Object>) compose.get("services")).get(name);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> environment(Map<String, Object> service) {
        Map<String, String> env = new LinkedHashMap<>();
        ((Map<String, Object>) service.get("environment")).forEach((k, v) -> env.put(k, String.valueOf(v)));
        return env;
    }

    @Test
    void composeAsksForEveryPasswordAndSecretAndHasNoDefaults() throws IOException {
        for (String missing : SET.keySet()) {
            Map<String, String> partial = new LinkedHashMap<>(SET);
            partial.remove(missing);
            assertThatThrownBy(() -> compose(partial)).as(missing).hasMessageContaining(missing);
        }
        Map<String, Object> compose = compose(SET);
        assertThat(environment(service(compose, "postgres")).get("POSTGRES_PASSWORD"))
                .isEqualTo("not-a-default");
        assertThat(environment(service(compose, "gateway")).get("LINKWELL_DB_PASSWORD"))
                .isEqualTo("not-a-default");
    }

    @Test
    void theGatewayStartsWithTheOperatorsClientAndNoDemoClients() throws IOException {
        Map<String, String> env = environment(service(compose(SET), "gateway"));
        assertThat(env.get("SPRING_PROFILES_ACTIVE")).isEqualTo("postgres");
        MutablePropertySources sources = new MutablePropertySources();
        sources.addLast(new SystemEnvironmentPropertySource("systemEnvironment", new LinkedHashMap<>(env)));
        for (String file : List.of("application-postgres.yaml", "application.yaml")) {
            for (PropertySource<?> source : new YamlPropertySourceLoader().load(file, new ClassPathResource(file))) {
                sources.addLast(source);
            }
        }
        Binder binder = new Binder(
                ConfigurationPropertySources.from(sources), new PropertySourcesPlaceholdersResolver(sources));
        SecurityProperties security = binder.bind("linkwell.security", Bindable.of(SecurityProperties.class))
                .get();
        String url = binder.bind("spring.datasource.url", String.class).get();
        assertThat(url).startsWith("jdbc:postgresql:");

        ConfiguredClients clients = ConfiguredClients.of(security, url);
        assertThat(clients.demoClientsActive()).isFalse();
        assertThat(clients.all()).containsOnlyKeys("operator");
        SecurityProperties.Client operator = clients.all().get("operator");
        assertThat(operator.secret()).isEqualTo("{bcrypt}" + HASH);
        assertThat(operator.role()).isEqualTo("admin");
        assertThat(operator.organisation()).isEqualTo("X26");
        assertThat(operator.scopes()).containsExactly("system/*.cruds");
    }

    @Test
    @SuppressWarnings("unchecked")
    void portsArePublishedOnLoopbackUnlessToldOtherwise() throws IOException {
        assertThat((List<String>) service(compose(SET), "gateway").get("ports"))
                .containsExactly("127.0.0.1:8080:8080", "127.0.0.1:2575:2575");
        Map<String, String> everywhere = new LinkedHashMap<>(SET);
        everywhere.put("LINKWELL_BIND_ADDRESS", "0.0.0.0");
        assertThat((List<String>) service(compose(everywhere), "gateway").get("ports"))
                .containsExactly("0.0.0.0:8080:8080", "0.0.0.0:2575:2575");
        assertThat(service(compose(SET), "postgres")).doesNotContainKey("ports");
    }

    @Test
    void theImageBakesNoSecretAndHasTheDemoClientsOff() throws IOException {
        List<String> env = Files.readString(DOCKER.resolve("Dockerfile"))
                .lines()
                .filter(l -> l.startsWith("ENV ") || l.startsWith("ARG "))
                .toList();
        assertThat(env).contains("ENV LINKWELL_DEMO_CLIENTS=false");
        assertThat(env).noneMatch(l -> l.matches("(?i).*(secret|password|bcrypt).*"));
    }
}
