package uk.linkwell.gateway.ingest.hospital;

import org.springframework.stereotype.Component;
import uk.linkwell.gateway.ingest.mllp.Hl7v2Translator;
import uk.linkwell.mappings.hl7v2.AdtMapper;
import uk.linkwell.mappings.hl7v2.FieldOrigins;

/** Translates stored hospital ADT messages with the ADT mapper, for the ingest worker. */
@Component
public class AdtTranslator extends Hl7v2Translator {

    public AdtTranslator(AdtMapper mapper) {
        super(AdtReception.SOURCE, mapper::map, FieldOrigins::adt);
    }

    /** The ADT mapper is a pure function of the message: safe to translate again after a failed group. */
    @Override
    public boolean appliesInGroups() {
        return true;
    }
}
