package uk.linkwell.mappings.socialcare.cld;

import java.util.HashMap;
import java.util.Map;

/**
 * The people a file has named so far: each NHS number with one LA person id and each LA person id with one
 * NHS number. A row that pairs them differently from an earlier row is refused, since the Patient is keyed
 * by NHS number and the case identities by person id, and the two would otherwise drift apart.
 */
final class CldPeople {

    private record Seen(String other, long line) {}

    private final Map<String, Seen> byNhsNumber = new HashMap<>();
    private final Map<String, Seen> byPersonId = new HashMap<>();

    void admit(long line, String nhsNumber, String personId) throws CldRowException {
        String person = personId == null ? "" : personId;
        Seen earlier = byNhsNumber.get(nhsNumber);
        if (earlier != null && !earlier.other().equals(person)) {
            throw new CldRowException(
                    CldColumn.LA_PERSON_UNIQUE_IDENTIFIER,
                    "differs from the one given with the same NHS_Number on line " + earlier.line());
        }
        if (!person.isEmpty()) {
            Seen earlierPerson = byPersonId.get(person);
            if (earlierPerson != null && !earlierPerson.other().equals(nhsNumber)) {
                throw new CldRowException(
                        CldColumn.NHS_NUMBER,
                        "differs from the one given with the same LA_Person_Unique_Identifier on line "
                                + earlierPerson.line());
            }
            byPersonId.putIfAbsent(person, new Seen(nhsNumber, line));
        }
        byNhsNumber.putIfAbsent(nhsNumber, new Seen(person, line));
    }
}
