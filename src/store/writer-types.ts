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
  /**
   * True while the database is failing and the writer is backing off (also while it waits on
   * another writer's lock), and for good once the store's file was deleted (see `lost`).
   */
  degraded: boolean;
  /** Batches that waited on another writer's lock and then committed: contention, not errors. */
  lockWaits: number;
  /**
   * Events not written because the store's SQLite file was deleted or replaced under the writer
   * (their promises rejected `STORE_LOST`; later ones are refused the same way).
   */
  lost: number;
  /** Events given up when `close()` reached its timeout (their promises rejected `WRITE_ABANDONED`). */
  abandoned: number;
}

/** What `close()` could not write. */
export interface CloseReport {
  /** True when the close timeout came before everything queued was written. */
  timedOut: boolean;
  /**
   * Events given up at the timeout, counted (those with a promise rejected it with
   * `WRITE_ABANDONED`); 0 when everything was written.
   */
  unwritten: number;
}

export interface FlushOptions {
  /**
   * Give up waiting after this many ms: the promise rejects `FLUSH_TIMEOUT` (retryable) and the
   * events stay queued. Without it, `flush()` waits until everything is written.
   */
  timeoutMs?: number;
}

export interface CloseOptions {
  /**
   * How long `close()` waits for what is queued to be written (default 10 000 ms, well inside
   * LiveKit's 60 s job shutdown). At the timeout it gives up on the rest (see {@link CloseReport}).
   */
  timeoutMs?: number;
}

/** A queued event; one handed over by its producer (`owned`) has `dataJson` null until the batch is appended. */
export interface Item extends PendingEvent {
  resolve: (() => void) | null;
  reject: ((error: ConversationLogError) => void) | null;
  /** Sequence number for flush() (the writer's own system events have one too). */
  seq: number;
}
