import { DataSource, MigrationExecutor } from 'typeorm';
import { MIGRATIONS } from '../../migrations/index.js';
import { ensureMonthsAhead, isPartitioned } from '../../migrations/event-partitions.js';
import { ConversationLogError } from '../errors.js';
import { MIGRATIONS_TABLE } from './data-source.js';

export interface MigrationStatus {
  /** Name of the newest applied migration, or null on an empty database. */
  currentVersion: string | null;
  applied: string[];
  pending: string[];
  pendingCount: number;
}

export type MigrationResult = { ok: true; applied: string[] } | { ok: false; applied: string[]; error: ConversationLogError };

/** Arbitrary constant: the PostgreSQL advisory lock that serialises migrations across processes. */
const PG_LOCK_KEY = 748_215_390;
const SQLITE_RETRY_MS = 30_000;

const knownNames = (): string[] => MIGRATIONS.map((M) => new M().name ?? M.name);

/**
 * Applies and reports schema migrations.
 *
 * @remarks
 * Two processes that start at once both succeed and the schema is applied once: on PostgreSQL
 * migrations run under an advisory lock; on SQLite a process that loses the race sees the
 * other's work when it re-reads the status.
 */
export class MigrationManager {
  private readonly dataSource: DataSource;

  /**
   * @param database the opened `DataSource`, or what {@link initDatabase} returns
   *   (`{ dataSource, config, log }`), so `new MigrationManager(await initDatabase())` works too.
   * @throws ConversationLogError `INVALID_ARGUMENT` for anything else
   */
  constructor(database: DataSource | { dataSource: DataSource }) {
    this.dataSource = toDataSource(database);
  }

  async getMigrationStatus(): Promise<MigrationStatus> {
    const applied = await this.appliedNames();
    const pending = knownNames().filter((n) => !applied.includes(n));
    return { currentVersion: applied.at(-1) ?? null, applied, pending, pendingCount: pending.length };
  }

  /** Applies every pending migration. Returns what it applied, or the error instead of throwing. */
  async migrateToLatest(): Promise<MigrationResult> {
    try {
      const applied = this.dataSource.options.type === 'postgres' ? await this.migratePostgres() : await this.migrateSqlite();
      return { ok: true, applied };
    } catch (error) {
      return {
        ok: false,
        applied: [],
        error:
          error instanceof ConversationLogError
            ? error
            : new ConversationLogError(
                'MIGRATION_FAILED',
                `Schema migration failed: ${(error as Error).message}. Check the database user may create tables, then start again.`,
                { cause: error },
              ),
      };
    }
  }

  private async migratePostgres(): Promise<string[]> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      // A transaction-scoped lock, released by the commit: a session lock would outlive the
      // transaction on a pooled server connection (PgBouncer in transaction mode) and block
      // every later migration. The migrations run inside it (TypeORM nests them as a savepoint),
      // on the connection that holds the lock: a pool of one must not wait for a second.
      await runner.startTransaction();
      try {
        await runner.query('SELECT pg_advisory_xact_lock($1)', [PG_LOCK_KEY]);
        const executor = new MigrationExecutor(this.dataSource, runner);
        executor.transaction = 'all';
        const done = await executor.executePendingMigrations();
        // The log's months ahead, on every open: a month's first write finds its partition.
        const run = (sql: string, params?: unknown[]) => runner.query(sql, params);
        if (await isPartitioned(run)) await ensureMonthsAhead(run, Date.now());
        await runner.commitTransaction();
        return done.map((m) => m.name);
      } catch (error) {
        if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
        throw error;
      }
    } finally {
      await runner.release();
    }
  }

  private async migrateSqlite(): Promise<string[]> {
    const deadline = Date.now() + SQLITE_RETRY_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        const done = await this.dataSource.runMigrations({ transaction: 'all' });
        return done.map((m) => m.name);
      } catch (error) {
        // TypeORM turns foreign keys off for the migrations and on again only after they commit.
        await this.dataSource.query('PRAGMA foreign_keys = ON').catch(() => undefined);
        // Another process may have applied them meanwhile: then there is nothing left to do.
        const status = await this.getMigrationStatus().catch(() => null);
        if (status && status.pendingCount === 0) return [];
        if (Date.now() > deadline || !isSqliteBusy(error)) throw error;
        await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** attempt) * (0.5 + Math.random())));
      }
    }
  }

  private async appliedNames(): Promise<string[]> {
    const exists =
      this.dataSource.options.type === 'postgres'
        ? (await this.dataSource.query<Array<{ t: unknown }>>('SELECT to_regclass($1) AS t', [MIGRATIONS_TABLE]))[0]?.t != null
        : (await this.dataSource.query<unknown[]>("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?", [MIGRATIONS_TABLE]))
            .length > 0;
    if (!exists) return [];
    const rows = await this.dataSource.query<
      Array<{
        name: string;
      }>
    >(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY timestamp ASC, id ASC`);
    return rows.map((r) => r.name);
  }
}

function toDataSource(database: unknown): DataSource {
  if (database instanceof DataSource || isDataSourceShape(database)) return database;
  const inner = typeof database === 'object' && database !== null ? (database as { dataSource?: unknown }).dataSource : undefined;
  if (inner instanceof DataSource || isDataSourceShape(inner)) return inner;
  throw new ConversationLogError(
    'INVALID_ARGUMENT',
    `MigrationManager needs a TypeORM DataSource or the result of initDatabase(), got ${describe(database)}. ` +
      'Pass await initDatabase() or logger.dataSource().',
    { field: 'database' },
  );
}

/** A DataSource from another loaded copy of TypeORM fails `instanceof`; its shape does not. */
function isDataSourceShape(value: unknown): value is DataSource {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<DataSource>;
  return typeof v.query === 'function' && typeof v.runMigrations === 'function' && typeof v.options === 'object' && v.options !== null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  const keys = Object.keys(value).slice(0, 5);
  return keys.length ? `an object with ${keys.join(', ')}` : 'an empty object';
}

function isSqliteBusy(error: unknown): boolean {
  const text = `${(error as { code?: string }).code ?? ''} ${(error as Error).message ?? ''} ${
    (error as { driverError?: { code?: string } }).driverError?.code ?? ''
  }`;
  return /SQLITE_BUSY|SQLITE_LOCKED|database is locked|already exists/i.test(text);
}
