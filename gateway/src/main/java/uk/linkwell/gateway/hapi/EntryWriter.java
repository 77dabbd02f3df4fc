package uk.linkwell.gateway.hapi;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Resource;

/**
 * Writes inbound transaction Bundles of conditional entries entry by entry through HAPI's DAOs, in the caller's
 * database transaction (see {@link ConditionalBundleWriter} for the shape handled and why).
 */
public interface EntryWriter {

    /** What a Bundle wrote: every entry's id at the version it now has, in entry order, and those it created. */
    record Written(List<IdType> entries, List<IdType> created) {}

    /** Starts a run of writes made with this request that share every id they write or find. */
    Run begin(RequestDetails request);

    /** Writes in one database transaction that share what they resolve, so later writes look none of it up again. */
    interface Run {

        /** Writes the Bundle if it is of the writer's shape; empty (and nothing written) if it is not. */
        Optional<Written> write(Bundle bundle);

        /** Whether this run wrote or found every one of the ids (versions aside). */
        boolean resolvedAll(Collection<IdType> ids);

        /** Creates the resource (a Provenance of the run, say) with the run's ids known: HAPI looks none up. */
        IIdType create(Resource resource, RequestDetails request);
    }
}
