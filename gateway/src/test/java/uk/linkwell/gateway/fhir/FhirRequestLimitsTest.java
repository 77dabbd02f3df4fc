package uk.linkwell.gateway.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPOutputStream;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;

/**
 * The FHIR endpoint's limits on what a write may send, over HTTP against the running gateway: a body over 10 MiB
 * (declared, chunked, or gzipped) is 413, a Bundle of more than 1000 entries is 413, a body in a media type HAPI
 * cannot read is 415, each with an OperationOutcome; writes within the limits are unaffected.
 */
class FhirRequestLimitsTest extends GatewayIntegrationTest {

    private static final int LIMIT = 10 * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aNineteenMegabytePatientIs413WithAnOperationOutcome() throws Exception {
        String nhsNumber = SyntheticNhsNumbers.next();
        byte[] body = patientJson(nhsNumber, 19 * 1000 * 1000);
        long start = System.nanoTime();
        HttpResponse<String> response =
                send("POST", "/fhir/Patient", "application/fhir+json", BodyPublishers.ofByteArray(body));
        System.out.printf(
                "FHIR 19 MB Patient: %d after %d ms%n",
                response.statusCode(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        assertOutcome(
                response, 413, "too-long", "over the limit of " + LIMIT + " bytes (linkwell.fhir.max-request-bytes)");
        assertThat(patients(nhsNumber)).isZero();
    }

    @Test
    void aChunkedBodyIsCutOffOnceItPassesTheLimit() throws Exception {
        String nhsNumber = SyntheticNhsNumbers.next();
        byte[] body = patientJson(nhsNumber, 19 * 1000 * 1000);
        AtomicLong sent = new AtomicLong();
        // No length given: the client sends it chunked.
        HttpResponse<String> response = send(
                "POST",
                "/fhir/Patient",
                "application/fhir+json",
                BodyPublishers.ofInputStream(() -> counting(body, sent)));
        System.out.printf("FHIR 19 MB chunked: %d after %d bytes sent%n", response.statusCode(), sent.get());
        assertOutcome(response, 413, "too-long", "over the limit of " + LIMIT + " bytes");
        assertThat(patients(nhsNumber)).isZero();
    }

    @Test
    void aGzipBodyThatInflatesPastTheLimitIs413() throws Exception {
        String nhsNumber = SyntheticNhsNumbers.next();
        byte[] gzipped = gzip(patientJson(nhsNumber, 40 * 1000 * 1000));
        assertThat(gzipped.length).isLessThan(LIMIT / 10);
        HttpResponse<String> response = send(
                "POST",
                "/fhir/Patient",
                "application/fhir+json",
                BodyPublishers.ofByteArray(gzipped),
                "Content-Encoding",
                "gzip");
        assertOutcome(response, 413, "too-long", "over the limit of " + LIMIT + " bytes");
        assertThat(patients(nhsNumber)).isZero();
    }

    @Test
    void aGzipPatientWithinTheLimitIsCreated() throws Exception {
        String nhsNumber = SyntheticNhsNumbers.next();
        HttpResponse<String> response = send(
                "POST",
                "/fhir/Patient",
                "application/fhir+json",
                BodyPublishers.ofByteArray(gzip(patientJson(nhsNumber, 0))),
                "Content-Encoding",
                "gzip");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        assertThat(patients(nhsNumber)).isOne();
    }

    @Test
    void aChunkedPatientWithinTheLimitIsCreated() throws Exception {
        String nhsNumber = SyntheticNhsNumbers.next();
        byte[] body = patientJson(nhsNumber, 800 * 1000);
        HttpResponse<String> response = send(
                "POST",
                "/fhir/Patient",
                "application/fhir+json; charset=UTF-8",
                BodyPublishers.ofInputStream(() -> counting(body, new AtomicLong())));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        assertThat(patients(nhsNumber)).isOne();
    }

    @Test
    void aTransactionOfMoreEntriesThanTheLimitIs413() throws Exception {
        Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        String first = null;
        for (int i = 0; i < 1001; i++) {
            String nhsNumber = SyntheticNhsNumbers.next();
            first = first == null ? nhsNumber : first;
            transaction
                    .addEntry()
                    .setResource(LinkwellFixtures.patient(nhsNumber))
                    .getRequest()
                    .setMethod(Bundle.HTTPVerb.POST)
                    .setUrl("Patient");
        }
        HttpResponse<String> response = send(
                "POST",
                "/fhir",
                "application/fhir+json",
                BodyPublishers.ofString(fhirContext.newJsonParser().encodeResourceToString(transaction)));
        assertOutcome(
                response, 413, "too-costly", "1001 entries, over the limit of 1000 (linkwell.fhir.max-bundle-entries)");
        assertThat(patients(first)).isZero();
    }

    @Test
    void aTransactionWithinTheLimitsIsApplied() {
        Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        String nhsNumber = SyntheticNhsNumbers.next();
        transaction
                .addEntry()
                .setResource(LinkwellFixtures.patient(nhsNumber))
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Patient");
        Bundle result = client().transaction().withBundle(transaction).execute();
        assertThat(result.getEntryFirstRep().getResponse().getStatus()).startsWith("201");
        assertThat(patients(nhsNumber)).isOne();
    }

    @Test
    void aWriteInAMediaTypeHapiCannotReadIs415NamingTheAcceptedTypes() throws Exception {
        String nhsNumber = SyntheticNhsNumbers.next();
        byte[] body = patientJson(nhsNumber, 0);
        for (String contentType : new String[] {"text/plain", "application/x-fhir-ish+xml", "not a media type"}) {
            HttpResponse<String> response =
                    send("POST", "/fhir/Patient", contentType, BodyPublishers.ofByteArray(body));
            JsonNode issue = assertOutcome(response, 415, "not-supported", "a FHIR write takes");
            assertThat(issue.path("diagnostics").asText())
                    .as(contentType)
                    .contains("application/fhir+json, application/json, application/fhir+xml, application/xml");
        }
        HttpResponse<String> noType = http().send(
                        request("/fhir/Patient")
                                .POST(BodyPublishers.ofByteArray(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertOutcome(noType, 415, "not-supported", "no Content-Type");
        assertThat(patients(nhsNumber)).isZero();
    }

    @Test
    void aBinaryMaySendItsContentInItsOwnMediaType() throws Exception {
        byte[] document = "%PDF-1.4 synthetic test document".getBytes(StandardCharsets.US_ASCII);
        HttpResponse<String> response =
                send("POST", "/fhir/Binary", "application/pdf", BodyPublishers.ofByteArray(document));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    }

    @Test
    void aPatchTakesJsonPatchAndNamesItWhenRefused() throws Exception {
        String id = client().create()
                .resource(LinkwellFixtures.patient(SyntheticNhsNumbers.next()))
                .execute()
                .getId()
                .getIdPart();
        String patch = "[{\"op\":\"replace\",\"path\":\"/name/0/family\",\"value\":\"Patched\"}]";
        HttpResponse<String> wrong = send("PATCH", "/fhir/Patient/" + id, "text/plain", BodyPublishers.ofString(patch));
        assertThat(assertOutcome(wrong, 415, "not-supported", "application/json-patch+json")
                        .path("diagnostics")
                        .asText())
                .contains("application/fhir+json");
        HttpResponse<String> patched =
                send("PATCH", "/fhir/Patient/" + id, "application/json-patch+json", BodyPublishers.ofString(patch));
        assertThat(patched.statusCode()).as(patched.body()).isEqualTo(200);
        assertThat(client().read()
                        .resource(Patient.class)
                        .withId(id)
                        .execute()
                        .getNameFirstRep()
                        .getFamily())
                .isEqualTo("Patched");
    }

    @Test
    void aSearchByPostedFormIsUnaffected() throws Exception {
        String nhsNumber = SyntheticNhsNumbers.next();
        client().create().resource(LinkwellFixtures.patient(nhsNumber)).execute();
        HttpResponse<String> response = send(
                "POST",
                "/fhir/Patient/_search",
                "application/x-www-form-urlencoded",
                BodyPublishers.ofString("identifier=" + LinkwellFixtures.NHS + "%7C" + nhsNumber));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(JSON.readTree(response.body()).path("total").asInt()).isOne();
    }

    @Test
    void anOversizedRequestWithoutATokenIsRefusedUnread() throws Exception {
        byte[] body = patientJson(SyntheticNhsNumbers.next(), 50 * 1000 * 1000);
        AtomicLong sent = new AtomicLong();
        HttpRequest request = HttpRequest.newBuilder(URI.create(gatewayBase() + "/fhir/Patient"))
                .header("Content-Type", "application/fhir+json")
                .POST(BodyPublishers.fromPublisher(
                        BodyPublishers.ofInputStream(() -> counting(body, sent)), body.length))
                .build();
        Integer status;
        try {
            status = http().send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
        } catch (IOException closedWhileSending) {
            // The gateway answered 401 and hung up on the rest, before this client got to read the answer.
            status = null;
        }
        System.out.printf("FHIR 50 MB without a token: %s after %d bytes sent%n", status, sent.get());
        assertThat(status).isIn(401, null);
        assertThat(sent.get()).as("bytes the client could send").isLessThan(body.length);
    }

    /** A LinkwellPatient as JSON, padded to at least {@code size} bytes with a long name text. */
    private static byte[] patientJson(String nhsNumber, int size) {
        String head = "{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"" + LinkwellFixtures.NHS
                + "\",\"value\":\"" + nhsNumber + "\"}],\"name\":[{\"family\":\"Testperson\",\"given\":[\"Sam\"]";
        String tail = "}]}";
        int padding = Math.max(0, size - head.length() - tail.length() - ",\"text\":\"\"".length());
        String text = padding == 0 ? "" : ",\"text\":\"" + "x".repeat(padding) + "\"";
        return (head + text + tail).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
            zip.write(bytes);
        }
        return out.toByteArray();
    }

    /** The bytes as a stream that counts how many the HTTP client has taken. */
    private static InputStream counting(byte[] bytes, AtomicLong taken) {
        return new InputStream() {
            private int at;

            @Override
            public int read() {
                return at < bytes.length ? bytes[at++] & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (at >= bytes.length) {
                    return -1;
                }
                int n = Math.min(Math.min(len, 64 * 1024), bytes.length - at);
                System.arraycopy(bytes, at, b, off, n);
                at += n;
                taken.addAndGet(n);
                return n;
            }
        };
    }

    private HttpResponse<String> send(
            String method, String path, String contentType, BodyPublisher body, String... headers) throws Exception {
        HttpRequest.Builder request =
                request(path).header("Content-Type", contentType).method(method, body);
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return http().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The response's status and its one issue (code, text in the diagnostics), returned for more checks. */
    private static JsonNode assertOutcome(HttpResponse<String> response, int status, String code, String diagnostics)
            throws IOException {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("application/fhir+json"));
        JsonNode outcome = JSON.readTree(response.body());
        assertThat(outcome.path("resourceType").asText()).isEqualTo("OperationOutcome");
        JsonNode issue = outcome.path("issue").get(0);
        assertThat(issue.path("severity").asText()).isEqualTo("error");
        assertThat(issue.path("code").asText()).isEqualTo(code);
        assertThat(issue.path("diagnostics").asText()).contains(diagnostics);
        return issue;
    }

    private int patients(String nhsNumber) {
        return client().search()
                .byUrl("Patient?identifier=" + LinkwellFixtures.NHS + "|" + nhsNumber + "&_summary=count")
                .returnBundle(Bundle.class)
                .execute()
                .getTotal();
    }
}
