import type { EventType, RecordedEvent } from '../events/types.js';
import type { Dialect } from '../config/dialect.js';

/** What a projection may do inside the append transaction: run fixed, parameterised SQL. */
export interface ProjectionContext {
  readonly dialect: Dialect;
  /**
   * What projections may keep between this writer's batches. SQLite: offered when no other
   * connection committed since the last batch (checked each batch). PostgreSQL, where other
   * processes write the same tables at any time: offered with {@link versioned}, and a kept row
   * is written back only if its version is unchanged. Absent in rebuilds: then read what you need.
   */
  readonly memory?: ProjectionMemory;
  /**
   * PostgreSQL: writes guarded by each row's version, for rows kept in `memory` (another process
   * may write the same tables; a row it changed since is not overwritten, and the projection
   * throws {@link StaleProjectionMemory}: the writer forgets its memory and runs the batch again).
   */
  readonly versioned?: VersionedWrites;
  /** Runs a statement written with `?` placeholders. */
  exec(sql: string, params: readonly unknown[]): Promise<void>;
  /** Runs a query written with `?` placeholders and returns its rows. */
  query<T = Record<string, unknown>>(sql: string, params: readonly unknown[]): Promise<T[]>;
  /**
   * Runs a query for many keys at once: `sql` has one parameter, the key, written
   * `<keyColumn> = ?`, and selects `keyColumn`. SQLite runs it once per key (a prepared
   * statement); PostgreSQL once in all, as `<keyColumn> = ANY(?)`. Rows come back by key, each
   * key's rows in the order the query gives them.
   */
  queryByKeys<T extends Record<string, unknown>>(sql: string, keyColumn: string, keys: readonly string[]): Promise<Map<string, T[]>>;
  /**
   * Inserts rows into `table` (a fixed name, never input): a prepared one-row statement per row
   * on SQLite; on PostgreSQL one `INSERT … SELECT * FROM unnest(column arrays)` (typed from the
   * catalog). Values are always bound.
   *
   * `then` (PostgreSQL only): a statement run on the inserted rows as part of the same statement,
   * reading them as `inserted` (`WITH inserted AS (INSERT … RETURNING *) <then>`): one statement
   * per batch, and the rows are not looked up again.
   */
  insert(table: string, columns: readonly string[], rows: ReadonlyArray<readonly unknown[]>, then?: string): Promise<void>;
  /**
   * Updates many rows of `table` by key: each row is `[key, ...values]`, the values set
   * (`'set'`) or added (`'add'`) to `columns`. SQLite runs a prepared one-row UPDATE per row;
   * PostgreSQL one `UPDATE … FROM unnest(column arrays)` (typed by `pgType`).
   */
  update(
    table: string,
    key: Column,
    columns: readonly Column[],
    rows: ReadonlyArray<readonly unknown[]>,
    mode: 'set' | 'add',
  ): Promise<void>;
}

/** Row-version guarded writes (PostgreSQL: the version is the row's `xmin`, as text). */
export interface VersionedWrites {
  /** Inserts rows (as {@link ProjectionContext.insert}); returns each new row's version by `key`. */
  insert(table: string, columns: readonly string[], key: string, rows: ReadonlyArray<readonly unknown[]>): Promise<Map<string, string>>;
  /**
   * Sets `columns` of rows `[key, version, ...values]` whose stored version is still `version`;
   * returns the new version of each row it updated. A row missing from the result was changed
   * or removed by another transaction since its version was read, and was left alone.
   */
  update(table: string, key: Column, columns: readonly Column[], rows: ReadonlyArray<readonly unknown[]>): Promise<Map<string, string>>;
}

/**
 * Thrown by a projection whose remembered rows were changed by another connection: the batch's
 * transaction is rolled back, the writer forgets its memory and runs the batch again, reading.
 */
export class StaleProjectionMemory extends Error {
  readonly code = 'CONVLOG_STALE_MEMORY';
  constructor(table: string, rows: number) {
    super(`${rows} ${table} row(s) kept in memory were changed by another connection; the batch is run again from the database.`);
  }
}

/** See {@link ProjectionContext.memory}: what is set is seen by later batches only once the batch commits. */
export interface ProjectionMemory {
  get<T>(key: string): T | undefined;
  set(key: string, value: unknown): void;
  delete(key: string): void;
}

/** A column of a multi-row UPDATE: its name (a fixed identifier) and its PostgreSQL type. */
export interface Column {
  readonly name: string;
  readonly pgType: string;
}

/**
 * A projection is plain data (as in emmett): the event types it handles and how it applies a
 * batch of them to its table. Inline projections run inside the append transaction, one after
 * another in the order of `PROJECTIONS` (parents before children), each given the batch's events
 * it handles, in log order. A projection reads only the events and its own rows (never the
 * clock), and the rows it leaves do not depend on where batches begin and end, so a rebuild
 * (other batch boundaries) reproduces every row written live.
 */
export interface Projection {
  readonly name: string;
  /** The table this projection owns; emptied by a rebuild. */
  readonly table: string;
  readonly canHandle: readonly EventType[];
  handle(events: readonly RecordedEvent[], ctx: ProjectionContext): Promise<void>;
}

/**
 * The call of an event of a call's stream: the append gives every event one but a system-level
 * `system_event_logged` (rows of a call's table are never written from those).
 */
export function callOf(event: RecordedEvent): string {
  if (event.callId === null) throw new Error(`${event.type} at log position ${event.position} has no call`);
  return event.callId;
}

/** JSON text of an optional object, or null. */
export const jsonOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(value));

/**
 * PostgreSQL text cannot hold NUL; secondary text columns get U+FFFD there (the log keeps the
 * exact value). Message content is stored losslessly instead (see the messages projection).
 */
export function pgSafe(ctx: ProjectionContext, value: string): string;
export function pgSafe(ctx: ProjectionContext, value: string | null): string | null;
export function pgSafe(ctx: ProjectionContext, value: string | null): string | null {
  return value !== null && ctx.dialect === 'postgres' && value.includes('\0') ? value.replaceAll('\0', '\uFFFD') : value;
}
