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
  /**
   * True when statements from independent chains may be in flight together (a pipelined
   * PostgreSQL connection): the appender then projects different calls concurrently.
   */
  readonly concurrent: boolean;
  begin(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  exec(sql: string, params: readonly unknown[]): Promise<void>;
  query<T>(sql: string, params: readonly unknown[]): Promise<T[]>;
  /** Appends rows to the log and returns their global positions, in order. */
  insertEvents(rows: readonly EventRow[]): Promise<number[]>;
}
