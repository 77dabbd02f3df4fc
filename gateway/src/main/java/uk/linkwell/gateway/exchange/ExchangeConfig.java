package uk.linkwell.gateway.exchange;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import org.apache.camel.CamelContext;
import org.apache.camel.component.hl7.HL7MLLPNettyDecoderFactory;
import org.apache.camel.component.hl7.HL7MLLPNettyEncoderFactory;
import org.apache.camel.component.http.HttpClientConfigurer;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.ssl.SslBundles;
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
    RecordsInTransaction lettersInTransaction(Outbox outbox) {
        return new RecordsInTransaction(outbox);
    }

    /** On the storage layer, so an A03 applied by the inbound worker and a FHIR write alike record deliveries. */
    @Bean
    @ConditionalOnExpression("${linkwell.exchange.enabled:true} and ${linkwell.exchange.discharge.enabled:true}")
    public DischargeNotifications dischargeNotifications(
            ExchangeRecipients recipients,
            @Qualifier("followUpsInTransaction") RecordsInTransaction followUps,
            IInterceptorService storageInterceptors) {
        DischargeNotifications trigger = new DischargeNotifications(recipients, followUps);
        storageInterceptors.registerInterceptor(trigger);
        return trigger;
    }

    /** The follow-up referrals written in a transaction, for the discharge delivery recorded in it. */
    @Bean
    RecordsInTransaction followUpsInTransaction(Outbox outbox) {
        return new RecordsInTransaction(outbox);
    }

    /** The discharge referral to the care management team's (and its council's) Endpoints. */
    @Bean
    @ConditionalOnExpression(
            "${linkwell.exchange.enabled:true} and ${linkwell.exchange.discharge-follow-up.enabled:true}")
    public DischargeFollowUpNotifications dischargeFollowUpNotifications(
            ExchangeRecipients recipients,
            @Qualifier("followUpsInTransaction") RecordsInTransaction followUps,
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
            RecordsInTransaction letters,
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
            ExchangeRecipients recipients, RecordsInTransaction letters, IInterceptorService storageInterceptors) {
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
    @Bean(ExchangeHttp.HTTP_CLIENT_CONFIGURER)
    public HttpClientConfigurer linkwellExchangeHttpClient() {
        return builder -> builder.disableAutomaticRetries().disableCookieManagement();
    }

    @Bean
    public DeliveryPayloads deliveryPayloads(
            FhirContext fhirContext, DaoRegistry daos, ObjectMapper json, ExchangeProperties properties) {
        return new DeliveryPayloads(fhirContext, daos, json, properties);
    }

    @Bean
    public ExchangeTls exchangeTls(SslBundles bundles, ExchangeProperties properties) {
        return new ExchangeTls(bundles, properties);
    }

    @Bean
    public ExchangeHttp exchangeHttp(
            CamelContext camel, FhirContext fhirContext, ExchangeProperties properties, ExchangeTls tls) {
        return new ExchangeHttp(camel, fhirContext, properties, tls);
    }

    @Bean
    public FhirMessageSender fhirMessageSender(DeliveryPayloads payloads, ExchangeHttp http) {
        return new FhirMessageSender(payloads, http);
    }

    @Bean
    public WebhookSender webhookSender(DeliveryPayloads payloads, ExchangeHttp http, ExchangeProperties properties) {
        return new WebhookSender(payloads, http, properties);
    }

    /** MLLP framing of the HL7 v2 messages the {@code hl7v2-mllp} channel sends (UTF-8, sent as built). */
    @Bean(Hl7v2MllpSender.ENCODER)
    public HL7MLLPNettyEncoderFactory linkwellExchangeMllpEncoder() {
        HL7MLLPNettyEncoderFactory encoder = new HL7MLLPNettyEncoderFactory();
        encoder.setConvertLFtoCR(false);
        encoder.setCharset(StandardCharsets.UTF_8);
        return encoder;
    }

    /** MLLP de-framing of the receivers' ACKs, handed over as text. */
    @Bean(Hl7v2MllpSender.DECODER)
    public HL7MLLPNettyDecoderFactory linkwellExchangeMllpDecoder() {
        HL7MLLPNettyDecoderFactory decoder = new HL7MLLPNettyDecoderFactory();
        decoder.setConvertLFtoCR(false);
        decoder.setCharset(StandardCharsets.UTF_8);
        decoder.setProduceString(true);
        return decoder;
    }

    @Bean
    public Hl7v2MllpSender hl7v2MllpSender(CamelContext camel, ExchangeProperties properties) {
        return new Hl7v2MllpSender(new Hl7v2Notifications(), camel.createProducerTemplate(), properties);
    }

    @Bean
    public FhirRestSender fhirRestSender(
            FhirContext fhirContext, DeliveryPayloads payloads, ExchangeHttp http, ExchangeProperties properties) {
        return new FhirRestSender(fhirContext, payloads, http, properties);
    }

    @Bean
    public AmqpSender amqpSender(DeliveryPayloads payloads, ExchangeProperties properties, ExchangeTls tls) {
        return new AmqpSender(payloads, properties, tls);
    }

    @Bean
    public OutboxSender outboxSender(
            Outbox outbox,
            DeliveryPayloads payloads,
            OutboundConsentFilter consent,
            List<ChannelSender> channels,
            ExchangeProperties properties,
            MeterRegistry meters,
            Clock clock) {
        return new OutboxSender(
                outbox,
                payloads,
                consent,
                channels,
                new EndpointBreakers(properties.circuitBreaker()),
                properties,
                meters,
                clock);
    }

    @Bean
    @ConditionalOnExpression("${linkwell.exchange.enabled:true} and ${linkwell.exchange.sender-enabled:true}")
    public OutboxRoute outboxRoute(OutboxSender sender, ExchangeProperties properties) {
        return new OutboxRoute(sender, properties);
    }
}
