package uk.linkwell.gateway.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Date;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;

/** An update that changes nothing HAPI would store is not validated again; any other change is. */
class ProfileValidationInterceptorTest {

    private final ProfileValidationInterceptor interceptor =
            new ProfileValidationInterceptor(FhirContext.forR4Cached(), null, new SimpleMeterRegistry());

    private static Patient stored() {
        Patient p = new Patient();
        p.setId("Patient/12/_history/3");
        p.getMeta().setVersionId("3").setLastUpdated(new Date(0)).setSource("#a");
        p.getMeta().addTag("https://fhir.linkwell.example/CodeSystem/author-organisation", "RXX", null);
        p.addName().setFamily("Brook").addGiven("Sam");
        return p;
    }

    @Test
    void theSameContentUnderANewVersionIsUnchanged() {
        Patient update = stored();
        update.setId("Patient/12");
        update.getMeta().setVersionId(null).setLastUpdated(new Date()).setSource("#b");
        assertThat(interceptor.unchanged(stored(), update)).isTrue();
    }

    @Test
    void anyChangeOfContentOrLabelsIsValidated() {
        Patient renamed = stored();
        renamed.getNameFirstRep().setFamily("Carter");
        assertThat(interceptor.unchanged(stored(), renamed)).isFalse();

        Patient labelled = stored();
        labelled.getMeta().addSecurity("http://terminology.hl7.org/CodeSystem/v3-ActCode", "PSY", null);
        assertThat(interceptor.unchanged(stored(), labelled)).isFalse();

        Patient profiled = stored();
        profiled.getMeta().addProfile("https://fhir.linkwell.example/StructureDefinition/LinkwellPatient");
        assertThat(interceptor.unchanged(stored(), profiled)).isFalse();

        assertThat(interceptor.unchanged(null, stored())).isFalse();
    }
}
