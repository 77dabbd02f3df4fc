package uk.linkwell.gateway.hapi;

import java.util.List;
import java.util.regex.Pattern;

/**
 * All SQL this gateway runs on HAPI's own tables ({@code HFJ_...}), in one place: the statements are HAPI's schema as
 * of the version in the root pom, and the contract tests beside this package check them against it on every upgrade.
 */
public final class HapiTables {

    /** Patient ids (not deleted) whose {@code Patient.generalPractitioner} resolves to one of the Organization ids. */
    static final String REGISTERED_AT_SQL =
            """
            SELECT DISTINCT p.FHIR_ID FROM HFJ_RESOURCE o
            JOIN HFJ_RES_LINK l ON l.TARGET_RESOURCE_ID = o.RES_ID AND l.SRC_PATH = 'Patient.generalPractitioner'
            JOIN HFJ_RESOURCE p ON p.RES_ID = l.SRC_RESOURCE_ID AND p.RES_TYPE = 'Patient' AND p.RES_DELETED_AT IS NULL
            WHERE o.RES_TYPE = 'Organization' AND o.FHIR_ID IN (:organisations)""";

    /**
     * Consents (not deleted) whose {@code Consent.patient} reference resolves to the patient with this id, each with
     * its id, its current version and that version's stored text and encoding.
     */
    static final String CONSENTS_OF_PATIENT_SQL =
            """
            SELECT c.RES_ID, c.FHIR_ID, c.RES_VER, v.RES_ENCODING, v.RES_TEXT_VC FROM HFJ_RESOURCE p
            JOIN HFJ_RES_LINK l ON l.TARGET_RESOURCE_ID = p.RES_ID AND l.SRC_PATH = 'Consent.patient'
            JOIN HFJ_RESOURCE c ON c.RES_ID = l.SRC_RESOURCE_ID AND c.RES_TYPE = 'Consent' AND c.RES_DELETED_AT IS NULL
            LEFT JOIN HFJ_RES_VER v ON v.RES_ID = c.RES_ID AND v.RES_VER = c.RES_VER
            WHERE p.RES_TYPE = 'Patient' AND p.FHIR_ID = ?""";

    /** The token index's rows (key, resource row id) for a set of {@code identifier=system|value} keys. */
    static final String INDEX_ROWS_SQL =
            """
            SELECT DISTINCT HASH_SYS_AND_VALUE, RES_ID FROM HFJ_SPIDX_TOKEN WHERE HASH_SYS_AND_VALUE IN (:hashes)""";

    /** The live (not deleted) resources among row ids: id, partition, type, FHIR id, current version. */
    static final String LIVE_RESOURCES_SQL =
            """
            SELECT RES_ID, PARTITION_ID, RES_TYPE, FHIR_ID, RES_VER FROM HFJ_RESOURCE
            WHERE RES_ID IN (:ids) AND RES_DELETED_AT IS NULL""";

    /**
     * HAPI's tables whose planner statistics inbound writes depend on: HAPI's create-if-absent and conditional-update
     * lookups join HFJ_SPIDX_TOKEN to HFJ_RESOURCE, and reference targets are resolved in HFJ_RESOURCE.
     */
    static final List<String> LOOKED_UP_BY_INBOUND_WRITES = List.of("hfj_spidx_token", "hfj_resource");

    /** HAPI's table name prefixes (resources and indexes, batch jobs), as its error texts may quote them. */
    private static final Pattern SCHEMA_TEXT = Pattern.compile("(?i)\\bHFJ_|\\bBT2_");

    private HapiTables() {}

    /** Whether the text names one of HAPI's tables (an error quoting SQL, say), so it must not reach a client. */
    public static boolean isSchemaText(String text) {
        return text != null && SCHEMA_TEXT.matcher(text).find();
    }
}
