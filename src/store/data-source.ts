import fs from 'node:fs';
import path from 'node:path';
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { ConversationLogNamingStrategy, entitiesFor } from '../../entities/index.js';
import { MIGRATIONS } from '../../migrations/index.js';
import { loadConfig, type StoreConfig, type StoreOverrides } from '../config/config.js';
import { createLog, WinstonTypeOrmLogger, type Log } from '../config/log.js';
import { ConversationLogError } from '../errors.js';

export const MIGRATIONS_TABLE = 'convlog_migrations';

/**
 * Creates (does not open) the TypeORM DataSource for a config. `synchronize` is always off.
 *
 * @param options.role `writer`: the DataSource of the writer's worker thread — on PostgreSQL a
 *   small pool of pipelined connections (statements are sent without waiting for each reply).
 *   The application's DataSource is pipelined too when the writer runs inline on it.
 * @param options.prepare `false`: leave the SQLite file's directory and mode to the caller
 *   ({@link prepareSqliteStore}, when it opens the DataSource).
 */
export function createDataSource(config: StoreConfig, log: Log, options: { role?: 'app' | 'writer'; prepare?: boolean } = {}): DataSource {
  const writer = options.role === 'writer';
  const logger = new WinstonTypeOrmLogger(log, config.logSql);
  const common = {
    entities: entitiesFor(config.dialect),
    namingStrategy: new ConversationLogNamingStrategy(),
    migrations: MIGRATIONS,
    migrationsTableName: MIGRATIONS_TABLE,
    synchronize: false,
    migrationsRun: false,
    logging: config.logSql ? ('all' as const) : (['error', 'warn', 'migration'] as Array<'error' | 'warn' | 'migration'>),
    logger,
  };
  if (config.dialect === 'postgres') {
    return new DataSource({
      ...common,
      type: 'postgres',
      url: config.databaseUrl,
      poolSize: writer ? 2 : config.poolSize + config.poolOverflow,
      extra: {
        max: writer ? 2 : config.poolSize + config.poolOverflow,
        // The connections the writer runs its batches on are pipelined: its own (a worker
        // thread's), or the application's when the writer runs inline (a job process's one connection).
        ...(writer || config.writerThread === 'inline' ? { pipeline: true } : {}),
        idleTimeoutMillis: config.poolIdleTimeoutMs,
        // An idle pool never keeps the process alive: a script that logs and ends exits, and the
        // process-wide logger's beforeExit flush and close then run (node-postgres unrefs idle clients).
        allowExitOnIdle: true,
        connectionTimeoutMillis: 5_000,
        application_name: 'livekit-conversation-log',
      },
    });
  }
  const file = config.sqlitePath ?? ':memory:';
  if (file !== ':memory:' && options.prepare !== false) prepareSqliteFile(file, log);
  return new DataSource({
    ...common,
    type: 'better-sqlite3',
    database: file,
    enableWAL: true,
    // Opening waits for another process's lock (the WAL switch, a migration under way); writes
    // then use the short busy timeout (see openSqliteWrites).
    timeout: Math.max(config.busyTimeoutMs, OPEN_BUSY_TIMEOUT_MS),
    statementCacheSize: 200,
    prepareDatabase: async (db: { pragma(sql: string): unknown }) => {
      await switchToWal(db);
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
    },
  });
}

/** How long opening a SQLite store waits for a lock another process holds (its first open, its migration). */
const OPEN_BUSY_TIMEOUT_MS = 5_000;

/**
 * Once a SQLite DataSource is open (and migrated), its connection waits `busyTimeoutMs` for a
 * lock, no longer: SQLite's busy wait blocks its thread, and the writer backs off in JS instead.
 */
export async function openSqliteWrites(dataSource: DataSource, config: StoreConfig): Promise<void> {
  if (config.dialect !== 'sqlite') return;
  const db = (await dataSource.createQueryRunner().connect()) as { pragma(sql: string): unknown };
  db.pragma(`busy_timeout = ${Math.trunc(config.busyTimeoutMs)}`);
}

/**
 * Puts a SQLite database in WAL mode (TypeORM asks again after this; then it is a no-op). The
 * switch needs an exclusive lock, and SQLite answers SQLITE_BUSY at once rather than wait when
 * another process is opening or migrating the same fresh file: retried for up to
 * {@link OPEN_BUSY_TIMEOUT_MS}.
 */
async function switchToWal(db: { pragma(sql: string): unknown }): Promise<void> {
  const deadline = Date.now() + OPEN_BUSY_TIMEOUT_MS;
  for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

/**
 * Creates the SQLite file's directory (owner-only) and the file itself readable by the owner only.
 * A file (or its -wal / -shm) that already exists readable or writable by group or others is
 * tightened to owner-only (0600), with a warning; when that is not allowed (another owner) the
 * warning says so and the file is left as it is.
 */
function prepareSqliteFile(file: string, log: Log): void {
  const dir = path.dirname(file);
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!fs.existsSync(file)) fs.closeSync(fs.openSync(file, 'a', 0o600));
    fs.accessSync(file, fs.constants.R_OK | fs.constants.W_OK);
  } catch (error) {
    throw new ConversationLogError(
      'CONFIG_INVALID',
      `DATABASE_URL points at a SQLite file that cannot be created or written (${(error as NodeJS.ErrnoException).code ?? 'error'}): check the path and its permissions.`,
      { field: 'DATABASE_URL', cause: error },
    );
  }
  for (const f of [file, `${file}-wal`, `${file}-shm`]) tightenToOwner(f, log);
}

/** {@link prepareSqliteFile} for a config's SQLite file (nothing for PostgreSQL or `:memory:`). */
export function prepareSqliteStore(config: StoreConfig, log: Log): void {
  const file = config.sqlitePath;
  if (config.dialect === 'sqlite' && file !== null && file !== ':memory:') prepareSqliteFile(file, log);
}

/**
 * Releases what a DataSource that failed to open may hold (its PostgreSQL pool, its SQLite
 * handle); destroys one that opened. Never throws.
 */
export async function discardDataSource(dataSource: DataSource): Promise<void> {
  try {
    if (dataSource.isInitialized) {
      await dataSource.destroy();
      return;
    }
    const driver = dataSource.driver as { master?: { end?: () => Promise<void> }; databaseConnection?: { close?: () => void } };
    await driver.master?.end?.();
    driver.databaseConnection?.close?.();
  } catch {
    // Nothing more to release.
  }
}

/** Clears the group and other bits of `file` if it exists and has any (the store holds personal data). */
function tightenToOwner(file: string, log: Log): void {
  let mode: number;
  try {
    mode = fs.statSync(file).mode & 0o777;
  } catch {
    return; // absent: SQLite creates -wal and -shm with the main file's mode
  }
  if ((mode & 0o077) === 0) return;
  const was = mode.toString(8).padStart(4, '0');
  try {
    fs.chmodSync(file, mode & 0o700);
    log.warn('conversation log store file was readable by others: tightened to owner-only', {
      file,
      mode: was,
      now: (mode & 0o700).toString(8).padStart(4, '0'),
    });
  } catch (error) {
    log.warn('conversation log store file is readable by others and cannot be tightened: chmod 600 it', {
      file,
      mode: was,
      code: (error as NodeJS.ErrnoException).code,
    });
  }
}

/**
 * Opens the DataSource from the environment (or `overrides`): SQLite with WAL, a short
 * busy timeout and foreign keys, its directory created; PostgreSQL with a pool of
 * `DB_POOL_SIZE + DB_POOL_OVERFLOW` connections at most. Does not run migrations
 * (see {@link MigrationManager}).
 *
 * @throws ConversationLogError `CONFIG_INVALID` for bad configuration, `DB_UNAVAILABLE` when the database cannot be reached.
 */
export async function initDatabase(
  overrides: StoreOverrides = {},
  log?: Log,
): Promise<{ dataSource: DataSource; config: StoreConfig; log: Log }> {
  const config = loadConfig(overrides);
  const theLog = log ?? createLog(config.logLevel);
  const dataSource = createDataSource(config, theLog);
  try {
    await dataSource.initialize();
    await openSqliteWrites(dataSource, config);
  } catch (error) {
    throw new ConversationLogError(
      'DB_UNAVAILABLE',
      `Cannot open the ${config.dialect} database named by DATABASE_URL: ${(error as Error).message}. Check that it is running and reachable.`,
      { field: 'DATABASE_URL', retryable: true, cause: error },
    );
  }
  return { dataSource, config, log: theLog };
}
