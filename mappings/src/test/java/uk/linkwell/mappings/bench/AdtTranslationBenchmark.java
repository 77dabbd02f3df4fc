package uk.linkwell.mappings.bench;

import io.github.linuxforhealth.hl7.ConverterOptions;
import io.github.linuxforhealth.hl7.HL7ToFHIRConverter;
import io.github.linuxforhealth.hl7.message.HL7MessageEngine;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.hl7.fhir.r4.model.Bundle;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import uk.linkwell.mappings.MappingContext;
import uk.linkwell.mappings.hl7v2.AdtMapper;
import uk.linkwell.mappings.hl7v2.AdtMappingConfig;
import uk.linkwell.mappings.hl7v2.Hl7MappingException;

/**
 * ADT^A03 to FHIR R4 Bundle, ours against LinuxForHealth's hl7v2-fhir-converter, on the same messages:
 * each operation translates the next of the golden A03 inputs into a Bundle object (no serialisation on
 * either side). Both translators are built once per trial, as a server would hold them.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class AdtTranslationBenchmark {

    /** The golden A03 inputs (v2.3, v2.5, v2.5.1); AdtTranslationBenchmarkTest checks this list is complete. */
    public static final List<String> A03_MESSAGES =
            List.of("adt-a03-v23-pathway0", "adt-a03-v25-pathway3", "adt-a03-v251-pathway1");

    private static final MappingContext CONTEXT = new MappingContext("bench", Instant.parse("2026-11-26T09:00:00Z"));

    private String[] messages;
    private int next;
    private AdtMapper ours;
    private HL7ToFHIRConverter theirs;
    private ConverterOptions theirOptions;
    private HL7MessageEngine theirEngine;

    @Setup
    public void setUp() {
        messages = A03_MESSAGES.stream().map(AdtTranslationBenchmark::message).toArray(String[]::new);
        ours = new AdtMapper(config());
        theirs = new HL7ToFHIRConverter();
        theirOptions = theirOptions();
        theirEngine = theirEngine(theirOptions);
    }

    @Benchmark
    public Bundle linkwell() throws Hl7MappingException {
        return ours.map(nextMessage(), CONTEXT);
    }

    @Benchmark
    public Bundle linuxForHealth() {
        return theirs.convertToBundle(nextMessage(), theirOptions, theirEngine);
    }

    private String nextMessage() {
        String message = messages[next];
        next = (next + 1) % messages.length;
        return message;
    }

    /** The configuration of the golden-file tests. */
    public static AdtMappingConfig config() {
        return AdtMappingConfig.builder()
                .careTeam("X26CMT", "Adult Care Management Team 2")
                .build();
    }

    /** LinuxForHealth's options as its own convert(String) uses them, but for a transaction Bundle like ours. */
    public static ConverterOptions theirOptions() {
        return new ConverterOptions.Builder()
                .withBundleType(Bundle.BundleType.TRANSACTION)
                .build();
    }

    /** What LinuxForHealth's convert(String) builds for every call; built once here so it is not timed. */
    public static HL7MessageEngine theirEngine(ConverterOptions options) {
        return new HL7MessageEngine(
                new io.github.linuxforhealth.fhir.FHIRContext(
                        options.isPrettyPrint(),
                        options.isValidateResource(),
                        options.getProperties(),
                        options.getZoneIdText()),
                options.getBundleType());
    }

    /** A golden input from the test classpath, with CR segment terminators (the wire form; both accept it). */
    public static String message(String name) {
        try (InputStream in = AdtTranslationBenchmark.class.getResourceAsStream("/hl7v2/adt/" + name + ".hl7")) {
            if (in == null) {
                throw new IllegalStateException("no golden input " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .strip()
                    .replace("\r\n", "\r")
                    .replace('\n', '\r');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
