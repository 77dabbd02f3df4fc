package uk.linkwell.gateway;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The gateway's capability packages ({@code fhir}, {@code hapi}, {@code ingest}, ...) depend on each other without cycles. */
class PackageCyclesTest {

    @Test
    void capabilityPackagesAreFreeOfCycles() {
        JavaClasses main = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("uk.linkwell.gateway");
        slices().matching("uk.linkwell.gateway.(*)..").should().beFreeOfCycles().check(main);
    }
}
