package uk.linkwell.profiles;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.context.support.ValidationSupportContext;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.PrePopulatedValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StructureDefinition;

/** Builds the offline HAPI validation-support chain: R4 core, the Linkwell package, in-memory terminology. */
public final class LinkwellValidationSupport {

    private final IValidationSupport chain;
    private final List<StructureDefinition> snapshots;

    private LinkwellValidationSupport(IValidationSupport chain, List<StructureDefinition> snapshots) {
        this.chain = chain;
        this.snapshots = List.copyOf(snapshots);
    }

    /**
     * Generates the snapshot of every package StructureDefinition once, at start-up, then returns a
     * cached chain holding the snapshot versions, so no validation call pays for snapshot generation.
     */
    public static LinkwellValidationSupport create(FhirContext fhirContext, LinkwellPackage pkg) {
        PrePopulatedValidationSupport differentials = prePopulated(fhirContext, pkg.resources());
        SnapshotGeneratingValidationSupport snapshotGenerator = new SnapshotGeneratingValidationSupport(fhirContext);
        // No cache while generating: each generated extension replaces its differential-only version.
        ValidationSupportChain bootstrap = new ValidationSupportChain(
                ValidationSupportChain.CacheConfiguration.disabled(),
                new DefaultProfileValidationSupport(fhirContext),
                differentials,
                new CommonCodeSystemsTerminologyService(fhirContext),
                new InMemoryTerminologyServerValidationSupport(fhirContext),
                snapshotGenerator);
        ValidationSupportContext context = new ValidationSupportContext(bootstrap);

        List<StructureDefinition> generated = new ArrayList<>();
        for (StructureDefinition differential : extensionsFirst(pkg.structureDefinitions())) {
            StructureDefinition withSnapshot = (StructureDefinition) snapshotGenerator.generateSnapshot(
                    context, differential.copy(), differential.getUrl(), null, differential.getName());
            if (withSnapshot == null || !withSnapshot.hasSnapshot()) {
                throw new IllegalStateException("No snapshot generated for " + differential.getUrl());
            }
            differentials.addStructureDefinition(withSnapshot);
            generated.add(withSnapshot);
        }

        List<Resource> finalResources = new ArrayList<>(pkg.resources());
        finalResources.removeIf(StructureDefinition.class::isInstance);
        finalResources.addAll(generated);
        IValidationSupport chain = new ValidationSupportChain(
                ValidationSupportChain.CacheConfiguration.defaultValues(),
                new DefaultProfileValidationSupport(fhirContext),
                prePopulated(fhirContext, finalResources),
                new CommonCodeSystemsTerminologyService(fhirContext),
                new InMemoryTerminologyServerValidationSupport(fhirContext),
                new SnapshotGeneratingValidationSupport(fhirContext));
        return new LinkwellValidationSupport(chain, generated);
    }

    /** The cached chain to give to a FhirInstanceValidator (or to HAPI's JPA validation). */
    public IValidationSupport chain() {
        return chain;
    }

    /** The package's StructureDefinitions with generated snapshots, e.g. for storing in the FHIR server. */
    public List<StructureDefinition> structureDefinitionsWithSnapshots() {
        return snapshots;
    }

    private static PrePopulatedValidationSupport prePopulated(FhirContext fhirContext, List<Resource> resources) {
        PrePopulatedValidationSupport support = new PrePopulatedValidationSupport(fhirContext);
        resources.forEach(support::addResource);
        return support;
    }

    // Profiles use the package's extensions, so those need their snapshots first.
    private static List<StructureDefinition> extensionsFirst(List<StructureDefinition> definitions) {
        return definitions.stream()
                .sorted(Comparator.comparing((StructureDefinition sd) -> !"Extension".equals(sd.getType())))
                .toList();
    }
}
