import type { NewEvent } from '../events/types.js';

/**
 * The shape the LiveKit plugin (and anything else producing events) writes to.
 *
 * @remarks
 * `enqueue` is the hot path: it serialises the event's data once and pushes it onto the
 * writer's bounded queue, and returns at once. It never throws and never does I/O; `false`
 * means the event was not queued: the queue was full (the drop is counted and reported in
 * `system_events`) or its data cannot be stored as JSON (counted as rejected).
 */
export interface EventSink {
  /** Queue an event for the next batch; no I/O, no await. `false` if it was not queued. */
  enqueue(event: NewEvent): boolean;
  /** Queue an event and wait until its batch is committed (or it was rejected). */
  append(event: NewEvent): Promise<void>;
  /** Resolve once everything queued before the call is committed. */
  flush(): Promise<void>;
}
