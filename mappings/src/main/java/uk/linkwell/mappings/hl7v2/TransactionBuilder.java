package uk.linkwell.mappings.hl7v2;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;

/**
 * Collects the resources of one message into a transaction Bundle whose entries are idempotent:
 * conditional update (PUT by identifier) or conditional create (POST if none exists), with fullUrls
 * that are name-based UUIDs of the identity, so the same input always gives the same Bundle.
 */
final class TransactionBuilder {

    private final Map<String, Bundle.BundleEntryComponent> entries = new LinkedHashMap<>();

    /** Adds (or replaces) the resource as a conditional update on the identifier; returns a reference to it. */
    Reference put(Resource resource, String system, String value) {
        String type = resource.fhirType();
        Bundle.BundleEntryComponent entry = entry(resource, system, value);
        entry.getRequest().setMethod(Bundle.HTTPVerb.PUT).setUrl(type + "?identifier=" + query(system, value));
        return new Reference(entry.getFullUrl());
    }

    /** Adds the resource as a conditional create unless an entry with the same identity is already there. */
    Reference createIfAbsent(Resource resource, String system, String value) {
        String fullUrl = fullUrl(resource.fhirType(), system, value);
        if (entries.containsKey(fullUrl)) {
            return new Reference(fullUrl);
        }
        Bundle.BundleEntryComponent entry = entry(resource, system, value);
        entry.getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl(resource.fhirType())
                .setIfNoneExist("identifier=" + query(system, value));
        return new Reference(entry.getFullUrl());
    }

    /**
     * Adds the resource as an update of the resource with this id (created if there is none), for a resource type
     * without an identifier to match on; its fullUrl is still the name-based UUID of the identity it belongs to.
     */
    Reference putById(Resource resource, String id, String system, String value) {
        Bundle.BundleEntryComponent entry = entry(resource, system, value);
        entry.getRequest().setMethod(Bundle.HTTPVerb.PUT).setUrl(resource.fhirType() + "/" + id);
        return new Reference(entry.getFullUrl());
    }

    static Reference referenceTo(String type, String system, String value) {
        return new Reference(fullUrl(type, system, value));
    }

    static String fullUrl(String type, String system, String value) {
        String name = type + "|" + system + "|" + value;
        return "urn:uuid:" + UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8));
    }

    Bundle build(Bundle bundle) {
        bundle.setType(Bundle.BundleType.TRANSACTION);
        entries.values().forEach(bundle::addEntry);
        return bundle;
    }

    private Bundle.BundleEntryComponent entry(Resource resource, String system, String value) {
        String fullUrl = fullUrl(resource.fhirType(), system, value);
        Bundle.BundleEntryComponent entry = new Bundle.BundleEntryComponent();
        entry.setFullUrl(fullUrl);
        entry.setResource(resource);
        // A later entry for the same identity (e.g. a practitioner named twice) replaces the first in place.
        entries.put(fullUrl, entry);
        return entry;
    }

    private static String query(String system, String value) {
        return system + "|" + java.net.URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    static Identifier identifier(String system, String value) {
        return new Identifier().setSystem(system).setValue(value);
    }
}
