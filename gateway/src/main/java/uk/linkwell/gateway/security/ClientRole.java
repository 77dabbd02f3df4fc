package uk.linkwell.gateway.security;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** The kind of system a client is, which decides whose records it may reach before any scope is looked at. */
public enum ClientRole {
    /** A GP practice system: its registered patients. */
    GP_SYSTEM("gp-system"),
    /** An acute trust: pushes admissions and discharges, reads nothing back. */
    HOSPITAL("hospital"),
    /** A local authority's case system: its own cases. */
    SOCIAL_CARE_SYSTEM("social-care-system"),
    /** A link worker's app, acting for one practitioner: that practitioner's caseload. */
    LINK_WORKER_APP("link-worker-app"),
    /** Operators of the gateway: everything, including /admin. */
    ADMIN("admin"),
    /** Information governance: the disclosure trail (AuditEvent, "who has seen my record") and nothing else. */
    INFORMATION_GOVERNANCE("information-governance"),
    /** A metrics collector (Prometheus): {@code /actuator/prometheus} and nothing else. */
    METRICS("metrics");

    private final String code;

    ClientRole(String code) {
        this.code = code;
    }

    /** The value of the {@code role} claim and of {@code linkwell.security.clients.*.role}. */
    public String code() {
        return code;
    }

    public static Optional<ClientRole> fromCode(String code) {
        return Arrays.stream(values()).filter(r -> r.code.equals(code)).findFirst();
    }

    /** Every role's code, for error messages that say what would have been accepted. */
    public static String codes() {
        return Arrays.stream(values()).map(ClientRole::code).collect(Collectors.joining(", "));
    }

    /** Spring Security authority, as used by {@code hasAuthority} on non-FHIR endpoints. */
    public String authority() {
        return "ROLE_" + code;
    }
}
