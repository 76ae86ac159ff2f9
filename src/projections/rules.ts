import type { MessageAddedData } from '../events/types.js';

/** Values outside [0, 120 s] are implausible: kept in the log and rows, excluded from aggregates. */
export const MAX_PLAUSIBLE_MS = 120_000;

export const isPlausibleMs = (value: number | null | undefined): value is number =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= MAX_PLAUSIBLE_MS;

/** The response time of an assistant message that counts in aggregates, or null. */
export const responseTimeOf = (d: MessageAddedData): number | null =>
  d.role === 'assistant' && !d.implausible && isPlausibleMs(d.processingTimeMs) ? d.processingTimeMs : null;

/** An assistant message is an SLA violation when its response time exceeds the threshold in force. */
export const isSlaViolation = (d: MessageAddedData): boolean => {
  const rt = responseTimeOf(d);
  return rt !== null && d.slaThresholdMs !== null && rt > d.slaThresholdMs;
};
