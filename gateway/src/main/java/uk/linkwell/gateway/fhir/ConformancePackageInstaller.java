package uk.linkwell.gateway.fhir;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import uk.linkwell.profiles.LinkwellPackage;

/**
 * Stores the Linkwell package's SearchParameters and StructureDefinitions in the FHIR server at start-up,
 * so partners can read the profiles from {@code /fhir/StructureDefinition} and search on Linkwell's own
 * parameters. Unchanged resources are left alone, so a restart adds no versions.
 */
@Component
public class ConformancePackageInstaller {

    private static final Logger log = LoggerFactory.getLogger(ConformancePackageInstaller.class);

    private final LinkwellPackage conformancePackage;
    private final DaoRegistry daos;
    private final ISearchParamRegistry searchParamRegistry;

    public ConformancePackageInstaller(LinkwellPackage conformancePackage, DaoRegistry daos,
            ISearchParamRegistry searchParamRegistry) {
        this.conformancePackage = conformancePackage;
        this.daos = daos;
        this.searchParamRegistry = searchParamRegistry;
    }

    @EventListener(ApplicationReadyEvent.class)
    public void install() {
        List<Resource> resources = new ArrayList<>(conformancePackage.searchParameters());
        resources.addAll(conformancePackage.structureDefinitions());
        int stored = 0;
        for (Resource resource : resources) {
            if (storeIfChanged(resource)) {
                stored++;
            }
        }
        searchParamRegistry.forceRefresh();
        log.info("Linkwell package {} {}: {} of {} conformance resources stored", conformancePackage.name(),
                conformancePackage.version(), stored, resources.size());
    }

    @SuppressWarnings("unchecked")
    private boolean storeIfChanged(Resource resource) {
        IFhirResourceDao<Resource> dao = (IFhirResourceDao<Resource>) daos.getResourceDao(resource.fhirType());
        Resource candidate = resource.copy();
        candidate.setMeta(null);
        try {
            Resource existing = dao.read(candidate.getIdElement().toUnqualifiedVersionless(), new SystemRequestDetails());
            Resource comparable = existing.copy();
            comparable.setMeta(null);
            comparable.setIdElement(candidate.getIdElement());
            if (comparable.equalsDeep(candidate)) {
                return false;
            }
        } catch (ResourceNotFoundException | ResourceGoneException e) {
            // not stored yet
        }
        dao.update(candidate, new SystemRequestDetails());
        return true;
    }
}
