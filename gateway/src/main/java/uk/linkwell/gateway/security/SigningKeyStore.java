package uk.linkwell.gateway.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.text.ParseException;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded authorization server's RSA signing key, generated on first start and kept as a JWK file under
 * {@code linkwell.data-dir}, so tokens issued before a restart still verify after it.
 */
public final class SigningKeyStore {

    private static final Logger log = LoggerFactory.getLogger(SigningKeyStore.class);
    static final String FILE_NAME = "token-signing-key.jwk.json";

    private SigningKeyStore() {}

    public static RSAKey loadOrCreate(Path dataDir) {
        Path file = dataDir.resolve("security").resolve(FILE_NAME);
        try {
            if (Files.exists(file)) {
                RSAKey key = JWKSet.parse(Files.readString(file, StandardCharsets.UTF_8))
                        .getKeys()
                        .get(0)
                        .toRSAKey();
                log.info("Token signing key {} loaded from {}", key.getKeyID(), file);
                return key;
            }
            RSAKey key = new RSAKeyGenerator(2048)
                    .keyUse(KeyUse.SIGNATURE)
                    .keyID(UUID.randomUUID().toString())
                    .generate();
            write(file, new JWKSet(key).toString(false));
            log.info("Token signing key {} generated and stored in {}", key.getKeyID(), file);
            return key;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read or write the token signing key at " + file, e);
        } catch (ParseException | JOSEException e) {
            throw new IllegalStateException("The token signing key at " + file + " is not a usable RSA JWK", e);
        }
    }

    /** Written to a temporary file and moved into place, so a crash never leaves half a key. */
    private static void write(Path file, String json) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = Files.createTempFile(file.getParent(), "key", ".tmp");
        try {
            // The private key: readable by the gateway's user only, where the file system allows it.
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            log.debug("File system without POSIX permissions; relying on the data folder's protection");
        }
        Files.writeString(tmp, json, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    }
}
