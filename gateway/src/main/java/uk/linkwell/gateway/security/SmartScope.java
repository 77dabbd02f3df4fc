package uk.linkwell.gateway.security;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * One SMART App Launch scope ({@code system/CarePlan.rs}, {@code user/*.cruds}, or v1 {@code system/Goal.read}):
 * a resource type (or {@code *}) and the interactions it grants.
 */
public record SmartScope(String context, String resourceType, Set<Permission> permissions) {

    /** SMART v2 permission letters, in their canonical order c r u d s. */
    public enum Permission {
        CREATE,
        READ,
        UPDATE,
        DELETE,
        SEARCH
    }

    public static final String ANY_TYPE = "*";

    public SmartScope {
        permissions = permissions.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(permissions));
    }

    /** Parses one scope string; anything that is not a system/ or user/ resource scope is empty (ignored). */
    public static Optional<SmartScope> parse(String scope) {
        int slash = scope.indexOf('/');
        int dot = scope.lastIndexOf('.');
        if (slash <= 0 || dot <= slash + 1 || dot == scope.length() - 1) {
            return Optional.empty();
        }
        String context = scope.substring(0, slash);
        // patient/ scopes need a launch context that the client-credentials grant cannot carry.
        if (!context.equals("system") && !context.equals("user")) {
            return Optional.empty();
        }
        String type = scope.substring(slash + 1, dot);
        if (!type.equals(ANY_TYPE) && !type.matches("[A-Z][A-Za-z]+")) {
            return Optional.empty();
        }
        return permissions(scope.substring(dot + 1)).map(p -> new SmartScope(context, type, p));
    }

    private static Optional<Set<Permission>> permissions(String suffix) {
        switch (suffix) {
                // SMART v1 spellings, still sent by many clients.
            case "read":
                return Optional.of(EnumSet.of(Permission.READ, Permission.SEARCH));
            case "write":
                return Optional.of(EnumSet.of(Permission.CREATE, Permission.UPDATE, Permission.DELETE));
            case "*":
                return Optional.of(EnumSet.allOf(Permission.class));
            default:
                break;
        }
        // v2 letters must appear in the order c r u d s, each at most once.
        EnumSet<Permission> granted = EnumSet.noneOf(Permission.class);
        int last = -1;
        for (char letter : suffix.toCharArray()) {
            int index = "cruds".indexOf(letter);
            if (index <= last) {
                return Optional.empty();
            }
            granted.add(Permission.values()[index]);
            last = index;
        }
        return granted.isEmpty() ? Optional.empty() : Optional.of(granted);
    }

    public boolean appliesTo(String type) {
        return resourceType.equals(ANY_TYPE) || resourceType.equals(type);
    }

    public boolean grants(Permission permission) {
        return permissions.contains(permission);
    }

    /**
     * Whether this scope grants everything the other one does: {@code system/Patient.crus} covers
     * {@code system/Patient.rs}, {@code user/*.rs} covers {@code user/Goal.r}. Contexts must be the same.
     */
    public boolean covers(SmartScope other) {
        return context.equals(other.context)
                && (resourceType.equals(ANY_TYPE) || resourceType.equals(other.resourceType))
                && permissions.containsAll(other.permissions);
    }

    /** What both scopes grant ({@code user/*.rs} and {@code user/Goal.cruds}: {@code user/Goal.rs}), if anything. */
    public Optional<SmartScope> intersect(SmartScope other) {
        if (!context.equals(other.context)) {
            return Optional.empty();
        }
        String type;
        if (resourceType.equals(ANY_TYPE)) {
            type = other.resourceType;
        } else if (other.resourceType.equals(ANY_TYPE) || other.resourceType.equals(resourceType)) {
            type = resourceType;
        } else {
            return Optional.empty();
        }
        EnumSet<Permission> both =
                permissions.isEmpty() ? EnumSet.noneOf(Permission.class) : EnumSet.copyOf(permissions);
        both.retainAll(other.permissions);
        return both.isEmpty() ? Optional.empty() : Optional.of(new SmartScope(context, type, both));
    }

    @Override
    public String toString() {
        StringBuilder letters = new StringBuilder();
        for (Permission p : Permission.values()) {
            if (permissions.contains(p)) {
                letters.append(p.name().toLowerCase(Locale.ROOT).charAt(0));
            }
        }
        return context + "/" + resourceType + "." + letters;
    }
}
