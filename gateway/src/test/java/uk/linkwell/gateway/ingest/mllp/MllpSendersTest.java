package uk.linkwell.gateway.ingest.mllp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The sender allowlist on its own: facilities by name in any case, addresses and CIDR ranges, IPv4 and IPv6. */
class MllpSendersTest {

    @Test
    void singleAddressesAndRangesOfBothFamilies() throws Exception {
        MllpSenders senders = senders(
                true,
                Map.of(
                        "RXX", new MllpProperties.Sender(List.of("10.20.0.0/16", "2001:db8:1::/48", "192.0.2.7")),
                        "Y01234", new MllpProperties.Sender(List.of("::1"))));

        assertThat(senders.allows("RXX", ip("10.20.3.4"))).isTrue();
        assertThat(senders.allows("RXX", ip("10.21.0.1"))).isFalse();
        assertThat(senders.allows("RXX", ip("192.0.2.7"))).isTrue();
        assertThat(senders.allows("RXX", ip("192.0.2.8"))).isFalse();
        assertThat(senders.allows("RXX", ip("2001:db8:1:ffff::5"))).isTrue();
        assertThat(senders.allows("RXX", ip("2001:db8:2::5"))).isFalse();
        assertThat(senders.allows("rxx", ip("10.20.3.4")))
                .as("facility in another case")
                .isTrue();
        assertThat(senders.allows("Y01234", ip("::1"))).isTrue();
        assertThat(senders.allows("Y01234", ip("127.0.0.1")))
                .as("the other family's loopback")
                .isFalse();
        assertThat(senders.allows("Y01234", ip("fe80::1%1"))).isFalse();
        assertThat(senders.allows("UNKNOWN", ip("10.20.3.4"))).isFalse();
        assertThat(senders.allows("", ip("10.20.3.4"))).isFalse();
        assertThat(senders.allows("RXX", null)).as("unknown source address").isFalse();
    }

    @Test
    void notEnforcedTakesEverySender() throws Exception {
        MllpSenders senders = senders(false, Map.of());
        assertThat(senders.allows("ANYONE", ip("203.0.113.9"))).isTrue();
        assertThat(senders.allows(null, null)).isTrue();
    }

    @Test
    void aBadAddressStopsTheStartNamingTheKey() {
        assertThatThrownBy(() -> senders(
                        true, Map.of("RXX", new MllpProperties.Sender(List.of("10.0.0.0/8", "hospital.example")))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("linkwell.hospital.mllp.senders.RXX.addresses")
                .hasMessageContaining("hospital.example");
    }

    private static MllpSenders senders(boolean enforced, Map<String, MllpProperties.Sender> senders) {
        return new MllpSenders(new MllpProperties(null, null, null, null, null, senders, enforced, null));
    }

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }
}
