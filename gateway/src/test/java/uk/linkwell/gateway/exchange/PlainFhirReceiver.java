package uk.linkwell.gateway.exchange;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.annotation.Transaction;
import ca.uhn.fhir.rest.annotation.TransactionParam;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.util.FhirTerser;
import java.io.File;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.catalina.Context;
import org.apache.catalina.startup.Tomcat;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;

/**
 * A second, plain HAPI FHIR server for the {@code hl7-fhir-rest} channel: HAPI's {@link RestfulServer} on an
 * embedded Tomcat on a free port of this machine, holding resources in memory. It answers FHIR {@code transaction}s
 * of conditional updates ({@code PUT Type?identifier=system|value}) as a FHIR server does: the match is updated, no
 * match is created with a new id; references to the entries' fullUrls are rewritten to the ids given.
 */
final class PlainFhirReceiver implements AutoCloseable {

    private final Tomcat tomcat = new Tomcat();
    private final Map<String, Resource> store = new LinkedHashMap<>();
    private final Map<String, String> byCondition = new HashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private final AtomicInteger transactions = new AtomicInteger();
    private final FhirContext fhirContext;
    private volatile boolean loseNextAnswer;

    PlainFhirReceiver(FhirContext fhirContext) throws Exception {
        this.fhirContext = fhirContext;
        RestfulServer server = new RestfulServer(fhirContext);
        server.registerProvider(this);
        File base = Files.createTempDirectory("plain-fhir-receiver").toFile();
        tomcat.setBaseDir(base.getAbsolutePath());
        tomcat.setPort(0);
        tomcat.getConnector();
        Context context = tomcat.addContext("", base.getAbsolutePath());
        Tomcat.addServlet(context, "fhir", server);
        context.addServletMappingDecoded("/fhir/*", "fhir");
        tomcat.start();
    }

    /** The server's transaction: each entry a conditional update (or an update by id). */
    @Transaction
    public synchronized Bundle transaction(@TransactionParam Bundle request) {
        transactions.incrementAndGet();
        Bundle response = new Bundle().setType(Bundle.BundleType.TRANSACTIONRESPONSE);
        Map<String, String> assigned = new HashMap<>();
        List<Resource> written = new ArrayList<>();
        for (Bundle.BundleEntryComponent entry : request.getEntry()) {
            if (entry.getRequest().getMethod() != Bundle.HTTPVerb.PUT) {
                throw new InvalidRequestException("this receiver takes updates only");
            }
            Resource resource = entry.getResource();
            String url = entry.getRequest().getUrl();
            String id = url.contains("?")
                    ? byCondition.computeIfAbsent(url, u -> Integer.toString(ids.incrementAndGet()))
                    : url.substring(url.indexOf('/') + 1);
            boolean created = !store.containsKey(resource.fhirType() + "/" + id);
            resource.setId(resource.fhirType() + "/" + id);
            assigned.put(entry.getFullUrl(), resource.fhirType() + "/" + id);
            written.add(resource);
            response.addEntry().getResponse().setStatus(created ? "201 Created" : "200 OK");
        }
        FhirTerser terser = fhirContext.newTerser();
        for (Resource resource : written) {
            for (Reference reference : terser.getAllPopulatedChildElementsOfType(resource, Reference.class)) {
                if (reference.hasReference() && assigned.containsKey(reference.getReference())) {
                    reference.setReference(assigned.get(reference.getReference()));
                }
            }
            store.put(resource.fhirType() + "/" + resource.getIdElement().getIdPart(), resource);
        }
        if (loseNextAnswer) {
            // Written, but the sender hears a failure: it sends the same again, as at-least-once delivery does.
            loseNextAnswer = false;
            throw new ca.uhn.fhir.rest.server.exceptions.InternalErrorException("answer lost after writing");
        }
        return response;
    }

    /** The next transaction is written and then answered 500, as if the answer were lost. */
    PlainFhirReceiver thenLoseAnswer() {
        loseNextAnswer = true;
        return this;
    }

    String base() {
        return "http://127.0.0.1:" + tomcat.getConnector().getLocalPort() + "/fhir";
    }

    synchronized List<Resource> stored() {
        return List.copyOf(store.values());
    }

    int transactions() {
        return transactions.get();
    }

    @Override
    public void close() throws Exception {
        tomcat.stop();
        tomcat.destroy();
    }
}
