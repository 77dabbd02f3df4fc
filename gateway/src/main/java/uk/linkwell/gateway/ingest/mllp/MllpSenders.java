package uk.linkwell.gateway.ingest.mllp;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.security.web.util.matcher.IpAddressMatcher;
import org.springframework.stereotype.Component;

/**
 * The MLLP senders the gateway takes messages from: each allowed sending facility (MSH-4.1, compared without regard
 * to case) with the source addresses it may send from, single addresses or CIDR ranges, IPv4 and IPv6
 * ({@code linkwell.hospital.mllp.senders}). With {@code enforce-senders: false} every sender is taken.
 */
@Component
public class MllpSenders {

    private final boolean enforced;
    private final Map<String, List<IpAddressMatcher>> allowed = new HashMap<>();

    public MllpSenders(MllpProperties properties) {
        MllpProperties mllp = properties;
        this.enforced = mllp.enforceSenders();
        mllp.senders().forEach((facility, sender) -> {
            List<IpAddressMatcher> matchers = new ArrayList<>();
            for (String address : sender.addresses()) {
                try {
                    matchers.add(new IpAddressMatcher(address.trim()));
                } catch (IllegalArgumentException e) {
                    // Fail at start, naming the key, rather than refuse a hospital's messages later.
                    throw new IllegalStateException(
                            "linkwell.hospital.mllp.senders." + facility
                                    + ".addresses: not an IP address or CIDR range: " + address,
                            e);
                }
            }
            allowed.merge(key(facility), matchers, (a, b) -> {
                List<IpAddressMatcher> both = new ArrayList<>(a);
                both.addAll(b);
                return both;
            });
        });
    }

    /** Whether the list is enforced at all. */
    public boolean enforced() {
        return enforced;
    }

    /**
     * Whether this sending facility may send from this source address: it must be configured and the address must
     * be one of its own. Always true when the list is not enforced; false for an unknown address when it is.
     */
    public boolean allows(String facility, InetAddress source) {
        if (!enforced) {
            return true;
        }
        if (facility == null || source == null) {
            return false;
        }
        List<IpAddressMatcher> matchers = allowed.get(key(facility));
        if (matchers == null) {
            return false;
        }
        String address = literal(source);
        return matchers.stream().anyMatch(m -> m.matches(address));
    }

    private static String key(String facility) {
        return facility.trim().toUpperCase(Locale.ROOT);
    }

    /** The address as a literal the matcher parses without a name lookup (an IPv6 scope id dropped). */
    private static String literal(InetAddress address) {
        String text = address.getHostAddress();
        int scope = text.indexOf('%');
        return address instanceof Inet6Address && scope >= 0 ? text.substring(0, scope) : text;
    }
}
