package uk.linkwell.gateway.ingest.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import uk.linkwell.gateway.ingest.IngestProperties;

/**
 * The name this gateway instance signs its claims on stored messages with, the same after a restart: set by
 * {@code linkwell.ingest.instance-id}, or made once and kept in the data folder. A restarted instance knows its
 * own earlier claims by it and takes them back at once instead of waiting for their leases to lapse.
 */
@Component
public class InstanceIdentity {

    static final String FILE = "ingest-instance-id";

    private final String id;

    public InstanceIdentity(IngestProperties properties, @Value("${linkwell.data-dir:./data}") String dataDir) {
        this.id = properties.instanceId().isEmpty() ? kept(Path.of(dataDir).resolve(FILE)) : properties.instanceId();
    }

    public String id() {
        return id;
    }

    private static String kept(Path file) {
        try {
            if (Files.exists(file)) {
                String stored = Files.readString(file, StandardCharsets.UTF_8).trim();
                if (!stored.isEmpty()) {
                    return stored;
                }
            }
            Files.createDirectories(file.getParent());
            String made = host() + "-" + UUID.randomUUID().toString().substring(0, 8);
            Files.writeString(file, made + "\n", StandardCharsets.UTF_8);
            return made;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the instance id in " + file, e);
        }
    }

    private static String host() {
        try {
            String name = InetAddress.getLocalHost().getHostName();
            return name.length() > 40 ? name.substring(0, 40) : name;
        } catch (IOException e) {
            return "gateway";
        }
    }
}
