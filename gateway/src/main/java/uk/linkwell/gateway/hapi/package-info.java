/**
 * The seam below HAPI FHIR's public API: everything that reaches beneath HAPI's server, DAO, interceptor and
 * validation APIs (SQL on its {@code HFJ_} tables, its identity hashes, its transaction internals, its persistence
 * set-up) lives here, behind small interfaces the features use. The contract tests in this package's test folder
 * are the suite to run on every HAPI upgrade.
 */
package uk.linkwell.gateway.hapi;
