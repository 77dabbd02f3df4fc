package uk.linkwell.profiles;

import ca.uhn.fhir.context.ConfigurationException;
import ca.uhn.fhir.context.support.IValidationSupport;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.common.hapi.validation.validator.WorkerContextValidationSupportAdapter;
import org.hl7.fhir.exceptions.FHIRException;
import org.hl7.fhir.r5.context.IWorkerContext;
import org.hl7.fhir.r5.elementmodel.JsonParser;
import org.hl7.fhir.r5.elementmodel.Manager;
import org.hl7.fhir.r5.elementmodel.ParserBase.ValidationPolicy;
import org.hl7.fhir.r5.elementmodel.ValidatedFragment;
import org.hl7.fhir.r5.model.StructureDefinition;
import org.hl7.fhir.r5.utils.validation.ValidatorSession;
import org.hl7.fhir.r5.utils.validation.constants.IdStatus;
import org.hl7.fhir.r5.utils.xver.XVerExtensionManagerOld;
import org.hl7.fhir.utilities.i18n.I18nConstants;
import org.hl7.fhir.utilities.validation.ValidationMessage;
import org.hl7.fhir.validation.ValidatorSettings;
import org.hl7.fhir.validation.instance.InstanceValidator;

/**
 * A small pool of reusable org.hl7.fhir {@link InstanceValidator}s, each with its JSON parser, configured
 * exactly as HAPI's {@link FhirInstanceValidator} configures its own.
 *
 * <p>Why not just FhirInstanceValidator: HAPI 8.8 builds a new InstanceValidator for every call, and each
 * one parses the 1.5 MB OID registry CSV of org.hl7.fhir.utilities (6.7.9, unchanged up to 7.0.5); that was
 * 80-90% of the cost of validating a resource. Reusing validators (renewed every {@link #USES_BEFORE_RENEWAL}
 * calls so that nothing a session keeps can grow without bound) keeps the same rules at a fraction of the cost.
 */
final class InstanceValidatorPool {

    static final int USES_BEFORE_RENEWAL = 1000;

    private final FhirInstanceValidator settings;
    private final IWorkerContext workerContext;
    private final BlockingQueue<Pooled> idle;

    private static final class Pooled {
        final InstanceValidator validator;
        /**
         * The JSON parser into the validator's element model, kept with it. InstanceValidator's own stream entry
         * point builds a parser for every call, and with it a FHIRPath engine and a fresh cache of which types are
         * resources (filled by converting every StructureDefinition to R5 again): a seventh of what validation
         * cost in the ADT benchmark's profile.
         */
        final JsonParser parser;

        int uses;

        Pooled(InstanceValidator validator, JsonParser parser) {
            this.validator = validator;
            this.parser = parser;
        }
    }

    InstanceValidatorPool(FhirInstanceValidator settings, IValidationSupport validationSupport, int size) {
        this.settings = settings;
        // The same worker context FhirInstanceValidator builds for itself, built once here.
        this.workerContext =
                WorkerContextValidationSupportAdapter.newVersionSpecificWorkerContextWrapper(validationSupport);
        this.idle = new ArrayBlockingQueue<>(size);
        for (int i = 0; i < size; i++) {
            idle.add(new Pooled(null, null));
        }
    }

    /** Validates one resource given as JSON against base FHIR, the profiles it claims and {@code profileUrls}. */
    List<ValidationMessage> validate(String json, List<String> profileUrls) {
        Pooled slot = take();
        Pooled used = slot;
        try {
            if (used.validator == null || used.uses >= USES_BEFORE_RENEWAL) {
                used = new Pooled(newValidator(), newParser());
            }
            used.uses++;
            List<StructureDefinition> profiles = new ArrayList<>();
            List<ValidationMessage> unknownProfiles = new ArrayList<>();
            for (String url : profileUrls) {
                StructureDefinition sd = workerContext.fetchResource(StructureDefinition.class, url);
                if (sd != null) {
                    profiles.add(sd);
                } else {
                    ValidationMessage m = new ValidationMessage();
                    m.setMessageId(I18nConstants.VALIDATION_VAL_PROFILE_UNKNOWN);
                    m.setLevel(ValidationMessage.IssueSeverity.ERROR);
                    m.setMessage("Invalid profile. Failed to retrieve profile with url=" + url);
                    unknownProfiles.add(m);
                }
            }
            List<ValidationMessage> messages = new ArrayList<>();
            byte[] content = json.getBytes(StandardCharsets.UTF_8);
            if (profiles.stream().anyMatch(sd -> sd.getKind() == StructureDefinition.StructureDefinitionKind.LOGICAL)) {
                // Logical models change how the parser reads the content: the validator's own entry point handles them.
                used.validator.validate(
                        null, messages, new ByteArrayInputStream(content), Manager.FhirFormat.JSON, profiles);
            } else {
                // What InstanceValidator.validate(appContext, errors, stream, JSON, profiles) does for a resource
                // profile, with the pooled parser instead of a new one (see Pooled.parser).
                List<ValidatedFragment> fragments = parse(used.parser, content);
                for (ValidatedFragment fragment : fragments) {
                    if (fragment.getElement() != null) {
                        used.validator.validate(
                                null,
                                fragment.getErrors(),
                                fragments.size() > 1 ? fragment.path() : null,
                                fragment.getElement(),
                                profiles);
                    }
                    messages.addAll(fragment.getErrors());
                }
            }
            messages.addAll(unknownProfiles);
            // The suppressions HAPI's own wrapper applies.
            messages.removeIf(m -> I18nConstants.TERMINOLOGY_TX_BINDING_NOSOURCE.equals(m.getMessageId())
                    || (I18nConstants.TERMINOLOGY_TX_VALUESET_NOTFOUND.equals(m.getMessageId())
                            && m.getMessage() != null
                            && m.getMessage().contains("http://hl7.org/fhir/ValueSet/mimetypes")));
            for (ValidationMessage m : messages) {
                if ((I18nConstants.VALIDATION_VAL_PROFILE_UNKNOWN.equals(m.getMessageId())
                                || I18nConstants.VALIDATION_VAL_PROFILE_UNKNOWN_NOT_POLICY.equals(m.getMessageId()))
                        && m.getLevel() == ValidationMessage.IssueSeverity.WARNING) {
                    m.setLevel(ValidationMessage.IssueSeverity.ERROR);
                }
            }
            return messages;
        } finally {
            idle.add(used);
        }
    }

    private static List<ValidatedFragment> parse(JsonParser parser, byte[] content) {
        try {
            return parser.parse(new ByteArrayInputStream(content));
        } catch (IOException e) {
            throw new FHIRException(e);
        }
    }

    /** Set up as InstanceValidator sets up the parser it makes for JSON (no comments, no signature services). */
    private JsonParser newParser() {
        JsonParser parser = new JsonParser(workerContext);
        parser.setupValidation(ValidationPolicy.EVERYTHING);
        parser.setAllowComments(false);
        return parser;
    }

    private Pooled take() {
        try {
            return idle.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for a validator", e);
        }
    }

    private InstanceValidator newValidator() {
        InstanceValidator v;
        try {
            v = new InstanceValidator(
                    workerContext,
                    Objects.requireNonNullElseGet(
                            settings.getHostApplicationServices(), FhirInstanceValidator.NullEvaluationContext::new),
                    new XVerExtensionManagerOld(workerContext),
                    new ValidatorSession(),
                    new ValidatorSettings());
        } catch (Exception e) {
            throw new ConfigurationException("Cannot build the FHIR instance validator: " + e.getMessage(), e);
        }
        v.setAssumeValidRestReferences(settings.isAssumeValidRestReferences());
        v.setBestPracticeWarningLevel(settings.getBestPracticeWarningLevel());
        v.setAnyExtensionsAllowed(settings.isAnyExtensionsAllowed());
        v.setResourceIdRule(IdStatus.OPTIONAL);
        v.setNoTerminologyChecks(settings.isNoTerminologyChecks());
        v.setErrorForUnknownProfiles(settings.isErrorForUnknownProfiles());
        v.setUnknownCodeSystemsCauseErrors(true);
        v.getExtensionDomains().addAll(settings.getExtensionDomains());
        v.setFetcher(settings.getValidatorResourceFetcher());
        v.setPolicyAdvisor(settings.getValidatorPolicyAdvisor());
        v.setNoExtensibleWarnings(settings.isNoExtensibleWarnings());
        v.setNoBindingMsgSuppressed(settings.isNoBindingMsgSuppressed());
        v.setAllowExamples(settings.isAllowExamples());
        v.setAllowXsiLocation(true);
        return v;
    }
}
