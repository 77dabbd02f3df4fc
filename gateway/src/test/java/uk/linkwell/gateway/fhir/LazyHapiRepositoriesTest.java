package uk.linkwell.gateway.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.jpa.dao.data.IBulkImportJobFileDao;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.repository.support.DomainClassConverter;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;

/** HAPI's repositories are created when first used, not all at start-up, and still work when they are. */
class LazyHapiRepositoriesTest extends GatewayIntegrationTest {

    @Autowired
    ConfigurableApplicationContext context;

    @Test
    void repositoriesNobodyUsedAreNotCreatedAndAreWhenAskedFor() {
        ConfigurableListableBeanFactory beans = context.getBeanFactory();
        List<String> declared = new ArrayList<>();
        List<String> created = new ArrayList<>();
        String bulkImportFiles = null;
        for (String name : beans.getBeanDefinitionNames()) {
            String repository = LazyHapiRepositories.hapiRepositoryInterface(
                    beans.getBeanDefinition(name), beans.getBeanClassLoader());
            if (repository == null) {
                continue;
            }
            assertThat(beans.getBeanDefinition(name).isLazyInit()).as(name).isTrue();
            declared.add(name);
            if (beans.containsSingleton(name)) {
                created.add(name);
            }
            if (repository.equals(IBulkImportJobFileDao.class.getName())) {
                bulkImportFiles = name;
            }
        }
        // HAPI declares about sixty; a gateway that has served FHIR, ADT and referrals has used about a dozen.
        assertThat(declared).hasSizeGreaterThan(40);
        assertThat(created).hasSizeLessThan(declared.size() / 2);
        assertThat(bulkImportFiles).isNotNull();
        assertThat(beans.containsSingleton(bulkImportFiles)).isFalse();

        assertThat(context.getBean(IBulkImportJobFileDao.class).count()).isZero();
        assertThat(beans.containsSingleton(bulkImportFiles)).isTrue();
    }

    @Test
    void springDataWebBindingIsOffSoNothingCreatesThemAllAtOnce() {
        assertThat(context.getBeanNamesForType(DomainClassConverter.class)).isEmpty();
    }
}
