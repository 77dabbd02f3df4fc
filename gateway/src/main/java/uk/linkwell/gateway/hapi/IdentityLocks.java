package uk.linkwell.gateway.hapi;

import java.time.Duration;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;

/**
 * Turns between transactions that may create the same resource by its conditional URL, taken at a transaction's
 * start and held until it completes (see {@link CreationLocks} for why HAPI's own guard is not enough).
 */
public interface IdentityLocks {

    /** Within the caller's transaction, waits for and takes the locks of every identity the Bundles may create. */
    List<Long> lockIdentitiesToCreate(List<Bundle> bundles);

    /** As {@link #lockIdentitiesToCreate(List)}, waiting at most {@code maxWait} (then the transaction must roll back). */
    List<Long> lockIdentitiesToCreate(List<Bundle> bundles, Duration maxWait);
}
