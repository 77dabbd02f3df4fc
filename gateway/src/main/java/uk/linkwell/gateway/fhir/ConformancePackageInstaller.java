package uk.linkwell.gateway.fhir;

import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.Measure;
import org.hl7.fhir.r4.model.Questionnaire;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.SearchParameter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import uk.linkwell.profiles.LinkwellPackage;

/**
 * Stores the Linkwell package's SearchParameters, StructureDefinitions, Questionnaires and Measures in the FHIR server at start-up,
 * so partners can read the profiles from {@code /fhir/StructureDefinition} and search on Linkwell's own
 * parameters. Unchanged resources are left alone, so a restart adds no versions.
 */
@Component
public class ConformancePackageInstaller {

    private static final Logger log = LoggerFactory.getLogger(ConformancePackageInstaller.class);

    private final LinkwellPackage conformancePackage;
    private final DaoRegistry daos;
    private final ISearchParamRegistry searchParamRegistry;
    private final JpaStorageSettings storageSettings;

    public ConformancePackageInstaller(
            LinkwellPackage conformancePackage,
            DaoRegistry daos,
            ISearchParamRegistry searchParamRegistry,
            JpaStorageSettings storageSettings) {
        this.storageSettings = storageSettings;
        this.conformancePackage = conformancePackage;
        this.daos = daos;
        this.searchParamRegistry = searchParamRegistry;
    }

    @EventListener(ApplicationReadyEvent.class)
    public void install() {
        List<Resource> resources = new ArrayList<>(conformancePackage.searchParameters());
        resources.addAll(conformancePackage.structureDefinitions());
        // The questions apps ask (the ONS4 wellbeing questions), readable at /fhir/Questionnaire/<id>.
        resources.addAll(conformancePackage.ofType(Questionnaire.class));
        // The service's figures, evaluated at /fhir/Measure/<id>/$evaluate-measure.
        resources.addAll(conformancePackage.ofType(Measure.class));
        int stored = 0;
        for (Resource resource : resources) {
            if (!isStored(resource)) {
                // A changed SearchParameter needs its type's resources reindexed only if there are any (not on a
                // new database, where HAPI would otherwise queue a job per parameter that finds nothing).
                store(resource, resource instanceof SearchParameter sp && anyStored(sp));
                stored++;
            }
        }
        int total = resources.size();
        searchParamRegistry.forceRefresh();
        log.info(
                "Linkwell package {} {}: {} of {} conformance resources stored",
                conformancePackage.name(),
                conformancePackage.version(),
                stored,
                total);
    }

    private boolean anyStored(SearchParameter searchParameter) {
        for (var base : searchParameter.getBase()) {
            if (daos.isResourceTypeSupported(base.getCode())) {
                SearchParameterMap one = SearchParameterMap.newSynchronous();
                one.setLoadSynchronousUpTo(1);
                if (!daos.getResourceDao(base.getCode())
                        .searchForResourceIds(one, new SystemRequestDetails())
                        .isEmpty()) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Whether the store already holds this resource as it is (meta aside), so a restart adds no versions. */
    private boolean isStored(Resource resource) {
        Resource candidate = withoutMeta(resource);
        try {
            Resource existing =
                    dao(resource).read(candidate.getIdElement().toUnqualifiedVersionless(), new SystemRequestDetails());
            Resource comparable = withoutMeta(existing);
            comparable.setIdElement(candidate.getIdElement());
            return comparable.equalsDeep(candidate);
        } catch (ResourceNotFoundException | ResourceGoneException e) {
            return false;
        }
    }

    /** @param reindex whether HAPI should reindex the resources a changed SearchParameter applies to */
    private void store(Resource resource, boolean reindex) {
        // HAPI reads this setting when the SearchParameter is stored, on this thread; nothing else stores
        // SearchParameters while the gateway is becoming ready.
        boolean reindexOnChange = storageSettings.isMarkResourcesForReindexingUponSearchParameterChange();
        storageSettings.setMarkResourcesForReindexingUponSearchParameterChange(reindexOnChange && reindex);
        try {
            dao(resource).update(withoutMeta(resource), new SystemRequestDetails());
        } finally {
            storageSettings.setMarkResourcesForReindexingUponSearchParameterChange(reindexOnChange);
        }
    }

    private static Resource withoutMeta(Resource resource) {
        Resource copy = resource.copy();
        copy.setMeta(null);
        return copy;
    }

    @SuppressWarnings("unchecked")
    private IFhirResourceDao<Resource> dao(Resource resource) {
        return (IFhirResourceDao<Resource>) daos.getResourceDao(resource.fhirType());
    }
}
