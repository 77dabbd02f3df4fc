package uk.linkwell.gateway.hapi;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.jpa.model.entity.BaseResourceIndexedSearchParam;
import ca.uhn.fhir.jpa.model.entity.ResourceIndexedSearchParamString;
import ca.uhn.fhir.jpa.model.entity.ResourceIndexedSearchParamToken;
import ca.uhn.fhir.jpa.model.entity.ResourceIndexedSearchParamUri;
import ca.uhn.fhir.jpa.model.entity.ResourceTable;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The HAPI bugs Linkwell works around, each asserted as still present: when a HAPI upgrade fixes one, its test
 * fails, and the workaround it names is to be removed.
 */
class HapiKnownBugsTest {

    /**
     * hapifhir/hapi-fhir#7644: token, string and URI index rows do not point at their resource entity, so Hibernate's
     * insert re-ordering may write them before the resource row. Workaround: {@code hibernate.order_inserts=false}
     * in {@link HapiPersistence#hibernateProperties}. When this fails, set it back to true.
     */
    @Test
    void indexRowsOfTokensStringsAndUrisDoNotReferToTheirResourceEntity() {
        ResourceTable resource = new ResourceTable();
        resource.setResourceType("Patient");
        List<BaseResourceIndexedSearchParam> rows = List.of(
                new ResourceIndexedSearchParamToken(),
                new ResourceIndexedSearchParamString(),
                new ResourceIndexedSearchParamUri());
        for (BaseResourceIndexedSearchParam row : rows) {
            row.setResource(resource);
            assertThat(row.getResource()).as(row.getClass().getSimpleName()).isNull();
        }
        assertThat(HapiPersistence.hibernateProperties(DatabaseDialect.POSTGRESQL, "update")
                        .getProperty("hibernate.order_inserts"))
                .isEqualTo("false");
    }
}
