package uk.linkwell.gateway.fhir;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import org.hl7.fhir.instance.model.api.IBaseConformance;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CapabilityStatement.SystemRestfulInteraction;

/** Completes the generated CapabilityStatement with what Linkwell supports beyond HAPI's defaults. */
@Interceptor
public class CapabilityStatementCustomizer {

    @Hook(Pointcut.SERVER_CAPABILITY_STATEMENT_GENERATED)
    public void customize(IBaseConformance generated) {
        CapabilityStatement cs = (CapabilityStatement) generated;
        cs.setPublisher("Linkwell");
        CapabilityStatement.CapabilityStatementRestComponent rest = cs.getRestFirstRep();
        // HAPI's system transaction method also processes batch Bundles but only advertises transaction.
        boolean hasBatch = rest.getInteraction().stream().anyMatch(i -> i.getCode() == SystemRestfulInteraction.BATCH);
        if (!hasBatch) {
            rest.addInteraction().setCode(SystemRestfulInteraction.BATCH);
        }
    }
}
