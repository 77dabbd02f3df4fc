package uk.linkwell.gateway.fhir;

import ca.uhn.fhir.rest.server.RestfulServer;

/**
 * HAPI's {@link RestfulServer} as a bean. Held in this record, not exposed itself, because a RestfulServer is a
 * Servlet: Spring Boot instantiates every Servlet bean while it creates the web server, before the bean definitions
 * are frozen, and building HAPI then was 8 s slower (see {@link FhirServlet}).
 */
public record FhirRestServer(RestfulServer server) {}
