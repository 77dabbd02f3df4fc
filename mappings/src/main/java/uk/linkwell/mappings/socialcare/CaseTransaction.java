package uk.linkwell.mappings.socialcare;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;

/**
 * The entries of one event's transaction Bundle: conditional update (the event owns the resource) or
 * conditional create (a placeholder the owning event will replace), with name-based UUID fullUrls of
 * {@code type|system|value}, the same rule as the HL7 v2 mappers.
 */
final class CaseTransaction {

    private final Map<String, Bundle.BundleEntryComponent> entries = new LinkedHashMap<>();

    /** The event owns this resource: PUT by identifier, replacing it whole. */
    Reference put(Resource resource, Identifier identifier) {
        Bundle.BundleEntryComponent entry = entry(resource, identifier);
        entry.getRequest()
                .setMethod(Bundle.HTTPVerb.PUT)
                .setUrl(resource.fhirType() + "?identifier=" + query(identifier));
        return new Reference(entry.getFullUrl());
    }

    /** A placeholder or shared resource: POST unless one with the identifier exists. */
    Reference createIfAbsent(Resource resource, Identifier identifier) {
        String fullUrl = fullUrl(resource.fhirType(), identifier);
        if (entries.containsKey(fullUrl)) {
            return new Reference(fullUrl);
        }
        Bundle.BundleEntryComponent entry = entry(resource, identifier);
        entry.getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl(resource.fhirType())
                .setIfNoneExist("identifier=" + query(identifier));
        return new Reference(entry.getFullUrl());
    }

    Bundle build(Bundle bundle) {
        bundle.setType(Bundle.BundleType.TRANSACTION);
        entries.values().forEach(bundle::addEntry);
        return bundle;
    }

    static String fullUrl(String type, Identifier identifier) {
        String name = type + "|" + identifier.getSystem() + "|" + identifier.getValue();
        return "urn:uuid:" + UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8));
    }

    private Bundle.BundleEntryComponent entry(Resource resource, Identifier identifier) {
        Bundle.BundleEntryComponent entry = new Bundle.BundleEntryComponent();
        entry.setFullUrl(fullUrl(resource.fhirType(), identifier));
        entry.setResource(resource);
        entries.put(entry.getFullUrl(), entry);
        return entry;
    }

    private static String query(Identifier identifier) {
        return identifier.getSystem() + "|" + URLEncoder.encode(identifier.getValue(), StandardCharsets.UTF_8);
    }
}
