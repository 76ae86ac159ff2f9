import type { Column } from '../projections/projection.js';
import type { Dialect } from './dialect.js';

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
  updateRows(table: string, key: Column, columns: readonly Column[], rows: ReadonlyArray<readonly unknown[]>, mode: 'set' | 'add'): Promise<void>;
  /** Inserts rows into a projection table (fixed table and column names); see {@link ProjectionContext.insert}. */
  insertRows(table: string, columns: readonly string[], rows: ReadonlyArray<readonly unknown[]>): Promise<void>;
  /** Appends rows to the log and returns their global positions, in order. */
  insertEvents(rows: readonly EventRow[]): Promise<number[]>;
  /** PostgreSQL only; see {@link VersionedWrites.insert}. */
  insertVersioned?(table: string, columns: readonly string[], key: string, rows: ReadonlyArray<readonly unknown[]>): Promise<Map<string, string>>;
  /** PostgreSQL only; see {@link VersionedWrites.update}. */
  updateVersioned?(table: string, key: Column, columns: readonly Column[], rows: ReadonlyArray<readonly unknown[]>): Promise<Map<string, string>>;
}

/**
 * Rows in chunks of 64, 32, …, 1 (the binary decomposition of the count), each as its size and
 * its values in one list: a table has at most seven multi-row statement texts, each named and
 * planned once per connection.
 */
export function* multiRowChunks(rows: ReadonlyArray<readonly unknown[]>, most = 64): Generator<[size: number, values: unknown[]]> {
  let i = 0;
  while (i < rows.length) {
    let size = most;
    while (size > rows.length - i) size >>= 1;
    const values: unknown[] = [];
    for (let r = i; r < i + size; r++) for (const v of rows[r]!) values.push(v);
    i += size;
    yield [size, values];
  }
}

/** `INSERT INTO table (columns) VALUES (?, …), …` for `count` rows: table and columns are fixed names, values always bound. */
export function insertSql(table: string, columns: readonly string[], count: number): string {
  let texts = insertTexts.get(columns);
  if (texts === undefined) insertTexts.set(columns, (texts = new Map()));
  const key = `${count} ${table}`;
  let text = texts.get(key);
  if (text === undefined) texts.set(key, (text = buildInsertSql(table, columns, count)));
  return text;
}

/** Statement texts by column list (the projections' constant arrays), then row count and table. */
const insertTexts = new WeakMap<readonly string[], Map<string, string>>();

function buildInsertSql(table: string, columns: readonly string[], count: number): string {
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${new Array<string>(count).fill(tuple).join(', ')}`;
}

/** Rows grouped by the string value of `keyColumn`, in the order given. */
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

/**
 * PostgreSQL, guarded by the row version: `UPDATE table AS t SET c = v.c, … FROM (VALUES
 * (?::keytype, ?::xid, ?::type, …), …) AS v(key, row_version, c, …) WHERE t.key = v.key AND
 * t.xmin = v.row_version RETURNING t.key, t.xmin::text AS row_version`. A row whose `xmin`
 * changed (another transaction wrote it since it was read) is left alone and not returned.
 */
export function updateVersionedSql(table: string, key: Column, columns: readonly Column[], count: number): string {
  return memoized(`uv ${table} ${key.name} ${columns.map((c) => c.name).join(',')} ${count}`, () => {
    const tuple = `(?::${key.pgType}, ?::xid, ${columns.map((c) => `?::${c.pgType}`).join(', ')})`;
    const sets = columns.map((c) => `${c.name} = v.${c.name}`);
    return `UPDATE ${table} AS t SET ${sets.join(', ')} FROM (VALUES ${new Array<string>(count).fill(tuple).join(', ')}) AS v(${[
      key.name,
      'row_version',
      ...columns.map((c) => c.name),
    ].join(', ')}) WHERE t.${key.name} = v.${key.name} AND t.xmin = v.row_version RETURNING t.${key.name} AS row_key, t.xmin::text AS row_version`;
  });
}

/** PostgreSQL: `UPDATE table AS t SET c = v.c | c = t.c + v.c, … FROM (VALUES (?::type, …), …) AS v(key, c, …) WHERE t.key = v.key`. */
export function updateManySql(table: string, key: Column, columns: readonly Column[], mode: 'set' | 'add', count: number): string {
  return memoized(`un ${mode} ${table} ${key.name} ${columns.map((c) => c.name).join(',')} ${count}`, () => {
    const all = [key, ...columns];
    const tuple = `(${all.map((c) => `?::${c.pgType}`).join(', ')})`;
    const sets = columns.map((c) => (mode === 'add' ? `${c.name} = t.${c.name} + v.${c.name}` : `${c.name} = v.${c.name}`));
    return `UPDATE ${table} AS t SET ${sets.join(', ')} FROM (VALUES ${new Array<string>(count).fill(tuple).join(', ')}) AS v(${all
      .map((c) => c.name)
      .join(', ')}) WHERE t.${key.name} = v.${key.name}`;
  });
}
