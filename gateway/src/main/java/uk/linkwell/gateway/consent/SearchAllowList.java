package uk.linkwell.gateway.consent;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeSearchParam;
import ca.uhn.fhir.rest.api.RestSearchParameterTypeEnum;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import java.util.Map;
import java.util.Set;
import uk.linkwell.gateway.security.RoleRefusal;

/**
 * The search parameters a client other than an operator may use, as an allow-list over each parameter read
 * structurally (name, modifier, chain, target type, chained parameter), not by its spelling: a search must not
 * filter by records the client may not see. Allowed: the searched type's own parameters and the result
 * parameters; chains of one link into the person or the directory, by their identifying parameters; {@code _sort}
 * by the searched type's own parameters; {@code _include}/{@code _revinclude} that name what they include.
 * Refused, wherever it appears (also inside a chain): reverse chaining ({@code _has}), {@code _filter},
 * {@code _query}, {@code _text}, {@code _content}, {@code _contained}, wildcard includes.
 */
public final class SearchAllowList {

    /** What a chain may reach, and by which of the target's parameters. */
    private static final Map<String, Set<String>> CHAINABLE = Map.of(
            "Patient",
                    Set.of(
                            "_id",
                            "identifier",
                            "name",
                            "family",
                            "given",
                            "birthdate",
                            "gender",
                            "general-practitioner"),
            "Organization", Set.of("_id", "identifier", "name"),
            "Practitioner", Set.of("_id", "identifier", "name", "family", "given"),
            "PractitionerRole", Set.of("_id", "identifier", "practitioner", "organization"),
            "Location", Set.of("_id", "identifier", "name"),
            "HealthcareService", Set.of("_id", "identifier", "name"));

    /** Result and common parameters any search may carry. */
    private static final Set<String> RESULT_PARAMETERS = Set.of(
            "_count",
            "_summary",
            "_elements",
            "_total",
            "_format",
            "_pretty",
            "_offset",
            "_id",
            "_lastUpdated",
            "_tag",
            "_security",
            "_profile",
            "_source",
            "_list",
            "_type",
            "_include",
            "_revinclude",
            "_sort",
            "_include:iterate",
            "_revinclude:iterate",
            "_include:recurse",
            "_revinclude:recurse",
            "_getpages",
            "_getpagesoffset",
            "_bundletype",
            "_language");

    private static final Set<String> REFUSED =
            Set.of("_has", "_filter", "_query", "_text", "_content", "_contained", "_containedType");

    private final FhirContext fhirContext;
    /** The server's active search parameters: the base specification's and the Linkwell package's own. */
    private final ISearchParamRegistry searchParameters;

    public SearchAllowList(FhirContext fhirContext, ISearchParamRegistry searchParameters) {
        this.fhirContext = fhirContext;
        this.searchParameters = searchParameters;
    }

    /**
     * Checks a search of {@code type} (null: a search across types) with these parameters; a refusal names the
     * parameter and what is allowed instead. It depends only on the request, never on stored records.
     */
    public void check(String type, Map<String, String[]> parameters) {
        for (Map.Entry<String, String[]> parameter : parameters.entrySet()) {
            String name = parameter.getKey();
            for (String refused : REFUSED) {
                if (name.equals(refused)
                        || name.startsWith(refused + ":")
                        || name.contains("." + refused)
                        || name.contains(":" + refused)) {
                    throw refusal(
                            name,
                            refused + " filters by records that may be withheld from you: search those"
                                    + " records directly");
                }
            }
            if (name.equals("_sort")) {
                sort(type, parameter.getValue());
            } else if (name.startsWith("_include") || name.startsWith("_revinclude")) {
                includes(name, parameter.getValue());
            } else if (RESULT_PARAMETERS.contains(name)) {
                continue;
            } else if (type != null) {
                ownOrChained(type, name);
            }
        }
    }

    private void ownOrChained(String type, String name) {
        int dot = name.indexOf('.');
        String head = dot < 0 ? name : name.substring(0, dot);
        String param = head.contains(":") ? head.substring(0, head.indexOf(':')) : head;
        RuntimeSearchParam searchParam = searchParam(type, param);
        if (searchParam == null && !param.startsWith("_")) {
            throw refusal(name, param + " is not a search parameter of " + type);
        }
        if (dot < 0) {
            return;
        }
        if (searchParam == null || searchParam.getParamType() != RestSearchParameterTypeEnum.REFERENCE) {
            throw refusal(name, param + " is not a reference: nothing to chain through");
        }
        Set<String> targets =
                head.contains(":") ? Set.of(head.substring(head.indexOf(':') + 1)) : searchParam.getTargets();
        String tail = name.substring(dot + 1);
        String tailParam = tail.contains(":") ? tail.substring(0, tail.indexOf(':')) : tail;
        if (tailParam.contains(".")) {
            throw refusal(name, "a chain may have one link only");
        }
        if (targets.isEmpty()) {
            throw refusal(
                    name, "chain through " + param + " with its target type, e.g. " + param + ":Patient." + tailParam);
        }
        for (String target : targets) {
            Set<String> allowed = CHAINABLE.get(target);
            if (allowed == null || !allowed.contains(tailParam)) {
                throw refusal(
                        name,
                        "a chain may reach " + String.join(", ", new java.util.TreeSet<>(CHAINABLE.keySet()))
                                + " by their identifying parameters only; " + target + "." + tailParam
                                + " is not one of"
                                + " them (chain with a target type, e.g. subject:Patient.identifier)");
            }
        }
    }

    private RuntimeSearchParam searchParam(String type, String name) {
        return searchParameters.getActiveSearchParam(
                type, name, ISearchParamRegistry.SearchParamLookupContextEnum.SEARCH);
    }

    private void sort(String type, String[] values) {
        for (String value : values) {
            for (String key : value.split(",")) {
                String param = key.trim().startsWith("-") ? key.trim().substring(1) : key.trim();
                if (param.isEmpty() || param.equals("_id") || param.equals("_lastUpdated")) {
                    continue;
                }
                if (param.contains(".") || param.contains(":") || type == null || searchParam(type, param) == null) {
                    throw refusal(
                            "_sort",
                            "sort by a search parameter of " + (type == null ? "the type" : type) + " itself (not "
                                    + param + ")");
                }
            }
        }
    }

    /**
     * Includes name what they include: a wildcard could reach anything. What an include brings back is decided
     * resource by resource like any other (a type the client may not read drops out unseen), so the named types
     * need no check here.
     */
    private static void includes(String name, String[] values) {
        for (String value : values) {
            if (value.trim().equals("*") || value.endsWith(":*") || value.split(":").length < 2) {
                throw refusal(name, "name what to include as Type:parameter; wildcards are for operators");
            }
        }
    }

    private static RoleRefusal refusal(String parameter, String why) {
        return new RoleRefusal("Search parameter " + parameter + " is not allowed: " + why);
    }
}
