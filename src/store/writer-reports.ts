import { createSystemEventLoggedEvent } from '../events/create.js';
import { newEventId } from './event-id.js';
import type { Item } from './writer-types.js';

/** A database outage the writer is riding out: since when, how many attempts, the last error. */
export interface Outage {
  since: number;
  attempts: number;
  error: string;
  /** True while every failed attempt only waited on another writer's lock (see `isLockWait`). */
  lockOnly: boolean;
}

/** A system event the writer owes, ready to queue (the writer gives it its sequence number). */
export type Report = Omit<Item, 'seq'>;

function systemReport(
  eventType: string,
  message: string,
  count: number,
  metadata: Record<string, string | number | boolean | null>,
  severity: 'WARNING' | 'ERROR' = 'ERROR',
): Report {
  const event = createSystemEventLoggedEvent({
    occurredAt: Date.now(),
    eventType,
    severity,
    message,
    component: 'writer',
    metadata,
    count,
  });
  return {
    event,
    eventId: newEventId(),
    dataJson: JSON.stringify(event.data),
    resolve: null,
    reject: null,
  };
}

/** `events_dropped`: the queue was full and `count` events were dropped since the last report. */
export function droppedReport(count: number, maxQueueSize: number, droppedTotal: number): Report {
  return systemReport('events_dropped', `${count} events were dropped: the write queue was full`, count, {
    maxQueueSize,
    droppedTotal,
  });
}

/** `store_write_failed`: writes failed for `durationMs` and then recovered. */
export function outageReport(outage: Outage, durationMs: number, droppedTotal: number): Report {
  const { attempts, error } = outage;
  return systemReport(
    'store_write_failed',
    `Database writes failed for ${durationMs} ms (${attempts} attempts) and then recovered`,
    attempts,
    { error, durationMs, attempts, droppedTotal },
  );
}

/**
 * `store_lock_wait` (WARNING): batches waited `durationMs` for another writer's lock and then
 * committed. Contention, not an error: never counted in the error statistics.
 */
export function lockWaitReport(outage: Outage, durationMs: number): Report {
  const { attempts } = outage;
  return systemReport(
    'store_lock_wait',
    `Database writes waited ${durationMs} ms (${attempts} attempts) for another writer's lock and then committed`,
    attempts,
    { durationMs, attempts },
    'WARNING',
  );
}
