import type { Column } from '../projections/projection.js';
import type { Dialect } from '../config/dialect.js';

/** The columns of one log row, in the order of {@link EVENT_COLUMNS}. */
export type EventRow = readonly [
  eventId: string,
  callId: string | null,
  streamPosition: number | null,
  type: string,
  schemaVersion: number,
  occurredAt: number,
  recordedAt: number,
  data: string,
];

export const EVENT_COLUMNS = [
  'event_id',
  'call_id',
  'stream_position',
  'type',
  'schema_version',
  'occurred_at',
  'recorded_at',
  'data',
] as const;

/**
 * Fixed, parameterised SQL on the connection a TypeORM DataSource owns — the write path.
 *
 * @remarks
 * TypeORM stays the owner of the connection, the entities, the migrations and the reads; the
 * write path runs its fixed statements on the driver connection the query runner hands out
 * (SQL written with `?`, parameters always bound, statements prepared once and reused).
 * `exec` is for statements whose result nobody needs right away: on a pipelined PostgreSQL
 * connection it is sent without waiting for the reply, and a failure surfaces at the next
 * `query`, `insertEvents` or `commit` (the transaction is lost either way).
 */
export interface WriteExecutor {
  readonly dialect: Dialect;
  begin(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  exec(sql: string, params: readonly unknown[]): Promise<void>;
  query<T>(sql: string, params: readonly unknown[]): Promise<T[]>;
  /** See {@link ProjectionContext.queryByKeys}. */
  queryByKeys<T extends Record<string, unknown>>(sql: string, keyColumn: string, keys: readonly string[]): Promise<Map<string, T[]>>;
  /** See {@link ProjectionContext.update}. */
  updateRows(
    table: string,
    key: Column,
    columns: readonly Column[],
    rows: ReadonlyArray<readonly unknown[]>,
    mode: 'set' | 'add',
  ): Promise<void>;
  /** Inserts rows into a projection table (fixed table and column names); see {@link ProjectionContext.insert}. */
  insertRows(table: string, columns: readonly string[], rows: ReadonlyArray<readonly unknown[]>, then?: string): Promise<void>;
  /** Appends rows to the log and returns their global positions, in order. */
  insertEvents(rows: readonly EventRow[]): Promise<number[]>;
  /** PostgreSQL only; see {@link VersionedWrites.insert}. */
  insertVersioned?(
    table: string,
    columns: readonly string[],
    key: string,
    rows: ReadonlyArray<readonly unknown[]>,
  ): Promise<Map<string, string>>;
  /** PostgreSQL only; see {@link VersionedWrites.update}. */
  updateVersioned?(
    table: string,
    key: Column,
    columns: readonly Column[],
    rows: ReadonlyArray<readonly unknown[]>,
  ): Promise<Map<string, string>>;
}

/** SQLite: `INSERT INTO table (columns) VALUES (?, …)`, one row: table and columns are fixed names, values always bound. */
export function insertOneSql(table: string, columns: readonly string[]): string {
  return memoized(
    `i ${table} ${columns.join(',')}`,
    () => `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
  );
}

/** Rows grouped by the string value of `keyColumn`, in the order given. */
/**
 * PostgreSQL: the last stream position of the call named by the SQL expression `callId`, by a
 * backward probe of the stream index (the log's partitions each probed once). An aggregate or an
 * `EXISTS` over the log for many calls at once is planned from the log's statistics, which take a
 * call's hundred-odd events for thousands of rows: on a log of millions those plans became
 * parallel scans or JIT compilation, tens to hundreds of ms a batch for a scan of a few rows.
 */
export const lastStreamPositionSql = (callId: string): string =>
  `(SELECT e.stream_position FROM events AS e WHERE e.call_id = ${callId} ORDER BY e.stream_position DESC LIMIT 1)`;

export function groupByKey<T extends Record<string, unknown>>(rows: readonly T[], keyColumn: string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const row of rows) {
    const key = String(row[keyColumn]);
    const group = out.get(key);
    if (group) group.push(row);
    else out.set(key, [row]);
  }
  return out;
}

const memo = new Map<string, string>();
/** A statement text built once per shape (the builders below are called per batch). */
export function memoized(key: string, build: () => string): string {
  let text = memo.get(key);
  if (text === undefined) memo.set(key, (text = build()));
  return text;
}

/** SQLite: `UPDATE table SET c = ? | c = c + ?, … WHERE key = ?` (values first, then the key). */
export function updateOneSql(table: string, key: Column, columns: readonly Column[], mode: 'set' | 'add'): string {
  return memoized(`u1 ${mode} ${table} ${key.name} ${columns.map((c) => c.name).join(',')}`, () => {
    const sets = columns.map((c) => (mode === 'add' ? `${c.name} = ${c.name} + ?` : `${c.name} = ?`));
    return `UPDATE ${table} SET ${sets.join(', ')} WHERE ${key.name} = ?`;
  });
}
