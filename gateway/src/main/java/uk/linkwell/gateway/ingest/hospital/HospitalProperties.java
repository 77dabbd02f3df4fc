package uk.linkwell.gateway.ingest.hospital;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** Settings of the hospital ADT feed, under {@code linkwell.hospital}. */
@ConfigurationProperties(prefix = "linkwell.hospital")
public record HospitalProperties(
        Mllp mllp,
        Discharge discharge,
        List<String> carerRelationshipCodes,
        List<String> riskObservationCodes,
        String localZone,
        Boolean allowPatientsWithoutNhsNumber) {

    public HospitalProperties {
        mllp = mllp == null ? new Mllp(null, null, null, null, null, null, null, null) : mllp;
        discharge = discharge == null ? new Discharge(null, null, null, null, null, null, null) : discharge;
        carerRelationshipCodes = carerRelationshipCodes == null ? List.of("CGV") : carerRelationshipCodes;
        riskObservationCodes = riskObservationCodes == null ? List.of("RISK") : riskObservationCodes;
        localZone = localZone == null ? "Europe/London" : localZone;
        allowPatientsWithoutNhsNumber = allowPatientsWithoutNhsNumber != null && allowPatientsWithoutNhsNumber;
    }

    /**
     * The MLLP listener: where it binds, the largest message, which sending facilities (MSH-4.1) may send from which
     * source addresses, how long a silent connection stays open, and optional TLS.
     */
    public record Mllp(
            Boolean enabled,
            String host,
            Integer port,
            Integer maxMessageBytes,
            Duration idleTimeout,
            Map<String, Sender> senders,
            Boolean enforceSenders,
            Tls tls) {
        public Mllp {
            enabled = enabled == null || enabled;
            host = host == null ? "0.0.0.0" : host;
            port = port == null ? 2575 : port;
            maxMessageBytes = maxMessageBytes == null ? 10 * 1024 * 1024 : maxMessageBytes;
            idleTimeout = idleTimeout == null ? Duration.ofMinutes(5) : idleTimeout;
            senders = senders == null ? Map.of() : senders;
            enforceSenders = enforceSenders == null || enforceSenders;
            tls = tls == null ? new Tls(null, null, null, null, null, null, null, null, null) : tls;
        }
    }

    /** One allowed sending facility: the source addresses (IPv4 or IPv6, single or CIDR) it may send from. */
    public record Sender(List<String> addresses) {
        public Sender {
            addresses = addresses == null ? List.of() : addresses;
        }
    }

    /**
     * TLS on the listener: the server's key store and, for mutual TLS, the trust store of the senders' client
     * certificates and whether one is required ({@code need}), asked for ({@code want}) or not ({@code none}).
     */
    public record Tls(
            Boolean enabled,
            String keyStore,
            String keyStorePassword,
            String keyStoreType,
            String keyPassword,
            String trustStore,
            String trustStorePassword,
            String trustStoreType,
            String clientAuth) {
        public Tls {
            enabled = enabled != null && enabled;
            keyStoreType = keyStoreType == null || keyStoreType.isBlank() ? "PKCS12" : keyStoreType;
            trustStoreType = trustStoreType == null || trustStoreType.isBlank() ? keyStoreType : trustStoreType;
            clientAuth = clientAuth == null || clientAuth.isBlank()
                    ? "none"
                    : clientAuth.trim().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Discharge to assess: where the pathway is carried and which discharges go to the care management team. */
    public record Discharge(
            String careTeamOdsCode,
            String careTeamName,
            String pathwayField,
            Map<String, String> pathwayValues,
            List<String> followUpPathways,
            Boolean rejectUnknownPathwayValues,
            String defaultPathway) {
        public Discharge {
            careTeamOdsCode = careTeamOdsCode == null ? "X26CMT" : careTeamOdsCode;
            pathwayField = pathwayField == null ? "ZDS-1" : pathwayField;
            pathwayValues = pathwayValues == null ? Map.of() : pathwayValues;
            followUpPathways = followUpPathways == null ? List.of("1", "2", "3") : followUpPathways;
            rejectUnknownPathwayValues = rejectUnknownPathwayValues == null || rejectUnknownPathwayValues;
            defaultPathway = defaultPathway == null || defaultPathway.isBlank() ? null : defaultPathway;
        }
    }
}
