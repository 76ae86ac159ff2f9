import fs from 'node:fs';
import type { DataSource } from 'typeorm';
import { ConversationLogError } from '../errors.js';
import type { StoreConfig } from '../config/config.js';
import { appendBatch, type AppendOutcome, type PendingEvent } from './append.js';
import { CheckpointThread, type CheckpointStats } from './checkpoint.js';
import type { SqliteDatabaseLike } from './sqlite-executor.js';
import { StagedMemory } from './projection-memory.js';
import { StreamState } from './stream-state.js';
import { StaleProjectionMemory, type ProjectionContext } from '../projections/projection.js';
import { inTransaction } from './transaction.js';

export type AppenderConfig = Pick<StoreConfig, 'dialect' | 'sqlitePath' | 'checkpointIntervalMs' | 'writerNice'> &
  Partial<Pick<StoreConfig, 'webhooks'>>;

/**
 * Appends one batch per transaction on a DataSource, keeping the writer's view of the streams
 * ({@link StreamState}) and, on a SQLite file, checkpointing the WAL off the commit path.
 *
 * @remarks
 * The same object runs on the main thread (inline writer) or inside the writer's worker
 * thread, where it owns the worker's connection.
 */
export class BatchAppender {
  private readonly state = new StreamState();
  private readonly memory = new StagedMemory();
  /** SQLite's `data_version` at the last batch: another connection's commit changes it. */
  private dataVersion: number | null = null;
  private checkpointer: CheckpointThread | null = null;
  private checkpointerFor: DataSource | null = null;
  /** With `checkpointIntervalMs` 0: the connection that checkpoints when the appender stops. */
  private checkpointOnStop: SqliteDatabaseLike | null = null;
  /** The SQLite file as it was when its connection opened: a batch that commits checks it is still at its path. */
  private file: { path: string; dev: number; ino: number } | null = null;

  constructor(
    private readonly ready: () => Promise<DataSource>,
    private readonly config: AppenderConfig,
  ) {}

  async run(items: readonly PendingEvent[], retry: boolean): Promise<AppendOutcome[]> {
    if (retry) this.forget();
    try {
      return await this.attempt(items, retry);
    } catch (error) {
      if (!(error instanceof StaleProjectionMemory)) throw error;
      // Another connection wrote rows this writer remembered: nothing was committed; run the
      // batch again with nothing remembered (it reads, and locks, what it needs).
      this.forget();
      return this.attempt(items, retry);
    }
  }

  private async attempt(items: readonly PendingEvent[], retry: boolean): Promise<AppendOutcome[]> {
    try {
      const dataSource = await this.ready();
      await this.prepare(dataSource);
      const outcomes = await inTransaction(dataSource, this.config.dialect, async ({ ctx, executor }) =>
        appendBatch(items, await this.withMemory(ctx), executor, this.state, Date.now(), retry, this.config.webhooks),
      );
      this.state.commit();
      this.memory.commit();
      this.checkFile();
      return outcomes;
    } catch (error) {
      this.state.rollback();
      this.memory.rollback();
      throw error;
    }
  }

  /**
   * After a commit, once per batch (one `stat`): is the file this connection writes still the one
   * at its path? Deleted (its directory removed) or replaced, what it commits is lost with the
   * unlinked file: the batch is refused (`STORE_LOST`) instead of acknowledged.
   */
  private checkFile(): void {
    const file = this.file;
    if (file === null) return;
    let now: fs.Stats | undefined;
    try {
      now = fs.statSync(file.path, { throwIfNoEntry: false });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOTDIR') return; // cannot tell (EACCES…): not lost
    }
    if (now !== undefined && now.dev === file.dev && now.ino === file.ino) return;
    throw new ConversationLogError(
      'STORE_LOST',
      `The SQLite store file named by DATABASE_URL was ${now === undefined ? 'deleted (or its directory removed)' : 'replaced by another file'} while open: what was committed since went to a file that no longer exists at that path. Writes are refused from now on; restore the store and restart the process.`,
      { field: 'DATABASE_URL' },
    );
  }

  /** Forget cached call and conversation state (another writer — cleanup, a rebuild — changed the tables). */
  clearState(): void {
    this.forget();
  }

  private forget(): void {
    this.state.clear();
    this.memory.clear();
    this.dataVersion = null;
  }

  /**
   * Projections may keep rows between batches (no reads per batch). On SQLite, inside the write
   * transaction, `data_version` says whether any other connection committed since the last
   * batch (another process, the application's own connection); if so the memory is forgotten.
   * On PostgreSQL, other processes write at any time: each remembered row is written back only
   * if its version is unchanged ({@link ProjectionContext.versioned}), else the batch runs again.
   */
  private async withMemory(ctx: ProjectionContext): Promise<ProjectionContext> {
    if (this.config.dialect !== 'sqlite') return ctx.versioned ? { ...ctx, memory: this.memory } : ctx;
    const [row] = await ctx.query<{ data_version: number }>('PRAGMA data_version', []);
    const version = Number(row?.data_version);
    if (this.dataVersion !== version) this.memory.clear();
    this.dataVersion = version;
    return { ...ctx, memory: this.memory };
  }

  /** No WAL checkpoint until {@link resumeCheckpoints}; resolves when none is running. */
  async pauseCheckpoints(): Promise<void> {
    await this.checkpointer?.pause();
  }

  resumeCheckpoints(): void {
    this.checkpointer?.resume();
  }

  async checkpointStats(): Promise<CheckpointStats | null> {
    return (await this.checkpointer?.stats()) ?? null;
  }

  /** Stops the checkpoint thread after a last checkpoint (without a thread, checkpoints on the writer's connection). */
  async stop(): Promise<void> {
    const checkpointer = this.checkpointer;
    this.checkpointer = null;
    await checkpointer?.stop();
    const db = this.checkpointOnStop;
    this.checkpointOnStop = null;
    try {
      // PASSIVE: copies what no reader still needs, waits for nobody; the next checkpoint does the rest.
      db?.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // Busy or closed: another process's checkpoint (or the last connection's close) copies it.
    }
  }

  /**
   * On a SQLite file: commits never checkpoint (`wal_autocheckpoint = 0`); a thread of its own
   * does, on a timer. If that thread cannot start, SQLite's automatic checkpoints come back.
   * With `checkpointIntervalMs` 0 there is no thread: the connection checkpoints when it stops.
   */
  private async prepare(dataSource: DataSource): Promise<void> {
    const file = this.config.sqlitePath;
    if (this.config.dialect !== 'sqlite' || file === null || file === ':memory:') return;
    if (this.checkpointerFor === dataSource) return;
    this.checkpointerFor = dataSource;
    const stat = fs.statSync(file);
    this.file = { path: file, dev: stat.dev, ino: stat.ino };
    const db = (await dataSource.createQueryRunner().connect()) as SqliteDatabaseLike;
    // After a burst the WAL file is cut back to this size when it restarts.
    db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
    db.pragma('wal_autocheckpoint = 0');
    await this.checkpointer?.stop();
    if (this.config.checkpointIntervalMs === 0) {
      // A job process's store: no thread (no second JavaScript heap for one call's events); its
      // connection checkpoints when the store closes, after the call.
      this.checkpointer = null;
      this.checkpointOnStop = db;
      return;
    }
    const checkpointer = new CheckpointThread(file, this.config.checkpointIntervalMs, this.config.writerNice);
    this.checkpointer = checkpointer;
    if (!(await checkpointer.ready())) {
      db.pragma('wal_autocheckpoint = 1000');
      this.checkpointer = null;
    }
  }
}
