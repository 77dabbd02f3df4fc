package uk.linkwell.gateway.hapi;

import java.util.Collection;
import java.util.List;
import java.util.function.Function;

/** A practice's registered list: the patients whose GP is one of the given Organizations, read off HAPI's store. */
@FunctionalInterface
public interface RegisteredPatients extends Function<Collection<String>, List<String>> {

    /**
     * @param organisations {@code Organization/<id>} references
     * @return the ids ({@code <id>}, no type) of the patients (not deleted) whose {@code Patient.generalPractitioner}
     *     is one of them, at most the store's limit
     */
    @Override
    List<String> apply(Collection<String> organisations);
}
