import type { ConversationLogError } from '../errors.js';
import type { AppendOutcome, PendingEvent } from './append.js';

/** Runs one batch in one transaction. `retry` is true when an earlier attempt of the same batch failed. */
export type BatchRunner = (items: readonly PendingEvent[], retry: boolean) => Promise<AppendOutcome[]>;

export interface WriterOptions {
  batchSize: number;
  flushIntervalMs: number;
  maxQueueSize: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
}

/** Counters of a writer, for statistics and health checks. */
export interface WriterStats {
  queued: number;
  appended: number;
  rejected: number;
  /** Events dropped because the queue was full (since the writer started). */
  dropped: number;
  failedFlushes: number;
  /** True while the database is failing and the writer is backing off. */
  degraded: boolean;
}

/** A queued event; one handed over by its producer (`owned`) has `dataJson` null until the batch is appended. */
export interface Item extends PendingEvent {
  resolve: (() => void) | null;
  reject: ((error: ConversationLogError) => void) | null;
  /** Sequence number for flush() (the writer's own system events have one too). */
  seq: number;
}
