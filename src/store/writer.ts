import { newEventId } from './event-id.js';
import type { NewEvent } from '../events/types.js';
import { ConversationLogError, isConversationLogError } from '../errors.js';
import type { Log } from '../config/log.js';
import { dataJsonOf, type AppendOutcome } from './append.js';
import { BatchNotAttempted } from './batch-not-attempted.js';
import { classifyFailure, isLockWait } from './failures.js';
import type { EnqueueOptions, EventSink } from './sink.js';
import { droppedReport, lockWaitReport, outageReport, type Outage } from './writer-reports.js';
import type { BatchRunner, CloseOptions, CloseReport, FlushOptions, Item, WriterOptions, WriterStats } from './writer-types.js';

export type { BatchRunner, CloseOptions, CloseReport, FlushOptions, WriterOptions, WriterStats } from './writer-types.js';

/** One attempt of a batch, settled either way (a pipelined attempt is awaited later, never left rejected). */
type Attempt = { outcomes: AppendOutcome[] } | { error: unknown };

/** A batch taken from the queue and not settled yet; items before `from` are settled already. */
interface InFlight {
  batch: Item[];
  first: Promise<Attempt>;
  from: number;
}

/** How long `close()` waits for the queue to be written unless told otherwise. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;
/** A lock wait at least this long is recorded (`store_lock_wait`, WARNING); shorter ones are only counted. */
const LOCK_WAIT_REPORT_MS = 1_000;

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
  private queue: Item[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private closed = false;
  private readonly waiters: Array<{ seq: number; resolve: () => void }> = [];
  private pushed = 0;
  private settled = 0;
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
  private droppedUnreported = 0;
  private outage: Outage | null = null;
  /** Batches taken from the queue and not settled yet (given up with the queue at close or on a lost store). */
  private readonly inFlight = new Set<InFlight>();
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
  ) {}

  get pending(): number {
    return this.queue.length - this.head;
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
      this.stats.dropped++;
      this.droppedUnreported++;
      if (this.droppedUnreported === 1)
        this.log.error('conversation log queue full: dropping events until the database catches up', {
          maxQueueSize: this.options.maxQueueSize,
        });
      reject?.(
        new ConversationLogError(
          'QUEUE_FULL',
          `The write queue is full (${this.options.maxQueueSize} events): the database is not keeping up or is down. The event was dropped and counted.`,
          { retryable: true },
        ),
      );
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
    this.queue.push({ event, eventId: newEventId(), dataJson, resolve, reject, seq: ++this.pushed });
    this.schedule();
    return true;
  }

  private schedule(): void {
    if (this.running) return;
    // A flush() waiting (one that came while the last drain was ending) is not left to the timer.
    if (this.pending >= this.options.batchSize || this.waiters.length > 0) {
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
    const seq = this.pushed;
    if (this.settled >= seq) return Promise.resolve();
    const waiter = { seq, resolve: () => {} };
    const done = new Promise<void>((resolve) => {
      waiter.resolve = resolve;
      this.waiters.push(waiter);
    });
    this.start();
    const { timeoutMs } = options;
    if (timeoutMs === undefined) return done;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(
          new ConversationLogError(
            'FLUSH_TIMEOUT',
            `${Math.max(0, waiter.seq - this.settled)} queued events were not written within ${timeoutMs} ms: the database is failing or slow. They stay queued and are written when it recovers; close() gives up on them at its timeout.`,
            { field: 'timeoutMs', retryable: true },
          ),
        );
      }, timeoutMs);
      void done.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private done(_item: Item): void {
    this.settled++;
    if (this.waiters.length === 0) return;
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i]!;
      if (this.settled >= w.seq) {
        this.waiters.splice(i, 1);
        w.resolve();
      }
    }
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
      item.reject?.(error());
      this.done(item);
    };
    for (const entry of this.inFlight) for (let i = entry.from; i < entry.batch.length; i++) reject(entry.batch[i]!);
    this.inFlight.clear();
    for (let i = this.head; i < this.queue.length; i++) reject(this.queue[i]!);
    this.queue = [];
    this.head = 0;
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
          current.first = this.attempt(current.batch, !(earlier.error instanceof BatchNotAttempted));
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
    } while (ahead !== null || this.pending >= this.options.batchSize || (this.pending > 0 && this.waiters.length > 0));
  }

  /** Takes a batch and starts its first attempt. */
  private launch(): InFlight {
    const batch = this.takeBatch();
    const entry: InFlight = { batch, first: this.attempt(batch, false), from: 0 };
    this.inFlight.add(entry);
    return entry;
  }

  private attempt(batch: Item[], retry: boolean): Promise<Attempt> {
    let run: Promise<AppendOutcome[]>;
    try {
      run = this.run(batch, retry);
    } catch (error) {
      return Promise.resolve({ error });
    }
    return run.then(
      (outcomes) => ({ outcomes }),
      (error: unknown) => ({ error }),
    );
  }

  private takeBatch(): Item[] {
    const report = this.reportItems();
    const room = Math.max(1, this.options.batchSize - report.length);
    const batch = this.queue.slice(this.head, this.head + room);
    this.head += batch.length;
    // Drop taken items from the queue at once: kept referenced until a later compaction, they
    // outlive the young generation and every event would be promoted to the old one.
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    } else this.queue.fill(undefined as unknown as Item, this.head - batch.length, this.head);
    return report.length ? [...report, ...batch] : batch;
  }

  /** System events the writer owes: events it had to drop (reported with the next batch). */
  private reportItems(): Item[] {
    if (this.droppedUnreported === 0) return [];
    const count = this.droppedUnreported;
    this.droppedUnreported = 0;
    return [{ ...droppedReport(count, this.options.maxQueueSize, this.stats.dropped), seq: this.owed() }];
  }

  /**
   * A sequence number for a system event the writer owes: a flush pending now waits for it too
   * (it reports on what happened before that flush — an outage, dropped events).
   */
  private owed(): number {
    for (const w of this.waiters) w.seq++;
    return ++this.pushed;
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
    let next: Promise<Attempt> | undefined = entry.first;
    let notAttempted = 0;
    let clean = true;
    for (let attempt = 0; ; attempt++) {
      const result = await (next ?? this.attempt(batch, attempt > 0));
      next = undefined;
      // Given up while this attempt ran: its events are rejected already.
      if (!this.inFlight.has(entry)) return false;
      if ('outcomes' in result) {
        // The outage report is queued before the batch settles, so a flush waiting on the batch waits for it too.
        this.recovered();
        this.settle(batch, result.outcomes);
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
      this.degraded(error, attempt, lockWait);
      const delay = Math.min(this.options.retryMaxDelayMs, this.options.retryBaseDelayMs * 2 ** attempt);
      const keepAlive = this.waiters.length > 0 || Date.now() - this.outage!.since < OUTAGE_KEEPALIVE_MS;
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
        this.settle([item], outcomes);
      } catch (error) {
        if (!this.inFlight.has(entry)) return;
        if (isConversationLogError(error) && error.code === 'STORE_LOST') {
          this.storeLost(error);
          return;
        }
        if (classifyFailure(error) !== 'permanent') {
          const single: InFlight = { batch: [item], first: this.attempt([item], true), from: 0 };
          // Settled by the retry (or given up with it), not again by this one.
          entry.from = i + 1;
          this.inFlight.add(single);
          await this.writeWithRetry(single);
          continue;
        }
        this.stats.rejected++;
        this.log.error('conversation log event refused by the database', {
          eventType: item.event.type,
          error: (error as Error).message,
        });
        item.reject?.(
          new ConversationLogError('STORE_REJECTED', `The database refused this ${item.event.type} event: ${(error as Error).message}`, {
            cause: error,
          }),
        );
        this.done(item);
      }
      entry.from = i + 1;
    }
  }

  private settle(batch: Item[], outcomes: AppendOutcome[]): void {
    for (let i = 0; i < batch.length; i++) {
      const item = batch[i]!;
      const outcome = outcomes[i];
      if (outcome?.status === 'rejected') {
        this.stats.rejected++;
        if (item.reject) item.reject(outcome.error);
        else
          this.log.warn('conversation log event rejected', {
            eventType: item.event.type,
            code: outcome.error.code,
          });
      } else {
        this.stats.appended++;
        item.resolve?.();
      }
      this.done(item);
    }
  }

  /**
   * A failed attempt, retried. A wait on another writer's lock is contention, logged at debug;
   * any other failure makes it an outage, logged once at error.
   */
  private degraded(error: unknown, attempt: number, lockWait: boolean): void {
    const message = (error as Error)?.message ?? String(error);
    if (!this.outage) {
      this.outage = { since: Date.now(), attempts: 0, error: message, lockOnly: lockWait };
      this.stats.degraded = true;
      if (lockWait) this.log.debug('conversation log database locked by another writer; retrying', { queued: this.pending });
      else this.outageStarted(message);
    } else if (this.outage.lockOnly && !lockWait) {
      this.outage.lockOnly = false;
      this.outage.error = message;
      this.outageStarted(message);
    }
    this.outage.attempts = attempt + 1;
  }

  private outageStarted(message: string): void {
    this.log.error('conversation log database write failed; retrying with backoff, the agent is not affected', {
      error: message,
      queued: this.pending,
    });
  }

  private recovered(): void {
    if (!this.outage) return;
    const outage = this.outage;
    this.outage = null;
    this.stats.degraded = false;
    const durationMs = Date.now() - outage.since;
    const { attempts } = outage;
    let report;
    if (outage.lockOnly) {
      // A wait that committed: counted; on record (WARNING) only when it was long.
      this.stats.lockWaits++;
      if (durationMs < LOCK_WAIT_REPORT_MS) {
        this.log.debug('conversation log database lock wait over', { durationMs, attempts });
        return;
      }
      this.log.warn('conversation log database writes waited for another writer and committed', { durationMs, attempts });
      report = lockWaitReport(outage, durationMs);
    } else {
      this.log.warn('conversation log database writes recovered', { durationMs, attempts });
      report = outageReport(outage, durationMs, this.stats.dropped);
    }
    // Written with the next batch: the outage is on record once writing works again.
    this.queue.splice(this.head, 0, { ...report, seq: this.owed() });
    if (!this.running) this.schedule();
  }
}
