/** The Prometheus series the alert rules and the dashboard query, named once from their declarations. */
import { COUNTERS, TURN_HISTOGRAMS } from './definitions.js';

export const E2E_COUNT = `${TURN_HISTOGRAMS.e2eLatencyMs.promName}_count`;
export const CALLS = COUNTERS.calls.name;
export const SLA = COUNTERS.slaViolations.name;
export const COST = COUNTERS.cost.name;
export const DROPPED = COUNTERS.eventsDropped.name;
