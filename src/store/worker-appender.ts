import type { DataSource } from 'typeorm';
import type { StoreConfig } from '../config/config.js';
import type { Log } from '../config/log.js';
import type { AppendOutcome, PendingEvent } from './append.js';
import type { CheckpointStats } from './checkpoint.js';
import type { Appender } from './appender.js';
import type { SqliteDatabaseLike } from './sqlite-executor.js';
import { BatchNotAttempted } from './batch-not-attempted.js';
import { startProcess } from './thread/start-process.js';
import { startThread, type ThreadLike } from './thread/start-thread.js';
import {
  NOT_ATTEMPTED,
  fromWireError,
  fromWireOutcomes,
  toWireBatch,
  type FromWorker,
  type ToWorker,
  type WireOutcomes,
  type WorkerData,
} from './worker-protocol.js';

/** A worker thread that died this many times in a row without completing a batch is given up for inline writes. */
const MAX_CRASHES = 3;
const CLOSE_TIMEOUT_MS = 10_000;
/** How long past the close deadline a thread told to abort has before it is terminated. */
const ABORT_GRACE_MS = 5_000;

type Request = { resolve: (value: unknown) => void; reject: (error: Error) => void };
type Outgoing = ToWorker extends infer M ? (M extends { id: number } ? Omit<M, 'id'> : never) : never;

/**
 * Runs the writer's batches in a worker thread that owns its own DataSource: the application
 * thread hands over its events (their JSON, or the data a producer handed over, serialised
 * there) and awaits the outcome, so no transaction,
 * statement or WAL checkpoint ever runs on its event loop (pino's transport model).
 *
 * @remarks
 * The worker starts with the first batch (a process that only reads never starts one).
 * It is unreferenced while idle (it never keeps the process alive) and referenced while a batch
 * is in flight (a process does not exit with a batch half-way). A worker that exits is started
 * again for the next batch, which the writer retries (a retried batch skips what was already
 * committed). If the worker cannot start at all, the writer falls back to inline writes and says so.
 */
export class WorkerAppender implements Appender {
  private worker: ThreadLike | null = null;
  private starting: Promise<ThreadLike | null> | null = null;
  private fallback: Appender | null = null;
  private readonly requests = new Map<number, Request>();
  private nextId = 1;
  private crashes = 0;
  private closed = false;
  private mainPrepared = false;
  private epoch = 0;
  /** The last hand-over; true when it failed before reaching the thread (the store could not be opened). */
  private handOver: Promise<boolean> = Promise.resolve(false);
  private fallbackTail: Promise<void> = Promise.resolve();

  constructor(
    private readonly ready: () => Promise<DataSource>,
    private readonly config: StoreConfig,
    private readonly log: Log,
    private readonly inline: () => Appender,
  ) {}

  /** The writer runs in a child process of its own (`writerThread: 'process'`), not a thread. */
  private get inProcess(): boolean {
    return this.config.writerThread === 'process';
  }

  /** Two batches may be in flight (the second waits in the thread's queue), unless writes fell back to this thread. */
  get pipelines(): boolean {
    return this.fallback === null;
  }

  run(items: readonly PendingEvent[], retry: boolean): Promise<AppendOutcome[]> {
    // Batches are handed over in the order run() is called, whatever each waits for first. One
    // handed over behind a batch that could not be (the database did not open) is refused
    // unattempted: were the database open by its turn, it would commit ahead of that batch.
    const turn = this.handOver.then((failed) => {
      if (failed && !retry) throw new BatchNotAttempted();
      return this.send(items, retry);
    });
    this.handOver = turn.then(
      () => false,
      (error: unknown) => !(error instanceof BatchNotAttempted),
    );
    return turn.then((send) => send());
  }

  /** On the fallback, one batch at a time (one handed over just before the fallback began waits its turn). */
  private runFallback(items: readonly PendingEvent[], retry: boolean): Promise<AppendOutcome[]> {
    const run = this.fallbackTail.then(() => this.fallback!.run(items, retry));
    this.fallbackTail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Hands the batch over (or runs it on the fallback); resolves to a function awaiting its outcome. */
  private async send(items: readonly PendingEvent[], retry: boolean): Promise<() => Promise<AppendOutcome[]>> {
    if (this.fallback) return () => this.runFallback(items, retry);
    // The schema is migrated by the application's DataSource before anything is written.
    const dataSource = await this.ready();
    this.prepareMain(dataSource);
    const worker = await this.current();
    if (!worker) return () => this.runFallback(items, retry);
    const epoch = this.epoch;
    let reply: Promise<unknown>;
    try {
      reply = this.request(worker, { kind: 'batch', retry, epoch, batch: toWireBatch(items) });
    } catch (error) {
      if ((error as Error)?.name !== 'DataCloneError') throw error;
      // Handed-over data the structured clone cannot copy (a function in it): serialised here,
      // as JSON would have it (an event whose data JSON refuses too fails, and is isolated).
      reply = this.request(worker, { kind: 'batch', retry, epoch, batch: toWireBatch(items, true) });
    }
    return async () => {
      let value: unknown;
      try {
        value = await reply;
      } catch (error) {
        // Whatever was handed over behind this batch is refused; what is sent from now on runs.
        this.epoch = Math.max(this.epoch, epoch + 1);
        throw error;
      }
      if (value === NOT_ATTEMPTED) throw new BatchNotAttempted();
      this.crashes = 0;
      return fromWireOutcomes(value as WireOutcomes);
    };
  }

  async clearState(): Promise<void> {
    if (this.fallback) return this.fallback.clearState();
    // A worker that is not running has no state; the next one starts empty.
    if (this.worker) await this.request(this.worker, { kind: 'clear' });
  }

  async pauseCheckpoints(): Promise<void> {
    if (this.fallback) return this.fallback.pauseCheckpoints();
    if (this.worker) await this.request(this.worker, { kind: 'pause-checkpoints' });
  }

  async resumeCheckpoints(): Promise<void> {
    if (this.fallback) return this.fallback.resumeCheckpoints();
    if (this.worker) await this.request(this.worker, { kind: 'resume-checkpoints' });
  }

  async checkpointStats(): Promise<CheckpointStats | null> {
    if (this.fallback) return this.fallback.checkpointStats();
    return this.worker ? ((await this.request(this.worker, { kind: 'stats' })) as CheckpointStats | null) : null;
  }

  async close(deadline = Date.now() + CLOSE_TIMEOUT_MS): Promise<void> {
    this.closed = true;
    if (this.fallback) return this.fallback.close();
    const worker = this.worker ?? (await this.starting?.catch(() => null)) ?? null;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    // A thread still in a batch (a database that does not answer) at the deadline is told to
    // end: its open transaction dies with its connection. It ends between two statements (a
    // SQLite statement waits `busyTimeoutMs` at most, a PostgreSQL one is asynchronous), so
    // terminating it is left for a thread that never comes back to its event loop.
    const abort = setTimeout(() => worker.postMessage({ kind: 'abort' } satisfies ToWorker), Math.max(0, deadline - Date.now()));
    const terminate = setTimeout(() => void worker.terminate(), Math.max(0, deadline - Date.now()) + ABORT_GRACE_MS);
    this.request(worker, { kind: 'close' }).catch(() => undefined); // gone already: `exit` comes
    await exited;
    clearTimeout(abort);
    clearTimeout(terminate);
  }

  /** The application's own connection commits without checkpointing too (cleanup, rebuilds); the worker checkpoints. */
  private prepareMain(dataSource: DataSource): void {
    if (this.mainPrepared || this.config.dialect !== 'sqlite') return;
    this.mainPrepared = true;
    void (dataSource.createQueryRunner().connect() as Promise<SqliteDatabaseLike>)
      .then((db) => db.pragma('wal_autocheckpoint = 0'))
      .catch(() => undefined);
  }

  private async current(): Promise<ThreadLike | null> {
    if (this.worker) return this.worker;
    this.starting ??= this.spawn();
    return this.starting;
  }

  private spawn(): Promise<ThreadLike | null> {
    const workerData: WorkerData = { config: this.config };
    let worker: ThreadLike;
    try {
      // Its module: ./writer-worker.ts.
      const entry = new URL('./writer-worker.js', import.meta.url);
      worker = this.inProcess
        ? startProcess(entry, { workerData, name: 'convlog-writer' })
        : startThread(entry, { workerData, name: 'convlog-writer' });
    } catch (error) {
      return Promise.resolve(this.giveUp(error));
    }
    // A thread starting keeps the process alive until it is up; a child process is unreferenced once it is.
    if (!this.inProcess) worker.unref();
    return new Promise<ThreadLike | null>((resolve) => {
      let started = false;
      worker.on('message', (message: FromWorker) => {
        if (message.kind === 'ready') {
          started = true;
          if (this.requests.size === 0) worker.unref();
          this.worker = worker;
          this.starting = null;
          resolve(worker);
        } else this.receive(message);
      });
      worker.on('error', (error: Error) => {
        if (!started) resolve(this.giveUp(error));
        else this.log.error('conversation log writer thread failed', { error: error.message });
      });
      worker.on('exit', (code: number, signal?: NodeJS.Signals | null) => {
        if (this.worker === worker) this.worker = null;
        this.starting = null;
        // A writer that dies (a fatal signal, an uncaught error, terminated) is said once; its batch is retried.
        if (!this.closed && started && (signal || code !== 0)) {
          const how = signal ? `process killed by ${signal}` : `${this.inProcess ? 'process' : 'thread'} exited with code ${code}`;
          this.log.error(`conversation log writer ${how}; a new one takes the next batch`, { code, signal });
        }
        this.failRequests(code, signal ?? null);
        if (!started) resolve(this.fallback ? null : this.giveUp(new Error(`exited with code ${code} while starting`)));
        // A thread that keeps dying is given up for this one; a writer process is only ever
        // replaced (whatever kills it would kill the application in its place), paced by the
        // writer's retries.
        else if (!this.closed && ++this.crashes >= MAX_CRASHES && !this.inProcess)
          this.giveUp(new Error(`exited ${this.crashes} times in a row`));
      });
    });
  }

  /** The worker cannot run here: write on this thread instead, and say why once. */
  private giveUp(error: unknown): null {
    if (!this.fallback) {
      this.log.warn('conversation log writer thread unavailable; writing on the application thread instead', {
        error: (error as Error)?.message ?? String(error),
      });
      this.fallback = this.inline();
    }
    return null;
  }

  private request(worker: ThreadLike, message: Outgoing): Promise<unknown> {
    const id = this.nextId++;
    // Posted first: a message that cannot be cloned throws here, and leaves no request waiting.
    worker.postMessage({ ...message, id });
    return new Promise<unknown>((resolve, reject) => {
      this.requests.set(id, { resolve, reject });
      // Referenced while a request is in flight: the process does not exit half-way through a batch.
      if (this.requests.size === 1) worker.ref();
    });
  }

  private settle(id: number): Request | undefined {
    const request = this.requests.get(id);
    this.requests.delete(id);
    if (this.requests.size === 0) this.worker?.unref();
    return request;
  }

  private receive(message: FromWorker): void {
    if (message.kind === 'log') {
      this.log.log(message.level, message.message, message.meta);
      return;
    }
    if (message.kind !== 'reply') return;
    const request = this.settle(message.id);
    if (!request) return;
    if (message.ok) request.resolve(message.value);
    else request.reject(fromWireError(message.error));
  }

  private failRequests(code: number, signal: NodeJS.Signals | null): void {
    const pending = [...this.requests.values()];
    this.requests.clear();
    const what = this.inProcess ? 'process' : 'thread';
    const how = signal ? `was killed by ${signal}` : `exited (code ${code})`;
    for (const r of pending)
      r.reject(
        Object.assign(new Error(`The conversation log writer ${what} ${how}; the batch is retried.`), {
          code: 'CONVLOG_WRITER_EXITED',
        }),
      );
  }
}
