import { newEventId } from './event-id.js';
import type { NewEvent } from '../events/types.js';
import { ConversationLogError, isConversationLogError } from '../errors.js';
import type { Log } from '../config/log.js';
import { dataJsonOf } from './append.js';
import { DroppedEvents } from './dropped-events.js';
import { BatchNotAttempted } from './batch-not-attempted.js';
import { EventSettler } from './event-settler.js';
import { classifyFailure, isLockWait } from './failures.js';
import type { EnqueueOptions, EventSink } from './sink.js';
import { InFlightBatches, type InFlight } from './in-flight.js';
import { OutageTracker } from './outage-tracker.js';
import { WriteQueue } from './write-queue.js';
import type { BatchRunner, CloseOptions, CloseReport, FlushOptions, Item, WriterOptions, WriterStats } from './writer-types.js';

export type { BatchRunner, CloseOptions, CloseReport, FlushOptions, WriterOptions, WriterStats } from './writer-types.js';

/** How long `close()` waits for the queue to be written unless told otherwise. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;

/**
 * For this long from the start of an outage the retries keep the process alive: a script whose
 * last writes meet a database restart still writes them. After it they do not (only a waiting
 * `flush()` or `close()` does): a store that stays down never keeps the process alive on its own.
 */
export const OUTAGE_KEEPALIVE_MS = 10_000;

const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));
/** The wait before a retry; an unreferenced timer unless `keepAlive`. */
const sleep = (ms: number, keepAlive: boolean) =>
  new Promise<void>((r) => {
    const timer = setTimeout(r, ms);
    if (!keepAlive) timer.unref();
  });

/**
 * The writer: a bounded in-memory queue drained in batches, one transaction per batch.
 *
 * @remarks
 * `enqueue` is the hot path (push and return). Batches flush when `batchSize` events are
 * waiting or `flushIntervalMs` after the first one. A failed flush is retried with exponential
 * backoff and jitter while the caller goes on; the outage is logged once when it starts and
 * written to `system_events` when writing works again. A wait on another writer's lock that then
 * commits is contention: counted (`lockWaits`), on record as a WARNING only when long. The
 * retries hold the process for the first {@link OUTAGE_KEEPALIVE_MS} of an outage only; `close()`
 * gives up at its timeout. A SQLite file deleted under the writer (`STORE_LOST`) stops it for
 * good. When the queue is full new events are
 * dropped, counted, and the count is written to `system_events` (`events_dropped`).
 * An event the database refuses for good (bad data) is isolated and rejected alone.
 */
export class Writer implements EventSink {
  private readonly queue = new WriteQueue();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private closed = false;
  private exclusiveTail: Promise<unknown> = Promise.resolve();
  private readonly stats: WriterStats = {
    queued: 0,
    appended: 0,
    rejected: 0,
    dropped: 0,
    failedFlushes: 0,
    degraded: false,
    lockWaits: 0,
    lost: 0,
    abandoned: 0,
  };
  private readonly dropped: DroppedEvents;
  private readonly outages: OutageTracker;
  private readonly settler: EventSettler;
  /** Batches taken from the queue and not settled yet (given up with the queue at close or on a lost store). */
  private readonly inFlight: InFlightBatches;
  /** Set once close() gave up at its timeout: nothing is retried any more. */
  private abandoned = false;
  /** Set once the store's file was found deleted or replaced: every write is refused from then on. */
  private lostStore: ConversationLogError | null = null;

  /**
   * @param pipelined whether the runner may be handed the next batch before the current one
   *   settled (a writer thread: it queues the second and starts on it the moment the first
   *   commits; a batch behind a failed one is refused with {@link BatchNotAttempted}).
   */
  constructor(
    private readonly run: BatchRunner,
    private readonly options: WriterOptions,
    private readonly log: Log,
    private readonly pipelined: () => boolean = () => false,
  ) {
    this.dropped = new DroppedEvents(options.maxQueueSize, this.stats, log);
    this.outages = new OutageTracker(this.stats, log);
    this.inFlight = new InFlightBatches(run);
    this.settler = new EventSettler(this.queue, this.stats, log);
  }

  get pending(): number {
    return this.queue.pending;
  }

  getStats(): WriterStats {
    return { ...this.stats, queued: this.pending };
  }

  enqueue(event: NewEvent, options?: EnqueueOptions): boolean {
    return this.push(event, null, null, options?.owned === true);
  }

  append(event: NewEvent): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.push(event, resolve, reject);
    });
  }

  private push(event: NewEvent, resolve: Item['resolve'], reject: Item['reject'], owned = false): boolean {
    if (this.closed) {
      reject?.(new ConversationLogError('LOGGER_CLOSED', 'The logger is closed; open a new one to log more.'));
      return false;
    }
    if (this.lostStore !== null) {
      this.stats.lost++;
      reject?.(this.lostStore);
      return false;
    }
    if (this.pending >= this.options.maxQueueSize) {
      this.dropped.drop(reject);
      return false;
    }
    // Handed over (`owned`): the producer built this data for the event and never touches it
    // again, so it is not serialised here but where the batch is appended (the writer's thread).
    // Otherwise it is serialised now, once: a snapshot of the event as it was enqueued.
    let dataJson: string | null = null;
    if (!owned)
      try {
        dataJson = dataJsonOf(event);
      } catch (error) {
        // Cyclic or BigInt data: refused here, the way the database would refuse it later.
        this.stats.rejected++;
        const refusal = error as ConversationLogError;
        if (reject) reject(refusal);
        else this.log.warn('conversation log event rejected', { eventType: event.type, code: refusal.code });
        return false;
      }
    this.queue.push(event, newEventId(), dataJson, resolve, reject);
    this.schedule();
    return true;
  }

  private schedule(): void {
    if (this.running) return;
    // A flush() waiting (one that came while the last drain was ending) is not left to the timer.
    if (this.pending >= this.options.batchSize || this.queue.waiting) {
      this.start();
    } else if (this.timer === null) {
      this.timer = setTimeout(() => this.start(), this.options.flushIntervalMs);
    }
  }

  private start(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.running) return;
    this.running = this.drain().finally(() => {
      this.running = null;
      if (this.pending > 0) this.schedule();
    });
  }

  /**
   * Resolves when everything queued before the call is committed (or rejected). With
   * `timeoutMs`, rejects `FLUSH_TIMEOUT` (retryable) if that has not happened by then; the
   * events stay queued.
   */
  flush(options: FlushOptions = {}): Promise<void> {
    const flushing = this.queue.flushed();
    if (flushing === null) return Promise.resolve();
    this.start();
    const { timeoutMs } = options;
    if (timeoutMs === undefined) return flushing.done;
    return this.queue.within(flushing, timeoutMs);
  }

  /**
   * Refuses further events (`LOGGER_CLOSED`) from now on, and resolves once everything enqueued
   * before is written — or at `timeoutMs` (default {@link DEFAULT_CLOSE_TIMEOUT_MS}), giving up
   * on the rest: each such event with a promise rejects `WRITE_ABANDONED`, and the report
   * counts them. (Refusing only after the flush let an event enqueued during it be accepted and
   * then never written.)
   */
  async close(options: CloseOptions = {}): Promise<CloseReport> {
    this.closed = true;
    const timeoutMs = options.timeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    // Referenced: the process stays for the close, for at most its timeout.
    const expired = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    let written: boolean;
    try {
      written =
        (await Promise.race([this.flush().then(() => true), expired])) &&
        (await Promise.race([this.exclusiveTail.then(() => true), expired]));
    } finally {
      clearTimeout(timer);
    }
    if (written) return { timedOut: false, unwritten: 0 };
    this.abandoned = true;
    const unwritten = this.giveUp(
      () =>
        new ConversationLogError(
          'WRITE_ABANDONED',
          `The logger closed before this event was written: the database was failing or too slow until the close timeout (${timeoutMs} ms). It was not written.`,
        ),
    );
    this.stats.abandoned += unwritten;
    this.log.error('conversation log closed with events not written: the database was failing until the close timeout', {
      unwritten,
      timeoutMs,
    });
    return { timedOut: true, unwritten };
  }

  /** Rejects every event taken or queued and not settled yet; returns how many there were. */
  private giveUp(error: () => ConversationLogError): number {
    let n = 0;
    const reject = (item: Item) => {
      n++;
      this.settler.givenUp(item, error);
    };
    this.inFlight.clear(reject);
    this.queue.clear(reject);
    return n;
  }

  /**
   * Runs `fn` between batches, never concurrently with a flush (retention, rebuilds).
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.exclusiveTail.then(async () => {
      while (this.running) await this.running;
      return fn();
    });
    this.exclusiveTail = next.catch(() => undefined);
    return next;
  }

  private async drain(): Promise<void> {
    await this.exclusiveTail;
    let ahead: InFlight | null = null;
    let previousFailed = false;
    do {
      if (this.pending === 0 && ahead === null) return;
      const current: InFlight = ahead ?? this.launch();
      // Handed over before the previous batch settled, and that batch failed at first:
      const stale = ahead !== null && previousFailed;
      ahead = null;
      if (stale) {
        // Handed over behind a batch whose first attempt failed: the writer thread refused it (or
        // it failed the same way). Hand it over again now, before anything queued behind it.
        const earlier = await current.first;
        // Not again once given up (close() timed out, the store is lost): its events are rejected.
        if (!('outcomes' in earlier) && this.inFlight.has(current))
          current.first = this.inFlight.attempt(current.batch, !(earlier.error instanceof BatchNotAttempted));
      }
      // Hand the next full batch over before this one settles: a writer thread starts on it the
      // moment this one commits instead of waiting for this thread to take the result.
      if (this.pending >= this.options.batchSize && this.pipelined()) ahead = this.launch();
      previousFailed = !(await this.writeWithRetry(current));
      // Let the event loop turn between batches: a synchronous driver (better-sqlite3 on this
      // thread) would otherwise drain a long queue as one uninterrupted task.
      if (ahead === null && this.pending > 0) await yieldToLoop();
      // Go on with full batches, or while a flush() waits; a few stragglers wait for the
      // interval instead (fewer, fuller transactions and hand-overs).
    } while (ahead !== null || this.pending >= this.options.batchSize || (this.pending > 0 && this.queue.waiting));
  }

  /** Takes a batch and starts its first attempt. */
  private launch(): InFlight {
    return this.inFlight.launch(this.takeBatch());
  }

  private takeBatch(): Item[] {
    const report = this.reportItems();
    const room = Math.max(1, this.options.batchSize - report.length);
    const batch = this.queue.take(room);
    return report.length ? [...report, ...batch] : batch;
  }

  /** System events the writer owes: events it had to drop (reported with the next batch). */
  private reportItems(): Item[] {
    const report = this.dropped.report();
    return report === null ? [] : [this.queue.owe(report)];
  }

  /**
   * Writes the batch, retrying until it is settled (or given up: close() timed out, the store's
   * file is lost); returns whether its first attempt committed it.
   */
  private async writeWithRetry(entry: InFlight): Promise<boolean> {
    try {
      return await this.retrying(entry);
    } finally {
      this.inFlight.delete(entry);
    }
  }

  private async retrying(entry: InFlight): Promise<boolean> {
    const { batch } = entry;
    let next: InFlight['first'] | undefined = entry.first;
    let notAttempted = 0;
    let clean = true;
    for (let attempt = 0; ; attempt++) {
      const result = await (next ?? this.inFlight.attempt(batch, attempt > 0));
      next = undefined;
      // Given up while this attempt ran: its events are rejected already.
      if (!this.inFlight.has(entry)) return false;
      if ('outcomes' in result) {
        // The outage report is queued before the batch settles, so a flush waiting on the batch waits for it too.
        this.recovered();
        this.settler.committed(batch, result.outcomes);
        return clean;
      }
      const { error } = result;
      clean = false;
      // Refused unattempted behind a batch that failed (now settled): run it now, as the same attempt.
      if (error instanceof BatchNotAttempted && notAttempted++ < 3) {
        attempt--;
        continue;
      }
      if (isConversationLogError(error) && error.code === 'STORE_LOST') {
        this.storeLost(error);
        return false;
      }
      const failure = classifyFailure(error);
      const lockWait = failure === 'transient' && isLockWait(error);
      if (!lockWait) this.stats.failedFlushes++;
      if (failure === 'permanent') {
        await this.isolate(entry);
        return false;
      }
      this.outages.failed(error, attempt, lockWait, this.pending);
      const delay = Math.min(this.options.retryMaxDelayMs, this.options.retryBaseDelayMs * 2 ** attempt);
      const keepAlive = this.queue.waiting || Date.now() - this.outages.since < OUTAGE_KEEPALIVE_MS;
      await sleep(delay * (0.5 + Math.random() * 0.5), keepAlive);
      if (!this.inFlight.has(entry)) return false;
    }
  }

  /**
   * The store's file was deleted or replaced: what was committed since went to a file nobody
   * can open. Everything in flight and queued is rejected `STORE_LOST`, and so is every write
   * from now on; the writer stays degraded and counts what is lost.
   */
  private storeLost(error: ConversationLogError): void {
    this.lostStore = new ConversationLogError('STORE_LOST', error.message, { field: 'DATABASE_URL', cause: error });
    this.stats.degraded = true;
    const lost = this.giveUp(() => this.lostStore!);
    this.stats.lost += lost;
    this.log.error('conversation log store file was deleted or replaced: writes are refused, events are lost', {
      lost,
      acknowledgedBefore: this.stats.appended,
      error: error.message,
    });
  }

  /** A batch the database refused for good: write its events one by one, so only the bad one fails. */
  private async isolate(entry: InFlight): Promise<void> {
    const { batch } = entry;
    for (let i = entry.from; i < batch.length; i++) {
      if (!this.inFlight.has(entry)) return;
      const item = batch[i]!;
      entry.from = i;
      try {
        const outcomes = await this.run([item], true);
        if (!this.inFlight.has(entry)) return;
        this.settler.committed([item], outcomes);
      } catch (error) {
        if (!this.inFlight.has(entry)) return;
        if (isConversationLogError(error) && error.code === 'STORE_LOST') {
          this.storeLost(error);
          return;
        }
        if (classifyFailure(error) !== 'permanent') {
          const single = this.inFlight.launch([item], true);
          // Settled by the retry (or given up with it), not again by this one.
          entry.from = i + 1;
          await this.writeWithRetry(single);
          continue;
        }
        this.settler.refused(item, error);
      }
      entry.from = i + 1;
    }
  }

  /** A batch committed: the outage it ends, if any, goes on record with the next batch. */
  private recovered(): void {
    const report = this.outages.recovered();
    if (report === null) return;
    // Written with the next batch: the outage is on record once writing works again.
    this.queue.pushFront(report);
    if (!this.running) this.schedule();
  }
}
