package uk.linkwell.gateway.security;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.interceptor.auth.AuthorizationInterceptor;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRule;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRuleBuilder;
import ca.uhn.fhir.rest.server.interceptor.auth.PolicyEnum;
import ca.uhn.fhir.rest.server.interceptor.auth.RuleBuilder;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.PractitionerRole;
import uk.linkwell.gateway.security.SmartScope.Permission;

/**
 * HAPI rules built from the token, once per requester and caseload: each SMART scope becomes read/write rules
 * for its types, limited to the requester's {@link Caseload} for types in the Patient compartment. HAPI applies them to
 * reads, every resource a response would show ({@code _include}, {@code _revinclude}, history,
 * {@code $everything}) and every entry of a transaction.
 */
public class CaseloadAuthorizationInterceptor extends AuthorizationInterceptor {

    private final CaseloadResolver caseloads;
    private final PatientCompartment compartment;

    private final FhirContext fhirContext;

    public CaseloadAuthorizationInterceptor(
            CaseloadResolver caseloads, PatientCompartment compartment, FhirContext fhirContext) {
        super(PolicyEnum.DENY);
        this.fhirContext = fhirContext;
        this.caseloads = caseloads;
        this.compartment = compartment;
    }

    /** A requester's rules and the caseload they were built for. */
    private record BuiltRules(Caseload caseload, List<IAuthRule> rules) {}

    /**
     * Rules are the same for every request of one requester while its caseload stands (the resolver hands out
     * the same Caseload until it changes), so they are built once and reused rather than on every request.
     */
    private final Map<Requester, BuiltRules> built = new ConcurrentHashMap<>();

    @Override
    public List<IAuthRule> buildRuleList(RequestDetails request) {
        Optional<Requester> found = FhirRequesters.of(request);
        if (found.isEmpty()) {
            RuleBuilder rules = new RuleBuilder();
            rules.allow("capabilities").metadata().andThen();
            return rules.denyAll("no Linkwell identity").build();
        }
        Requester requester = found.get();
        // A hospital writes for any patient it admits; every other role reaches its own caseload only.
        Caseload caseload =
                requester.role() == ClientRole.HOSPITAL ? Caseload.EVERYONE : caseloads.caseloadOf(requester);
        BuiltRules known = built.get(requester);
        if (known != null && known.caseload() == caseload) {
            return known.rules();
        }
        if (built.size() > 10_000) {
            built.clear();
        }
        List<IAuthRule> rules = rulesFor(requester, caseload);
        built.put(requester, new BuiltRules(caseload, rules));
        return rules;
    }

    private List<IAuthRule> rulesFor(Requester requester, Caseload caseload) {
        RuleBuilder rules = new RuleBuilder();
        rules.allow("capabilities").metadata().andThen();
        boolean canRead = requester.role() != ClientRole.HOSPITAL;

        CaseloadTester tester =
                caseload.everyone() ? null : new CaseloadTester(caseload.references(), fhirContext, compartment);
        // A receiving team screens referrals for people not (yet) on its caseload: it reads the referral Tasks it
        // owns and the ServiceRequests they are about, and updates those Tasks (to decide), nothing more.
        AddressedReferrals addressed = new AddressedReferrals(requester.organisation(), caseloads);
        CaseloadTester readTester = tester == null ? null : tester.orAlso(addressed::readable);
        CaseloadTester writeTester = tester == null ? null : tester.orAlso(addressed::writable);
        Set<String> readTypes = new LinkedHashSet<>();
        Set<String> createTypes = new LinkedHashSet<>();
        Set<String> updateTypes = new LinkedHashSet<>();
        Set<String> deleteTypes = new LinkedHashSet<>();
        for (SmartScope scope : requester.smartScopes()) {
            if (canRead && (scope.grants(Permission.READ) || scope.grants(Permission.SEARCH))) {
                readTypes.add(scope.resourceType());
            }
            if (scope.grants(Permission.CREATE)) {
                createTypes.add(scope.resourceType());
            }
            if (scope.grants(Permission.UPDATE)) {
                updateTypes.add(scope.resourceType());
            }
            if (scope.grants(Permission.DELETE)) {
                deleteTypes.add(scope.resourceType());
            }
        }
        for (String type : readTypes) {
            addRules(rules, type, caseload, readTester, Op.READ);
        }
        for (String type : createTypes) {
            addRules(rules, type, caseload, tester, Op.CREATE);
            if (appliesTo(type, "Patient") && !caseload.everyone()) {
                // Registering a new person: they join the caseload once stored (e.g. generalPractitioner set).
                rules.allow("register a patient")
                        .create()
                        .resourcesOfType(Patient.class)
                        .withAnyId()
                        .andThen();
            }
        }
        for (String type : updateTypes) {
            addRules(rules, type, caseload, writeTester, Op.WRITE);
        }
        for (String type : deleteTypes) {
            addRules(rules, type, caseload, tester, Op.DELETE);
        }
        if (!updateTypes.isEmpty()) {
            // The patched result is checked by the write rules above, as HAPI does for any update.
            rules.allow("patch").patch().allRequests().andThen();
        }
        if (requester.role() == ClientRole.ADMIN) {
            rules.allow("admin operations")
                    .operation()
                    .withAnyName()
                    .atAnyLevel()
                    .andAllowAllResponses()
                    .andThen();
        } else if (canRead) {
            // Everything returned must pass the read rules: patient B's $everything shows nothing to practice A.
            rules.allow("$everything")
                    .operation()
                    .named("$everything")
                    .onInstancesOfType(Patient.class)
                    .andRequireExplicitResponseAuthorization()
                    .andThen();
            rules.allow("$everything")
                    .operation()
                    .named("$everything")
                    .onType(Patient.class)
                    .andRequireExplicitResponseAuthorization()
                    .andThen();
            // A worker's caseload in figures: no record about a person leaves; the operation itself keeps it to the
            // worker's team (workflow.CaseloadOperation).
            rules.allow("$caseload")
                    .operation()
                    .named("$caseload")
                    .onInstancesOfType(PractitionerRole.class)
                    .andAllowAllResponses()
                    .andThen();
        }
        if (requester.role() != ClientRole.ADMIN && requester.isGranted("Measure", SmartScope.Permission.READ)) {
            // A summary report about no one: its figures count only what the requester could read directly
            // (workflow.measure.MeasureEvaluation asks the decision point about each record).
            rules.allow("$evaluate-measure")
                    .operation()
                    .named("$evaluate-measure")
                    .onInstancesOfType(org.hl7.fhir.r4.model.Measure.class)
                    .andAllowAllResponses()
                    .andThen();
        }
        rules.allow("transaction")
                .transaction()
                .withAnyOperation()
                .andApplyNormalRules()
                .andThen();
        return rules.denyAll("outside the requester's scopes or caseload").build();
    }

    private enum Op {
        READ,
        CREATE,
        WRITE,
        DELETE
    }

    private void addRules(IAuthRuleBuilder rules, String scopeType, Caseload caseload, CaseloadTester tester, Op op) {
        if (caseload.everyone()) {
            if (scopeType.equals(SmartScope.ANY_TYPE)) {
                withAnyId(rules, op, null);
            } else {
                withAnyId(rules, op, scopeType);
            }
            return;
        }
        if (scopeType.equals(SmartScope.ANY_TYPE)) {
            inCaseload(rules, op, null, tester);
            compartment.sharedTypes().forEach(type -> withAnyId(rules, op, type));
        } else if (compartment.contains(scopeType)) {
            inCaseload(rules, op, scopeType, tester);
        } else {
            withAnyId(rules, op, scopeType);
        }
    }

    private static void withAnyId(IAuthRuleBuilder rules, Op op, String type) {
        var target =
                switch (op) {
                    case READ -> rules.allow(ruleName(op, type)).read();
                    case CREATE -> rules.allow(ruleName(op, type)).create();
                    case WRITE -> rules.allow(ruleName(op, type)).write();
                    case DELETE -> null;
                };
        if (op == Op.DELETE) {
            var delete = rules.allow(ruleName(op, type)).delete();
            (type == null ? delete.allResources() : delete.resourcesOfType(type))
                    .withAnyId()
                    .andThen();
            return;
        }
        (type == null ? target.allResources() : target.resourcesOfType(type))
                .withAnyId()
                .andThen();
    }

    /** Any id of the type, as long as the resource turns out to belong to a patient on the caseload. */
    private void inCaseload(IAuthRuleBuilder rules, Op op, String type, CaseloadTester tester) {
        if (op == Op.DELETE) {
            var delete = rules.allow(ruleName(op, type)).delete();
            (type == null ? delete.allResources() : delete.resourcesOfType(type))
                    .withAnyId()
                    .withTester(tester)
                    .andThen();
            return;
        }
        var target =
                switch (op) {
                    case READ -> rules.allow(ruleName(op, type)).read();
                    case CREATE -> rules.allow(ruleName(op, type)).create();
                    default -> rules.allow(ruleName(op, type)).write();
                };
        (type == null ? target.allResources() : target.resourcesOfType(type))
                .withAnyId()
                .withTester(tester)
                .andThen();
    }

    /**
     * Each rule gets its own name, and so its own builder: HAPI hands out one shared builder for unnamed
     * {@code allow()} calls, which turned a write rule into a second create rule.
     */
    private static String ruleName(Op op, String type) {
        return op.name().toLowerCase(java.util.Locale.ROOT) + " " + (type == null ? "*" : type);
    }

    private static boolean appliesTo(String scopeType, String type) {
        return scopeType.equals(SmartScope.ANY_TYPE) || scopeType.equals(type);
    }
}
