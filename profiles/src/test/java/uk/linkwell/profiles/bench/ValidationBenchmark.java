package uk.linkwell.profiles.bench;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.ValidationResult;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import uk.linkwell.profiles.LinkwellValidator;

/** JMH: the cost of validating one resource against its Linkwell profile, after warm-up. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ValidationBenchmark {

    private LinkwellValidator validator;
    private IBaseResource patient;
    private IBaseResource carePlan;
    private IBaseResource serviceRequest;
    private IBaseResource consent;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        FhirContext fhir = FhirContext.forR4Cached();
        validator = LinkwellValidator.create(fhir);
        patient = example(fhir, "Patient-nhs-9990000018.json");
        carePlan = example(fhir, "CarePlan-action-plan.json");
        serviceRequest = example(fhir, "ServiceRequest-social-prescribing.json");
        consent = example(fhir, "Consent-verbal.json");
        for (IBaseResource r : new IBaseResource[] {patient, carePlan, serviceRequest, consent}) {
            ValidationResult result = validator.validateWithDefaultProfile(r);
            if (result.getMessages().stream().anyMatch(m -> m.getSeverity() == ResultSeverityEnum.ERROR)) {
                throw new IllegalStateException("benchmark input is not valid: " + r.getIdElement());
            }
        }
    }

    static IBaseResource example(FhirContext fhir, String name) throws IOException {
        try (InputStream in = ValidationBenchmark.class.getResourceAsStream("/examples/valid/" + name)) {
            return fhir.newJsonParser().parseResource(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Benchmark
    public ValidationResult patient() {
        return validator.validateWithDefaultProfile(patient);
    }

    @Benchmark
    public ValidationResult carePlan() {
        return validator.validateWithDefaultProfile(carePlan);
    }

    @Benchmark
    public ValidationResult serviceRequest() {
        return validator.validateWithDefaultProfile(serviceRequest);
    }

    @Benchmark
    public ValidationResult consent() {
        return validator.validateWithDefaultProfile(consent);
    }
}
