package uk.linkwell.gateway.testsupport;

import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.servlet.context.ServletWebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import uk.linkwell.gateway.GatewayApplication;

/**
 * Gateways that benchmarks compare side by side in one JVM on one database: neither takes the MLLP port, neither
 * applies inbound messages, and each differs from the other only by the settings the benchmark passes.
 */
public final class BenchGateways {

    private BenchGateways() {}

    /** A gateway on {@code db} with its own data folder and these further {@code --key=value} settings. */
    public static ConfigurableApplicationContext start(
            PostgresTestDatabase.Connection db, Path dataDir, List<String> settings) {
        List<String> args = new ArrayList<>(List.of(
                "--server.port=0",
                "--spring.datasource.url=" + db.jdbcUrl(),
                "--spring.datasource.username=" + db.username(),
                "--spring.datasource.password=" + db.password(),
                "--linkwell.data-dir=" + dataDir,
                "--linkwell.hospital.mllp.enabled=false",
                "--linkwell.ingest.worker-enabled=false",
                "--logging.level.root=WARN"));
        args.addAll(settings);
        return new SpringApplicationBuilder(GatewayApplication.class).run(args.toArray(String[]::new));
    }

    /** The gateway's token signing key, to mint tokens for any role. */
    @SuppressWarnings("unchecked")
    public static JWKSource<SecurityContext> keys(ConfigurableApplicationContext app) {
        return app.getBean(JWKSource.class);
    }

    /** The gateway's base URL, e.g. {@code http://localhost:41234}. */
    public static String base(ConfigurableApplicationContext app) {
        return "http://localhost:"
                + ((ServletWebServerApplicationContext) app).getWebServer().getPort();
    }
}
