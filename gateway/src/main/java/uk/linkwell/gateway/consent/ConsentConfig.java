package uk.linkwell.gateway.consent;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.server.interceptor.consent.ConsentInterceptor;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.Set;
import javax.sql.DataSource;
import org.hl7.fhir.r4.model.Flag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import uk.linkwell.gateway.consent.audit.DisclosureAudit;
import uk.linkwell.gateway.fhir.ProfileValidation;
import uk.linkwell.gateway.fhir.StoredChanges;
import uk.linkwell.gateway.hapi.ConsentLookup;
import uk.linkwell.gateway.hapi.StoreConsentLookup;
import uk.linkwell.gateway.security.CaseloadResolver;
import uk.linkwell.gateway.security.PatientCompartment;
import uk.linkwell.gateway.security.Reach;
import uk.linkwell.gateway.security.SecurityProperties;

/**
 * Wires the consent engine: the policy, the author-organisation stamp on every write, the FHIR read adapter on
 * HAPI's RestfulServer (unless {@code linkwell.consent.enabled=false}), and the outbound filter for exchanges.
 */
@Configuration(proxyBeanMethods = false)
public class ConsentConfig {

    private static final Logger log = LoggerFactory.getLogger(ConsentConfig.class);

    /** The consent layer's REST interceptors, for the FHIR server's chain; all null when it is switched off. */
    public record FhirConsentRegistration(
            DecisionPoint decisionPoint, ConsentInterceptor interceptor, FhirConsentAdapter adapter) {}

    @Bean
    public ConsentPolicy consentPolicy(ConsentProperties properties) {
        return new ConsentPolicy(properties);
    }

    @Bean
    public ResourceFactsReader resourceFactsReader(FhirContext fhirContext, ConsentPolicy policy) {
        return new ResourceFactsReader(fhirContext, policy);
    }

    /** On the storage layer, so REST writes and route writes alike carry their author organisation. */
    @Bean
    public AuthorOrganisationStamp authorOrganisationStamp(
            ConsentProperties properties, IInterceptorService storageInterceptors) {
        AuthorOrganisationStamp stamp = new AuthorOrganisationStamp(properties.exemptRoles());
        storageInterceptors.registerInterceptor(stamp);
        return stamp;
    }

    /** On the storage layer, so that a relationship granting access is checked in transactions' entries too. */
    @Bean
    public AccessGrants accessGrants(
            ConsentProperties properties,
            StoreActorDirectory directory,
            FhirContext fhirContext,
            IInterceptorService storageInterceptors) {
        AccessGrants grants = new AccessGrants(properties.exemptRoles(), directory, fhirContext);
        storageInterceptors.registerInterceptor(grants);
        return grants;
    }

    @Bean
    public PatientConsents patientConsents(
            DaoRegistry daos,
            ConsentProperties properties,
            IInterceptorService storageInterceptors,
            DataSource dataSource) {
        ConsentLookup store = new StoreConsentLookup(dataSource, daos);
        PatientConsents consents = new PatientConsents(store, properties.consentCacheTtl(), Clock.systemUTC());
        storageInterceptors.registerInterceptor(new StoredChanges(consents::changed));
        return consents;
    }

    /** Open Section 42 enquiries, for the safeguarding basis; also refuses enquiries written over FHIR. */
    @Bean
    public SafeguardingEnquiries safeguardingEnquiries(
            DaoRegistry daos, ConsentProperties properties, IInterceptorService storageInterceptors) {
        SafeguardingEnquiries enquiries = new SafeguardingEnquiries(
                patient -> openEnquiryCouncils(daos, patient),
                properties.exemptRoles(),
                properties.consentCacheTtl(),
                Clock.systemUTC());
        storageInterceptors.registerInterceptor(enquiries);
        storageInterceptors.registerInterceptor(new StoredChanges(enquiries::changed));
        return enquiries;
    }

    /** The councils with an open enquiry about the patient: its Flags, one search (R4 has no Flag status parameter). */
    private static Set<String> openEnquiryCouncils(DaoRegistry daos, String patient) {
        SearchParameterMap flags =
                SearchParameterMap.newSynchronous().add(Flag.SP_PATIENT, new ReferenceParam(patient));
        Set<String> councils = new LinkedHashSet<>();
        for (Flag flag : daos.getResourceDao(Flag.class).searchForResources(flags, new SystemRequestDetails())) {
            SafeguardingEnquiries.openEnquiryOf(flag).ifPresent(councils::add);
        }
        return councils;
    }

    @Bean
    public StoreActorDirectory storeActorDirectory(
            DaoRegistry daos, SafeguardingEnquiries enquiries, IInterceptorService storageInterceptors) {
        StoreActorDirectory directory = new StoreActorDirectory(daos, enquiries);
        storageInterceptors.registerInterceptor(new StoredChanges(directory::forget));
        return directory;
    }

    @Bean
    public BreakGlassWindows breakGlassWindows(ConsentProperties properties) {
        return new BreakGlassWindows(properties.breakGlass().window(), Clock.systemUTC());
    }

    /** Permitted disclosures go to the disclosure audit (AuditEvents written in batches). */
    @Bean
    public ConsentedDisclosures consentedDisclosures(DisclosureAudit audit, MeterRegistry meters) {
        return new ConsentedDisclosures(audit, meters);
    }

    @Bean
    public OutboundConsentFilter outboundConsentFilter(
            ConsentProperties properties,
            ConsentPolicy policy,
            ResourceFactsReader facts,
            PatientConsents consents,
            StoreActorDirectory directory,
            ConsentedDisclosures disclosures,
            FhirContext fhirContext) {
        if (!properties.enabled() && properties.allowDisabled()) {
            // Benchmarks only (the FHIR registration below refuses to start without allow-disabled and says so).
            log.error("CONSENT ENGINE IS OFF for outbound exchanges: every delivery's resources leave unfiltered.");
            return OutboundConsentFilter.off();
        }
        return new OutboundConsentFilter(
                policy, facts, consents::of, directory, disclosures, new Redaction(fhirContext), Clock.systemUTC());
    }

    @Bean
    public FhirConsentRegistration fhirConsentRegistration(
            ConsentProperties properties,
            SecurityProperties security,
            ConsentPolicy policy,
            ResourceFactsReader facts,
            PatientConsents consents,
            StoreActorDirectory directory,
            BreakGlassWindows windows,
            ConsentedDisclosures disclosures,
            FhirContext fhirContext,
            DaoRegistry daos,
            ca.uhn.fhir.jpa.searchparam.MatchUrlService matchUrls,
            CaseloadResolver caseloads,
            ProfileValidation validation,
            ca.uhn.fhir.rest.server.util.ISearchParamRegistry searchParameters) {
        if (!properties.enabled()) {
            if (!properties.allowDisabled()) {
                throw new IllegalStateException("linkwell.consent.enabled=false would share every record without "
                        + "consent; it is honoured only with linkwell.consent.allow-disabled=true as well "
                        + "(benchmarks, never production)");
            }
            log.error("CONSENT ENGINE IS OFF: linkwell.consent.enabled=false. FHIR reads are not checked against "
                    + "consent. Never run this way with real data.");
            return new FhirConsentRegistration(null, null, null);
        }
        if (!security.enabled()) {
            log.error("Consent engine not registered: it needs the requester's token and security is off");
            return new FhirConsentRegistration(null, null, null);
        }
        FhirConsentAdapter adapter = new FhirConsentAdapter(
                policy,
                facts,
                consents,
                directory,
                windows,
                disclosures,
                new Redaction(fhirContext),
                Clock.systemUTC(),
                new ConsentAwareCount(fhirContext, daos, matchUrls),
                fhirContext);
        AccessDecisions access = new AccessDecisions(
                new Reach(caseloads, new PatientCompartment(fhirContext), fhirContext),
                policy,
                facts,
                consents,
                directory,
                daos);
        adapter.decidingThrough(access);
        ConsentInterceptor interceptor = new ConsentInterceptor(adapter);
        // Registered on the REST server, in its place in the chain, by InterceptorChain.
        return new FhirConsentRegistration(
                new DecisionPoint(access, adapter, fhirContext, daos, matchUrls, validation, searchParameters),
                interceptor,
                adapter);
    }
}
