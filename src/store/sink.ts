import type { NewEvent } from '../events/types.js';

/**
 * The shape the LiveKit plugin (and anything else producing events) writes to.
 *
 * @remarks
 * `enqueue` is the hot path: it pushes the event onto the writer's bounded queue (serialising
 * its data at once, unless the caller hands it over) and returns. It never throws and never does I/O; `false`
 * means the event was not queued: the queue was full (the drop is counted and reported in
 * `system_events`) or its data cannot be stored as JSON (counted as rejected).
 */
export interface EnqueueOptions {
  /**
   * The caller hands the event over: its data was built for it, is plain JSON, and is never
   * changed afterwards (the LiveKit plugin's mapper output). The writer then serialises it where
   * the batch is appended — the writer's worker thread by default, which receives the data by
   * structured clone — instead of on the caller's path. Without it, `enqueue` serialises at
   * once: a snapshot of data the caller may go on changing.
   */
  owned?: boolean;
}

export interface EventSink {
  /** Queue an event for the next batch; no I/O, no await. `false` if it was not queued. */
  enqueue(event: NewEvent, options?: EnqueueOptions): boolean;
  /** Queue an event and wait until its batch is committed (or it was rejected). */
  append(event: NewEvent): Promise<void>;
  /**
   * Resolve once everything queued before the call is committed; with `timeoutMs`, reject
   * (`FLUSH_TIMEOUT`) if that has not happened by then.
   */
  flush(options?: { timeoutMs?: number }): Promise<void>;
  /**
   * Sends the webhook deliveries due for `callId` (the ones queued before it for the same
   * endpoint first) within `timeoutMs`; what is not acknowledged stays in the outbox. Optional:
   * a sink without webhooks has none.
   */
  deliverWebhooks?(options: { callId?: string; timeoutMs?: number }): Promise<unknown>;
}
