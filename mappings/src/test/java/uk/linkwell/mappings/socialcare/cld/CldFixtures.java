package uk.linkwell.mappings.socialcare.cld;

import ca.uhn.fhir.context.FhirContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;

/** The example CLD file and helpers to read and map CSV text in tests. */
final class CldFixtures {

    static final Path DIR = Path.of("src/test/resources/socialcare/cld");
    static final String LA = "X26LA";
    static final String HEADER = "LA_Person_Unique_Identifier,NHS_Number,Client_Type,Primary_Support_Reason,Event_Type,"
            + "Event_Reference,Case_Reference,Event_Start_Date,Event_End_Date,Event_Outcome,Request_Route_of_Access,"
            + "Assessment_Type,Eligible_Needs_Identified,Service_Type,Service_Component,Delivery_Mechanism,Review_Reason";
    private static FhirContext fhir;

    private CldFixtures() {}

    static synchronized FhirContext fhir() {
        if (fhir == null) {
            fhir = FhirContext.forR4();
        }
        return fhir;
    }

    static byte[] example() throws IOException {
        return Files.readAllBytes(DIR.resolve("backfill.csv"));
    }

    /** The result of reading and mapping a whole file: the Bundle of the good rows and the errors. */
    record Mapped(Bundle bundle, List<CldRowError> errors, int goodRows) {}

    static Mapped map(byte[] file) throws CldFileException {
        CldReader reader = CldReader.open(file);
        CldMapper mapper = new CldMapper(LA);
        List<List<Bundle.BundleEntryComponent>> rows = new ArrayList<>();
        List<CldRowError> errors = new ArrayList<>();
        while (reader.hasNext()) {
            CldReader.Entry entry = reader.next();
            if (entry.error() != null) {
                errors.add(entry.error());
                continue;
            }
            try {
                rows.add(mapper.map(entry.row()));
            } catch (CldRowException e) {
                errors.add(e.at(entry.row().lineNumber()));
            }
        }
        return new Mapped(CldMapper.transaction(rows), errors, rows.size());
    }

    static Mapped map(String csv) throws CldFileException {
        return map(csv.getBytes(StandardCharsets.UTF_8));
    }

    /** A file of the standard header and these rows (each a full row in the header's order). */
    static String file(String... rows) {
        return HEADER + "\n" + String.join("\n", rows) + "\n";
    }

    static String json(org.hl7.fhir.instance.model.api.IBaseResource resource) {
        return fhir().newJsonParser().setPrettyPrint(true).encodeResourceToString(resource);
    }
}
