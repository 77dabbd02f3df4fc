package uk.linkwell.gateway.ingest.store;

/** What storing a message gave: its row id, and whether it was a redelivery of one already stored. */
public record StoreReceipt(long id, boolean duplicate) {}
