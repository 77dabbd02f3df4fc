package uk.linkwell.gateway;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.provider.JpaCapabilityStatementProvider;
import ca.uhn.fhir.jpa.provider.JpaSystemProvider;
import ca.uhn.fhir.jpa.search.DatabaseBackedPagingProvider;
import ca.uhn.fhir.jpa.searchparam.MatchUrlService;
import ca.uhn.fhir.narrative2.NullNarrativeGenerator;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.server.HardcodedServerAddressStrategy;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.IncomingRequestAddressStrategy;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.interceptor.ResponseHighlighterInterceptor;
import ca.uhn.fhir.rest.server.provider.ResourceProviderFactory;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.AuditEvent;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import uk.linkwell.gateway.consent.ConsentConfig.FhirConsentRegistration;
import uk.linkwell.gateway.consent.DecisionPoint;
import uk.linkwell.gateway.consent.audit.AuditEventProvider;
import uk.linkwell.gateway.consent.audit.DisclosureTrailPaging;
import uk.linkwell.gateway.fhir.BundleEntryLimit;
import uk.linkwell.gateway.fhir.CapabilityStatementCustomizer;
import uk.linkwell.gateway.fhir.FhirProperties;
import uk.linkwell.gateway.fhir.FhirRestServer;
import uk.linkwell.gateway.fhir.RefusalLog;
import uk.linkwell.gateway.hapi.StoredMatches;
import uk.linkwell.gateway.referral.ReferralClock;
import uk.linkwell.gateway.security.CaseloadAuthorizationInterceptor;
import uk.linkwell.gateway.security.CaseloadResolver;
import uk.linkwell.gateway.security.CaseloadSearchNarrowing;
import uk.linkwell.gateway.security.ConditionalPatientReferences;
import uk.linkwell.gateway.security.DisclosureTrailAudience;
import uk.linkwell.gateway.security.PatientCompartment;
import uk.linkwell.gateway.security.SecurityProperties;
import uk.linkwell.gateway.security.SmartCapabilityStatement;
import uk.linkwell.gateway.security.SmartScopeInterceptor;
import uk.linkwell.gateway.security.StoredBundlesForAdmin;
import uk.linkwell.gateway.security.SubscriptionOwnership;
import uk.linkwell.gateway.workflow.CaseloadOperation;
import uk.linkwell.gateway.workflow.measure.MeasureEvaluation;

/**
 * HAPI's REST server and its interceptor chain, listed here in the order they are registered (HAPI runs hooks by
 * their {@code order}, then in this order), as HAPI's JPA starter does in its server bean. It lives in the
 * application's root package, which may know every feature, so that {@code fhir} need not import them.
 */
@Configuration
public class InterceptorChain {

    /** The REST interceptors, in registration order; the security and consent entries only where they are on. */
    static List<Object> restInterceptors(
            FhirContext fhirContext,
            FhirProperties fhirProperties,
            SecurityProperties security,
            CaseloadResolver caseloads,
            DaoRegistry daos,
            MatchUrlService matchUrls,
            FhirConsentRegistration consent) {
        List<Object> chain = new ArrayList<>();
        // Pretty HTML for browsers asking for FHIR.
        chain.add(new ResponseHighlighterInterceptor());
        // The CapabilityStatement says what this server is and supports.
        chain.add(new CapabilityStatementCustomizer());
        // Refuses a Bundle with more entries than linkwell.fhir.max-bundle-entries before HAPI handles it.
        chain.add(new BundleEntryLimit(fhirProperties.maxBundleEntries()));
        // One log line for each refused request, with its request id (HAPI's own lines for them are filtered out).
        chain.add(new RefusalLog());
        if (security.enabled()) {
            PatientCompartment compartment = new PatientCompartment(fhirContext);
            // SMART scopes of the token: which types and interactions the client may use at all.
            chain.add(new SmartScopeInterceptor());
            // Conditional references to a Patient resolved and checked as the requester may see them.
            chain.add(new ConditionalPatientReferences(fhirContext, daos, matchUrls));
            // Searches narrowed to the requester's caseload (organisation, GP list, care team).
            chain.add(new CaseloadSearchNarrowing(caseloads, fhirContext, compartment));
            // Every interaction checked against the requester's caseload.
            chain.add(new CaseloadAuthorizationInterceptor(caseloads, compartment, fhirContext));
            // The SMART configuration advertised in the CapabilityStatement.
            chain.add(new SmartCapabilityStatement(security));
            // Types outside the patient compartment, each kept to its audience by a rule of its own: the trail...
            chain.add(new DisclosureTrailAudience(DisclosureTrailPaging::isTrailPage));
            // ...stored Bundles (admin only)...
            chain.add(new StoredBundlesForAdmin());
            // ...and Subscriptions (their owner, allowed roles and endpoints).
            chain.add(new SubscriptionOwnership(daos, fhirProperties.subscriptions()));
        }
        if (consent.decisionPoint() != null) {
            // The one decision point: may this client, for this purpose, see this resource as it is now?
            chain.add(consent.decisionPoint());
            // The consent engine's side of HAPI's consent service (permit, redact, audit).
            chain.add(consent.adapter());
            // HAPI's consent interceptor, calling the adapter on every resource leaving the server.
            chain.add(consent.interceptor());
        }
        return chain;
    }

    @Bean
    public FhirRestServer fhirServer(
            FhirContext fhirContext,
            IFhirSystemDao<?, ?> systemDao,
            JpaSystemProvider<?, ?> systemProvider,
            ResourceProviderFactory resourceProviders,
            JpaStorageSettings storageSettings,
            ISearchParamRegistry searchParamRegistry,
            IValidationSupport validationSupport,
            DatabaseBackedPagingProvider pagingProvider,
            FhirProperties properties,
            AuditEventProvider auditEvents,
            SecurityProperties security,
            CaseloadResolver caseloads,
            DaoRegistry daos,
            MatchUrlService matchUrls,
            FhirConsentRegistration consent,
            ReferralClock referralClock,
            CaseloadOperation caseloadOperation,
            StoredMatches storedMatches) {
        RestfulServer server = new RestfulServer(fhirContext);
        fhirContext.setNarrativeGenerator(new NullNarrativeGenerator());
        // Nothing here builds references that hold a resource object to be contained on encoding, and looking for
        // them walks every reference of every resource HAPI encodes (12% of the gateway's CPU in the CLD benchmark).
        // Contained resources a client sends are kept as sent.
        fhirContext.getParserOptions().setAutoContainReferenceTargetsWithNoId(false);
        // AuditEvent is the disclosure trail, served from its own table rather than HAPI's resource store.
        server.registerProviders(resourceProviders.createProviders().stream()
                .filter(p -> !(p instanceof IResourceProvider r && r.getResourceType() == AuditEvent.class))
                .toList());
        server.registerProvider(auditEvents);
        // The service's figures: Measure/<id>/$evaluate-measure, counting only what the caller could read.
        DecisionPoint decisionPoint = consent.decisionPoint();
        server.registerProvider(new MeasureEvaluation(
                daos,
                storedMatches,
                referralClock,
                referralClock.zone(),
                Clock.systemUTC(),
                decisionPoint == null ? null : decisionPoint::wouldShow));
        server.registerProvider(systemProvider);
        // PractitionerRole/{id}/$caseload: a worker's caseload in figures, for their team.
        server.registerProvider(caseloadOperation);

        JpaCapabilityStatementProvider capabilities = new JpaCapabilityStatementProvider(
                server, systemDao, storageSettings, searchParamRegistry, validationSupport);
        capabilities.setImplementationDescription("Linkwell FHIR gateway");
        server.setServerConformanceProvider(capabilities);
        server.setServerName("Linkwell");

        pagingProvider.setDefaultPageSize(properties.defaultPageSize());
        pagingProvider.setMaximumPageSize(properties.maxPageSize());
        server.setPagingProvider(new DisclosureTrailPaging(pagingProvider, Duration.ofHours(1), Clock.systemUTC()));
        server.setDefaultResponseEncoding(EncodingEnum.JSON);
        server.setDefaultPrettyPrint(true);
        restInterceptors(fhirContext, properties, security, caseloads, daos, matchUrls, consent)
                .forEach(server::registerInterceptor);
        server.setServerAddressStrategy(
                properties.serverAddress().isBlank()
                        ? new IncomingRequestAddressStrategy()
                        : new HardcodedServerAddressStrategy(properties.serverAddress()));
        return new FhirRestServer(server);
    }
}
