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
  /** See {@link ProjectionContext.queryEach}. */
  queryEach<T>(sql: string, paramLists: ReadonlyArray<readonly unknown[]>): Promise<T[][]>;
  /** Inserts rows into a projection table (fixed table and column names); see {@link ProjectionContext.insert}. */
  insertRows(table: string, columns: readonly string[], rows: ReadonlyArray<readonly unknown[]>): Promise<void>;
  /** Appends rows to the log and returns their global positions, in order. */
  insertEvents(rows: readonly EventRow[]): Promise<number[]>;
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
