package uk.linkwell.gateway.exchange;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.http.HttpClientConfigurer;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.transaction.PlatformTransactionManager;
import uk.linkwell.gateway.consent.OutboundConsentFilter;
import uk.linkwell.gateway.ingest.store.InstanceIdentity;

/**
 * Wires outbound exchanges: the outbox, the triggers on HAPI's storage layer (so every door's writes are seen, in
 * their own transactions), and the sender's Camel route, each as {@code linkwell.exchange.*} says.
 */
@Configuration(proxyBeanMethods = false)
public class ExchangeConfig {

    @Bean
    public Outbox outbox(PlatformTransactionManager transactionManager, Clock clock, InstanceIdentity instance) {
        return new Outbox(transactionManager, clock, instance.id());
    }

    @Bean
    public ExchangeRecipients exchangeRecipients(DaoRegistry daos, Outbox outbox, Clock clock) {
        return new ExchangeRecipients(daos, outbox, clock);
    }

    @Bean
    @Primary
    LettersInTransaction lettersInTransaction(Outbox outbox) {
        return new LettersInTransaction(outbox);
    }

    /** On the storage layer, so an A03 applied by the inbound worker and a FHIR write alike record deliveries. */
    @Bean
    @ConditionalOnExpression("${linkwell.exchange.enabled:true} and ${linkwell.exchange.discharge.enabled:true}")
    public DischargeNotifications dischargeNotifications(
            ExchangeRecipients recipients,
            @Qualifier("followUpsInTransaction") LettersInTransaction followUps,
            IInterceptorService storageInterceptors) {
        DischargeNotifications trigger = new DischargeNotifications(recipients, followUps);
        storageInterceptors.registerInterceptor(trigger);
        return trigger;
    }

    /** The follow-up referrals written in a transaction, for the discharge delivery recorded in it. */
    @Bean
    LettersInTransaction followUpsInTransaction(Outbox outbox) {
        return new LettersInTransaction(outbox);
    }

    /** The discharge referral to the care management team's (and its council's) Endpoints. */
    @Bean
    @ConditionalOnExpression(
            "${linkwell.exchange.enabled:true} and ${linkwell.exchange.discharge-follow-up.enabled:true}")
    public DischargeFollowUpNotifications dischargeFollowUpNotifications(
            ExchangeRecipients recipients,
            @Qualifier("followUpsInTransaction") LettersInTransaction followUps,
            ExchangeProperties properties,
            IInterceptorService storageInterceptors) {
        DischargeFollowUpNotifications trigger = new DischargeFollowUpNotifications(
                recipients, followUps, properties.dischargeFollowUp().recipientRole());
        storageInterceptors.registerInterceptor(trigger);
        return trigger;
    }

    @Bean
    @ConditionalOnExpression("${linkwell.exchange.enabled:true} and ${linkwell.exchange.referral-decided.enabled:true}")
    public ReferralDecisionNotifications referralDecisionNotifications(
            ExchangeRecipients recipients,
            LettersInTransaction letters,
            ExchangeProperties properties,
            IInterceptorService storageInterceptors) {
        ReferralDecisionNotifications trigger = new ReferralDecisionNotifications(
                recipients, letters, properties.referralDecided().recipientRole());
        storageInterceptors.registerInterceptor(trigger);
        return trigger;
    }

    @Bean
    @ConditionalOnExpression("${linkwell.exchange.enabled:true} and ${linkwell.exchange.case-closed.enabled:true}")
    public CaseClosureNotifications caseClosureNotifications(
            ExchangeRecipients recipients, LettersInTransaction letters, IInterceptorService storageInterceptors) {
        CaseClosureNotifications trigger = new CaseClosureNotifications(recipients, letters);
        storageInterceptors.registerInterceptor(trigger);
        return trigger;
    }

    @Bean
    @ConditionalOnExpression("${linkwell.exchange.enabled:true} and ${linkwell.exchange.admission.enabled:true}")
    public AdmissionNotifications admissionNotifications(
            ExchangeRecipients recipients,
            DaoRegistry daos,
            ExchangeProperties properties,
            IInterceptorService storageInterceptors) {
        AdmissionNotifications trigger = new AdmissionNotifications(
                recipients, daos, properties.admission().recipientRole());
        storageInterceptors.registerInterceptor(trigger);
        return trigger;
    }

    @Bean
    @ConditionalOnExpression("${linkwell.exchange.enabled:true} and ${linkwell.exchange.care-plan.enabled:true}")
    public CarePlanNotifications carePlanNotifications(
            ExchangeRecipients recipients, IInterceptorService storageInterceptors) {
        CarePlanNotifications trigger = new CarePlanNotifications(recipients);
        storageInterceptors.registerInterceptor(trigger);
        return trigger;
    }

    /**
     * The sender's HTTP client: no retries of its own (Apache HttpClient 5 repeats a request answered 503 or 429,
     * which would hide the receiver's answer from the outbox and bypass its backoff) and no cookies kept between
     * receivers.
     */
    @Bean(OutboxSender.HTTP_CLIENT_CONFIGURER)
    public HttpClientConfigurer linkwellExchangeHttpClient() {
        return builder -> builder.disableAutomaticRetries().disableCookieManagement();
    }

    @Bean
    public DeliveryPayloads deliveryPayloads(
            FhirContext fhirContext, DaoRegistry daos, ObjectMapper json, ExchangeProperties properties) {
        return new DeliveryPayloads(fhirContext, daos, json, properties);
    }

    @Bean
    public OutboxSender outboxSender(
            Outbox outbox,
            DeliveryPayloads payloads,
            OutboundConsentFilter consent,
            CamelContext camel,
            ExchangeProperties properties,
            FhirContext fhirContext,
            MeterRegistry meters,
            Clock clock) {
        ProducerTemplate http = camel.createProducerTemplate();
        return new OutboxSender(outbox, payloads, consent, http, properties, fhirContext, meters, clock);
    }

    @Bean
    @ConditionalOnExpression("${linkwell.exchange.enabled:true} and ${linkwell.exchange.sender-enabled:true}")
    public OutboxRoute outboxRoute(OutboxSender sender, ExchangeProperties properties) {
        return new OutboxRoute(sender, properties);
    }
}
