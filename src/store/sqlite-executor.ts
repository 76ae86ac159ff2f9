import type { EventRow, WriteExecutor } from './executor.js';
import type { Column } from '../projections/projection.js';
import { EVENT_COLUMNS, insertOneSql, updateOneSql } from './executor.js';

/** The parts of a better-sqlite3 statement the executor uses. */
interface StatementLike {
  readonly reader: boolean;
  run(params?: readonly unknown[]): { lastInsertRowid: number | bigint };
  all(params?: readonly unknown[]): unknown[];
}

/** The shape of a better-sqlite3 `Database` (the connection TypeORM's driver holds). */
export interface SqliteDatabaseLike {
  prepare(sql: string): StatementLike;
  pragma(sql: string, options?: { simple?: boolean }): unknown;
}

const INSERT_EVENT = `INSERT INTO events (${EVENT_COLUMNS.join(', ')}) VALUES (${EVENT_COLUMNS.map(() => '?').join(', ')})`;

/** Distinct statement texts kept prepared per connection (ours are a small fixed set). */
const CACHE_SIZE = 500;
const caches = new WeakMap<SqliteDatabaseLike, Map<string, StatementLike>>();

/** better-sqlite3 binds neither booleans nor undefined. */
function bind(params: readonly unknown[]): readonly unknown[] {
  for (const p of params) {
    if (p === undefined || typeof p === 'boolean')
      return params.map((v) => (v === undefined ? null : typeof v === 'boolean' ? (v ? 1 : 0) : v));
  }
  return params;
}

const DONE = Promise.resolve();

/**
 * SQLite: every statement prepared once per connection and reused, run synchronously by
 * better-sqlite3 (no SQL text is ever built from values, so the statement cache always hits).
 */
export class SqliteExecutor implements WriteExecutor {
  readonly dialect = 'sqlite' as const;
  private readonly cache: Map<string, StatementLike>;

  constructor(private readonly db: SqliteDatabaseLike) {
    let cache = caches.get(db);
    if (!cache) {
      cache = new Map();
      caches.set(db, cache);
    }
    this.cache = cache;
  }

  private statement(sql: string): StatementLike {
    let stmt = this.cache.get(sql);
    if (stmt === undefined) {
      stmt = this.db.prepare(sql);
      this.cache.set(sql, stmt);
      if (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    }
    return stmt;
  }

  begin(): Promise<void> {
    // Take the write lock up front: a busy database fails fast instead of deadlocking on upgrade.
    return this.exec('BEGIN IMMEDIATE', []);
  }

  commit(): Promise<void> {
    return this.exec('COMMIT', []);
  }

  rollback(): Promise<void> {
    return this.exec('ROLLBACK', []);
  }

  // Synchronous underneath: no promise is made per statement but the shared resolved one.
  exec(sql: string, params: readonly unknown[]): Promise<void> {
    try {
      this.statement(sql).run(bind(params));
      return DONE;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  query<T>(sql: string, params: readonly unknown[]): Promise<T[]> {
    try {
      return Promise.resolve(this.statement(sql).all(bind(params)) as T[]);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  queryByKeys<T extends Record<string, unknown>>(sql: string, _keyColumn: string, keys: readonly string[]): Promise<Map<string, T[]>> {
    try {
      const stmt = this.statement(sql);
      const out = new Map<string, T[]>();
      for (const key of keys) out.set(key, stmt.all([key]) as T[]);
      return Promise.resolve(out);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  updateRows(
    table: string,
    key: Column,
    columns: readonly Column[],
    rows: ReadonlyArray<readonly unknown[]>,
    mode: 'set' | 'add',
  ): Promise<void> {
    try {
      const stmt = this.statement(updateOneSql(table, key, columns, mode));
      for (const row of rows) stmt.run(bind([...row.slice(1), row[0]]));
      return DONE;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  insertRows(table: string, columns: readonly string[], rows: ReadonlyArray<readonly unknown[]>, then?: string): Promise<void> {
    try {
      if (then !== undefined) throw new Error('insertRows: a statement on the inserted rows is PostgreSQL only');
      // One prepared one-row statement, run per row: as fast as multi-row text in SQLite, one plan.
      const stmt = this.statement(insertOneSql(table, columns));
      for (const row of rows) stmt.run(bind(row));
      return DONE;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  insertEvents(rows: readonly EventRow[]): Promise<number[]> {
    try {
      const stmt = this.statement(INSERT_EVENT);
      return Promise.resolve(rows.map((row) => Number(stmt.run(row).lastInsertRowid)));
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
