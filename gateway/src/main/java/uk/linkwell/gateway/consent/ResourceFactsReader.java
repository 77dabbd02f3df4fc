package uk.linkwell.gateway.consent;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeResourceDefinition;
import ca.uhn.fhir.context.RuntimeSearchParam;
import ca.uhn.fhir.util.FhirTerser;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.hl7.fhir.instance.model.api.IBaseCoding;
import org.hl7.fhir.instance.model.api.IBaseReference;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;

/**
 * Reads the {@link ResourceFacts} the engine needs off a FHIR resource: its patient (through the type's
 * {@code patient}/{@code subject} search path, Task.for, or Binary.securityContext), security labels, the
 * author-organisation tag (see {@link AuthorOrganisationStamp}), the organisations it is addressed to (a referral's
 * performer, a task's owner, a communication's recipient, the organisation managing an episode or care team), and
 * the risk marker.
 */
public final class ResourceFactsReader {

    /** Where each type names the organisations it is addressed to. */
    private static final Map<String, List<String>> ADDRESSEE_PATHS = Map.of(
            "ServiceRequest", List.of("performer"),
            "Task", List.of("owner"),
            "Communication", List.of("recipient"),
            "EpisodeOfCare", List.of("managingOrganization"),
            "CareTeam", List.of("managingOrganization"));

    private final FhirContext fhirContext;
    private final FhirTerser terser;
    private final String riskSystem;
    private final String riskCode;
    private final Map<String, List<String>> patientPaths = new ConcurrentHashMap<>();

    public ResourceFactsReader(FhirContext fhirContext, ConsentPolicy policy) {
        this.fhirContext = fhirContext;
        this.terser = fhirContext.newTerser();
        this.riskSystem = policy.riskMarkerSystem();
        this.riskCode = policy.riskMarkerCode();
    }

    public ResourceFacts read(IBaseResource resource, ActorDirectory directory) {
        String type = fhirContext.getResourceType(resource);
        IIdType id = resource.getIdElement();
        String reference = id.hasIdPart() ? type + "/" + id.getIdPart() : type;
        Set<String> labels = new LinkedHashSet<>();
        boolean risk = false;
        for (IBaseCoding c : resource.getMeta().getSecurity()) {
            labels.add(c.getCode());
            risk |= isRiskMarker(c);
        }
        String author = null;
        String authorRole = null;
        for (IBaseCoding c : resource.getMeta().getTag()) {
            if (AuthorOrganisationStamp.TAG_SYSTEM.equals(c.getSystem())) {
                author = c.getCode();
            }
            if (AuthorOrganisationStamp.ROLE_TAG_SYSTEM.equals(c.getSystem())) {
                authorRole = c.getCode();
            }
            risk |= isRiskMarker(c);
        }
        Set<String> addressedTo = new LinkedHashSet<>();
        for (String path : ADDRESSEE_PATHS.getOrDefault(type, List.of())) {
            for (IBaseReference ref : terser.getValues(resource, path, IBaseReference.class)) {
                IIdType target = ref.getReferenceElement();
                if ("Organization".equals(target.getResourceType()) && target.hasIdPart()) {
                    directory.odsCodeOf("Organization/" + target.getIdPart()).ifPresent(addressedTo::add);
                }
            }
        }
        return new ResourceFacts(
                type, reference, patientOf(type, resource, id), labels, author, addressedTo, risk, authorRole);
    }

    private boolean isRiskMarker(IBaseCoding c) {
        return riskCode.equals(c.getCode()) && (riskSystem == null || riskSystem.equals(c.getSystem()));
    }

    private String patientOf(String type, IBaseResource resource, IIdType id) {
        if ("Patient".equals(type)) {
            return id.hasIdPart() ? "Patient/" + id.getIdPart() : null;
        }
        for (String path : patientPaths.computeIfAbsent(type, this::pathsFor)) {
            for (IBaseReference ref : terser.getValues(resource, path, IBaseReference.class)) {
                IIdType target = ref.getReferenceElement();
                if ("Patient".equals(target.getResourceType()) && target.hasIdPart()) {
                    return "Patient/" + target.getIdPart();
                }
            }
        }
        return null;
    }

    /** FHIRPath-ish paths of the type's patient/subject search parameters, reduced to terser paths. */
    private List<String> pathsFor(String type) {
        if ("Task".equals(type)) {
            return List.of("for");
        }
        if ("Binary".equals(type)) {
            // A Binary has no patient search parameter; its securityContext names whose record it is (an embedded
            // discharge letter's is the Patient), and without it the engine would take the bytes for no one's data.
            return List.of("securityContext");
        }
        RuntimeResourceDefinition def = fhirContext.getResourceDefinition(type);
        List<String> paths = new java.util.ArrayList<>();
        for (String name : List.of("patient", "subject", "beneficiary")) {
            RuntimeSearchParam param = def.getSearchParam(name);
            if (param == null) {
                continue;
            }
            for (String p : param.getPathsSplit()) {
                String clean = p.trim();
                if (clean.startsWith("(")) {
                    clean = clean.substring(1);
                }
                int as = clean.indexOf(" as ");
                if (as > 0) {
                    clean = clean.substring(0, as);
                }
                clean = clean.replaceAll("\\.where\\(.*\\)$", "").replace(")", "");
                if (clean.startsWith(type + ".")) {
                    String path = clean.substring(type.length() + 1);
                    if (path.matches("[A-Za-z.]+") && !paths.contains(path)) {
                        paths.add(path);
                    }
                }
            }
        }
        return List.copyOf(paths);
    }
}
