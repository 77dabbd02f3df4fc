package uk.linkwell.gateway.hapi;

import ca.uhn.fhir.jpa.model.dialect.HapiFhirH2Dialect;
import ca.uhn.fhir.jpa.model.dialect.HapiFhirPostgresDialect;

/** The databases Linkwell runs on, and the HAPI Hibernate dialect each needs. */
public enum DatabaseDialect {
    POSTGRESQL(HapiFhirPostgresDialect.class.getName()),
    H2(HapiFhirH2Dialect.class.getName());

    private final String hibernateDialect;

    DatabaseDialect(String hibernateDialect) {
        this.hibernateDialect = hibernateDialect;
    }

    public String hibernateDialect() {
        return hibernateDialect;
    }

    /** Chooses the dialect from the JDBC URL, so that one setting (the URL) switches the database. */
    public static DatabaseDialect forJdbcUrl(String jdbcUrl) {
        if (jdbcUrl == null) {
            throw new IllegalArgumentException("spring.datasource.url is not set");
        }
        if (jdbcUrl.startsWith("jdbc:postgresql:")) {
            return POSTGRESQL;
        }
        if (jdbcUrl.startsWith("jdbc:h2:")) {
            return H2;
        }
        throw new IllegalArgumentException(
                "Unsupported database URL (Linkwell supports PostgreSQL and H2): " + jdbcUrl.replaceAll("\\?.*", ""));
    }
}
