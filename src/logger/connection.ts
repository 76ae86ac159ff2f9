import type { DataSource } from 'typeorm';
import type { StoreConfig } from '../config/config.js';
import type { Log } from '../config/log.js';
import { ConversationLogError } from '../errors.js';
import { createDataSource, discardDataSource, openSqliteWrites, prepareSqliteStore } from '../store/data-source.js';
import { MigrationManager } from '../store/migration-manager.js';
import { openReadOnly } from '../store/read-only.js';

/**
 * The logger's databases: the primary, opened and migrated from construction on (after a failed
 * attempt the next batch or read opens it again), and the read replica, opened on first use.
 */
export class LoggerConnection {
  /** The DataSource of the latest attempt to open the database (the open one once it opened). */
  private ownedDataSource: DataSource;
  private opened: DataSource | null = null;
  /** The attempt under way; after a failure the next batch or read starts another. */
  private opening: Promise<DataSource> | null;
  private closed = false;
  /** The read replica, once opened (`readUrl`). */
  private reading: Promise<DataSource> | null = null;
  /** The attempt started at construction (what `ConversationLogger.open` waits for). */
  readonly firstOpen: Promise<DataSource>;

  constructor(
    private readonly config: StoreConfig,
    private readonly log: Log,
  ) {
    this.ownedDataSource = createDataSource(this.config, this.log, { prepare: false });
    this.opening = this.attemptOpen(this.ownedDataSource);
    this.firstOpen = this.opening;
  }

  /**
   * The open, migrated DataSource; while there is none, the attempt under way, or a new one
   * (rejects `DB_UNAVAILABLE`, retryable, when it cannot open).
   */
  ready(): Promise<DataSource> {
    if (this.opened !== null) return Promise.resolve(this.opened);
    if (this.closed) return Promise.reject(new ConversationLogError('LOGGER_CLOSED', 'The logger is closed; open a new one.'));
    return (this.opening ??= this.attemptOpen(createDataSource(this.config, this.log, { prepare: false })));
  }

  private attemptOpen(ds: DataSource): Promise<DataSource> {
    this.ownedDataSource = ds;
    const attempt = this.openDataSource(ds).then(
      async (opened) => {
        if (this.closed) {
          // Opened after close() gave up: nothing will use it.
          await discardDataSource(opened);
          throw new ConversationLogError('LOGGER_CLOSED', 'The logger is closed; open a new one.');
        }
        this.opened = opened;
        return opened;
      },
      async (error: unknown) => {
        if (this.opening === attempt) this.opening = null;
        await discardDataSource(ds);
        throw error;
      },
    );
    // Keep an unhandled rejection from crashing the process; open(), batches and reads surface it.
    attempt.catch(() => undefined);
    return attempt;
  }

  private async openDataSource(ds: DataSource): Promise<DataSource> {
    try {
      prepareSqliteStore(this.config, this.log);
      await ds.initialize();
    } catch (error) {
      throw new ConversationLogError(
        'DB_UNAVAILABLE',
        `Cannot open the ${this.config.dialect} database named by DATABASE_URL (${(error as Error).message.replace(/\.+$/, '')}). ${
          this.config.dialect === 'sqlite'
            ? 'Check that its directory can be created and written'
            : 'Check that it is running, reachable and created'
        }; writes queue meanwhile (bounded), and the next write or read opens it again.`,
        { field: 'DATABASE_URL', retryable: true, cause: error },
      );
    }
    const result = await new MigrationManager(ds).migrateToLatest();
    if (!result.ok) throw result.error;
    await openSqliteWrites(ds, this.config);
    if (result.applied.length) this.log.info('conversation log schema migrated', { applied: result.applied });
    return ds;
  }

  /** The read replica when `readUrl` is set (opened on first use, read-only, its schema checked), else the primary. */
  read(): Promise<DataSource> {
    if (this.config.readUrl === null) return this.ready();
    if (this.closed) return Promise.reject(new ConversationLogError('LOGGER_CLOSED', 'the logger is closed: open a new one to read.'));
    this.reading ??= openReadOnly(this.config, this.log).catch((error: unknown) => {
      this.reading = null;
      throw error;
    });
    return this.reading;
  }

  /** No open is started from now on; one under way is discarded when it ends. */
  stopOpening(): void {
    this.closed = true;
  }

  /** Discards the latest attempt's DataSource (after the first open failed). */
  discardAttempt(): Promise<void> {
    return discardDataSource(this.ownedDataSource);
  }

  /** Stops opening, closes the replica, then the primary, not waiting for the latter past `deadline` (ms epoch). */
  async close(deadline: number): Promise<void> {
    this.stopOpening();
    const replica = await this.reading?.catch(() => null);
    if (replica) await replica.destroy().catch(() => undefined);
    const ds = this.opened;
    if (ds !== null) {
      let timer: NodeJS.Timeout | undefined;
      // A pool with a query stuck on a dead connection is not waited for past the deadline.
      await Promise.race([
        discardDataSource(ds),
        new Promise<void>((r) => (timer = setTimeout(r, Math.max(0, deadline - Date.now())))),
      ]).finally(() => clearTimeout(timer));
    }
  }
}
