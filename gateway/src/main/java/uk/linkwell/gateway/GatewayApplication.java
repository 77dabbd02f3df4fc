package uk.linkwell.gateway;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.data.web.SpringDataWebAutoConfiguration;
import org.springframework.boot.autoconfigure.elasticsearch.ElasticsearchRestClientAutoConfiguration;
import org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration;
import org.springframework.boot.autoconfigure.orm.jpa.HibernateJpaAutoConfiguration;
import org.springframework.boot.autoconfigure.thymeleaf.ThymeleafAutoConfiguration;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The Linkwell gateway: one process serving FHIR REST, inbound message routes and outbound exchanges. */
// HAPI builds its own EntityManagerFactory (GatewayEntities, hapi.HapiPersistence), so Boot's JPA set-up stays off;
// Flyway and the Elasticsearch client arrive transitively with HAPI (its migrator and its optional
// full-text backend) but Linkwell uses neither: the schema is created by Hibernate.
@SpringBootApplication(
        exclude = {
            HibernateJpaAutoConfiguration.class,
            FlywayAutoConfiguration.class,
            ElasticsearchRestClientAutoConfiguration.class,
            // Thymeleaf comes with HAPI's narrative generator; Linkwell serves no HTML templates.
            ThymeleafAutoConfiguration.class,
            // Spring Data's web binding (entity ids in @PathVariable) comes with HAPI's repositories; Linkwell's web
            // endpoints do not use it, and its converter created every one of HAPI's ~60 repositories the first time
            // anything (Camel's property binding, at start-up) asked Spring's ConversionService for a conversion.
            SpringDataWebAutoConfiguration.class
        })
@ConfigurationPropertiesScan
public class GatewayApplication {

    public static void main(String[] args) {
        SpringApplication.run(GatewayApplication.class, args);
    }
}
