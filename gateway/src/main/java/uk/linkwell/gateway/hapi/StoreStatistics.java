package uk.linkwell.gateway.hapi;

import java.util.List;

/** Keeps the database's planner statistics up with the tables inbound work grows (see {@link PlannerStatistics}). */
public interface StoreStatistics {

    /** Analyses the tables that have grown past their bar since last analysed; returns them. Never fails the caller. */
    List<String> refreshIfDue();
}
