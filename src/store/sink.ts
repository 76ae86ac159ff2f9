import type { NewEvent } from '../events/types.js';

/**
 * The shape the LiveKit plugin (and anything else producing events) writes to.
 *
 * @remarks
 * `enqueue` is the hot path: it only pushes the event onto the writer's bounded queue and
 * returns at once. It never throws and never does I/O; `false` means the queue was full and
 * the event was dropped (the drop is counted and reported in `system_events`).
 */
export interface EventSink {
  /** Queue an event for the next batch; no I/O, no await. `false` if it was dropped. */
  enqueue(event: NewEvent): boolean;
  /** Queue an event and wait until its batch is committed (or it was rejected). */
  append(event: NewEvent): Promise<void>;
  /** Resolve once everything queued before the call is committed. */
  flush(): Promise<void>;
}
