package uk.linkwell.profiles;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.FhirVersionEnum;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.SearchParameter;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.hl7.fhir.r4.model.ValueSet;

/** The linkwell.fhir.r4 conformance package, read from the classpath with no network. */
public final class LinkwellPackage {

    /** Classpath folder of the NPM-style package (package.json and the resources). */
    public static final String CLASSPATH_FOLDER = "linkwell-package/package/";

    /** Canonical base of every Linkwell-owned conformance resource. */
    public static final String CANONICAL_BASE = "https://fhir.linkwell.example";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final String version;
    private final List<Resource> resources;

    private LinkwellPackage(String name, String version, List<Resource> resources) {
        this.name = name;
        this.version = version;
        this.resources = List.copyOf(resources);
    }

    /**
     * Reads package.json and every file named in the package's .index.json (the NPM FHIR package
     * index), because a classpath folder inside a jar cannot be listed portably.
     */
    public static LinkwellPackage load(FhirContext fhirContext) {
        if (fhirContext.getVersion().getVersion() != FhirVersionEnum.R4) {
            throw new IllegalArgumentException("Linkwell package is FHIR R4; got "
                    + fhirContext.getVersion().getVersion());
        }
        JsonNode manifest = readJson("package.json");
        JsonNode index = readJson(".index.json");
        var parser = fhirContext.newJsonParser();
        List<Resource> loaded = new ArrayList<>();
        for (JsonNode file : index.path("files")) {
            String filename = file.path("filename").asText();
            IBaseResource parsed = parser.parseResource(readText(filename));
            loaded.add((Resource) parsed);
        }
        return new LinkwellPackage(
                manifest.path("name").asText(), manifest.path("version").asText(), loaded);
    }

    /** Package name from package.json, {@code linkwell.fhir.r4}. */
    public String name() {
        return name;
    }

    /** Package version from package.json. */
    public String version() {
        return version;
    }

    /** Every conformance resource in the package, in index order. */
    public List<Resource> resources() {
        return resources;
    }

    /** The package's resources of one type, e.g. {@code ofType(ValueSet.class)}. */
    public <T extends Resource> List<T> ofType(Class<T> type) {
        return resources.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** Resource ids grouped by resource type name, for listings and diagnostics. */
    public Map<String, List<String>> idsByType() {
        Map<String, List<String>> byType = new TreeMap<>();
        for (Resource r : resources) {
            byType.computeIfAbsent(r.fhirType(), k -> new ArrayList<>())
                    .add(r.getIdElement().getIdPart());
        }
        return byType;
    }

    /** Profiles and extension definitions, differential only (snapshots come from {@link LinkwellValidationSupport}). */
    public List<StructureDefinition> structureDefinitions() {
        return ofType(StructureDefinition.class);
    }

    public List<ValueSet> valueSets() {
        return ofType(ValueSet.class);
    }

    public List<CodeSystem> codeSystems() {
        return ofType(CodeSystem.class);
    }

    /** The search parameters partners need and core FHIR lacks; the gateway stores these on start-up. */
    public List<SearchParameter> searchParameters() {
        return ofType(SearchParameter.class);
    }

    private static JsonNode readJson(String filename) {
        try {
            return JSON.readTree(readText(filename));
        } catch (IOException e) {
            throw new UncheckedIOException("Unreadable " + CLASSPATH_FOLDER + filename, e);
        }
    }

    private static String readText(String filename) {
        String path = CLASSPATH_FOLDER + filename;
        try (InputStream in = LinkwellPackage.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("Missing from the classpath: " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Unreadable " + path, e);
        }
    }
}
