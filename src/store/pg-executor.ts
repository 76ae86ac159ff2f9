import { toDialect } from '../config/dialect.js';
import type { EventRow, WriteExecutor } from './executor.js';
import type { Column } from '../projections/projection.js';
import { EVENT_COLUMNS, groupByKey, lastStreamPositionSql, memoized } from './executor.js';
import { packColumns, packedColumn } from './pg-columns.js';

/** The parts of a node-postgres client the executor uses. */
export interface PgClientLike {
  /** True for a client created with `pipeline: true` (node-postgres 8.17+). */
  readonly pipeline?: boolean;
  query(config: { text: string; values?: unknown[]; name?: string }): Promise<{ rows: unknown[] }>;
  /** node-postgres's connection: its socket is corked while a batch's statements are written (see {@link PostgresExecutor}). */
  readonly connection?: { readonly stream?: { cork?(): void; uncork?(): void } };
}

/**
 * Statement names (`convlog_<n>`) by SQL text, for the whole process: a name always means the
 * same text, so a connection parses and plans each statement once. Texts past the bound run
 * unnamed.
 */
const names = new Map<string, string>();
const MAX_NAMES = 1000;

function nameOf(text: string): string | undefined {
  let name = names.get(text);
  if (name === undefined && names.size < MAX_NAMES) {
    name = `convlog_${names.size + 1}`;
    names.set(text, name);
  }
  return name;
}

const normalize = (params: readonly unknown[]): unknown[] => params.map((p) => (p === undefined ? null : p));

/** Column types per table, per connection (a connection may sit in another schema). */
const columnTypes = new WeakMap<PgClientLike, Map<string, Map<string, string>>>();

type VersionRow = { row_key: string; row_version: string };
const versionsOf = (rows: readonly VersionRow[]) => new Map(rows.map((r) => [r.row_key, r.row_version]));

/**
 * Batch statements take their rows as one array per column, unnested on the server: one statement
 * text per table and column list whatever the number of rows, prepared once per connection,
 * instead of a `VALUES` list the server parses and plans for every batch. The arrays go packed
 * (see `pg-columns.ts`): `$1` and `$2` are the delimiter and NULL marker, `$3`… the columns.
 */

/** `INSERT INTO table (columns) SELECT * FROM unnest(column arrays)`, with `RETURNING key, xmin` when `key` is given. */
function insertUnnestSql(table: string, columns: readonly string[], types: readonly string[], key: string | null): string {
  return memoized(`in ${table} ${columns.join(',')} ${key}`, () => {
    const returning = key === null ? '' : ` RETURNING ${key} AS row_key, xmin::text AS row_version`;
    return `INSERT INTO ${table} (${columns.join(', ')}) SELECT * FROM unnest(${types.map((t, i) => packedColumn(i, t)).join(', ')})${returning}`;
  });
}

/**
 * `UPDATE table AS t SET c = v.c | c = t.c + v.c, … FROM unnest(column arrays) AS v(key, c, …)
 * WHERE t.key = v.key`. Versioned: the second array is each row's expected `xmin`; a row whose
 * `xmin` changed (another transaction wrote it since) is left alone, and every row updated is
 * returned with its new `xmin`.
 */
function updateSql(table: string, key: Column, columns: readonly Column[], mode: 'set' | 'add', versioned: boolean): string {
  return memoized(`un ${mode} ${versioned} ${table} ${key.name} ${columns.map((c) => c.name).join(',')}`, () => {
    const arrays = [key, ...(versioned ? [{ name: 'row_version', pgType: 'xid' }] : []), ...columns];
    const sets = columns.map((c) => (mode === 'add' ? `${c.name} = t.${c.name} + v.${c.name}` : `${c.name} = v.${c.name}`));
    const guard = versioned ? ` AND t.xmin = v.row_version RETURNING t.${key.name} AS row_key, t.xmin::text AS row_version` : '';
    return `UPDATE ${table} AS t SET ${sets.join(', ')} FROM unnest(${arrays.map((c, i) => packedColumn(i, c.pgType)).join(', ')}) AS v(${arrays
      .map((c) => c.name)
      .join(', ')}) WHERE t.${key.name} = v.${key.name}${guard}`;
  });
}

/** The log rows of a batch: each column as an array, unnested in the batch's order (positions follow it). */
const EVENT_TYPES = ['varchar', 'varchar', 'int', 'varchar', 'int', 'bigint', 'bigint', 'text'] as const;
const INSERT_EVENTS = `INSERT INTO events (${EVENT_COLUMNS.join(', ')})
  SELECT ${EVENT_COLUMNS.join(', ')} FROM unnest(${EVENT_TYPES.map((t, i) => packedColumn(i, t)).join(', ')}) WITH ORDINALITY
    AS u(${EVENT_COLUMNS.join(', ')}, n) ORDER BY n
  RETURNING position, event_id`;
const INSERT_EVENTS_NAME = 'convlog_insert_events';

/**
 * The log is partitioned by month (`occurred_at`), and a unique index of a partitioned table
 * holds its partition key: `ux_events_stream` is unique per (call, position, time), no longer
 * per (call, position). A batch therefore takes a transaction lock per call it appends to (in
 * one order, so two writers never wait on each other in a cycle), then, in its own snapshot
 * (taken after the locks), checks that no stored event of those calls is at or past the first
 * position the batch gives each: a writer whose idea of a stream is stale (another writer
 * appended to it since) fails as a unique violation of `ux_events_stream` would, and retries
 * from the stored stream. Both statements are pipelined ahead of the insert.
 */
const STREAM_LOCK_CLASS = 7311;
const LOCK_STREAMS = `SELECT pg_advisory_xact_lock(${STREAM_LOCK_CLASS}, k) FROM (SELECT DISTINCT hashtext(c) AS k FROM unnest(?::varchar[]) AS c ORDER BY k) AS s`;
const STREAM_TAKEN = `SELECT u.c AS call_id FROM unnest(?::varchar[], ?::int[]) AS u(c, s)
  WHERE ${lastStreamPositionSql('u.c')} >= u.s LIMIT 1`;

/** Each call of a batch with the first stream position the batch gives it. */
function firstPositions(rows: readonly EventRow[]): { calls: string[]; positions: number[] } {
  const first = new Map<string, number>();
  for (const [, callId, streamPosition] of rows) {
    if (callId === null || streamPosition === null) continue;
    const seen = first.get(callId);
    if (seen === undefined || streamPosition < seen) first.set(callId, streamPosition);
  }
  return { calls: [...first.keys()], positions: [...first.values()] };
}

/** What PostgreSQL raises when a unique stream index refuses a position (see `failures.ts`: another writer moved the stream on). */
function streamTaken(callId: string): Error {
  return Object.assign(
    new Error(
      `duplicate key value violates unique constraint "ux_events_stream": call ${callId} has events at or past this batch's position`,
    ),
    { code: '23505', constraint: 'ux_events_stream' },
  );
}

/**
 * PostgreSQL: named (prepared once per connection) statements; the log rows of a batch in one
 * INSERT … SELECT FROM unnest(column arrays); and, on a pipelined client, statements whose result is not needed sent
 * without waiting for their replies, so a batch costs a few round trips instead of one per
 * statement. Replies arrive in order, so a `query` sees everything sent before it.
 */
export class PostgresExecutor implements WriteExecutor {
  readonly dialect = 'postgres' as const;
  private readonly pipelined: boolean;
  /** Replies still outstanding for pipelined statements (each already has its failure handled). */
  private outstanding: Array<Promise<unknown>> = [];
  /** The first failure of a pipelined statement: the cause of whatever fails after it. */
  private failure: { error: unknown } | null = null;

  private readonly named: boolean;
  /** The socket of a pipelined client, corked from a batch's first statement until its code waits for a reply. */
  private readonly socket: { cork(): void; uncork(): void } | null;
  private corked = false;
  private readonly uncork = () => {
    this.corked = false;
    this.socket!.uncork();
  };

  /**
   * @param options.named prepare statements by name, once per connection (default); false
   *   behind PgBouncer in transaction mode, where a name prepared on one server connection is
   *   unknown on the next.
   */
  constructor(
    private readonly client: PgClientLike,
    options: { named?: boolean } = {},
  ) {
    this.pipelined = client.pipeline === true;
    this.named = options.named !== false;
    const stream = client.connection?.stream;
    this.socket = this.pipelined && typeof stream?.cork === 'function' && typeof stream.uncork === 'function' ? (stream as never) : null;
  }

  /**
   * node-postgres writes each statement to the socket on its own: a batch of a dozen pipelined
   * statements would be a dozen writes, each waking the server. The socket stays corked while
   * the batch's code runs on (its awaits of statements sent without waiting resolve at once),
   * and is uncorked on the next tick, which comes once that code waits for a reply: everything
   * sent until then leaves in one write.
   */
  private corkedClient(): PgClientLike {
    if (this.socket !== null && !this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(this.uncork);
    }
    return this.client;
  }

  private send(sql: string, params: readonly unknown[]): Promise<{ rows: unknown[] }> {
    const text = toDialect(sql, 'postgres');
    const name = this.named ? nameOf(text) : undefined;
    return this.corkedClient().query(name === undefined ? { text, values: normalize(params) } : { name, text, values: normalize(params) });
  }

  /** Waits for every pipelined reply; throws the first failure among them. */
  private async settle(): Promise<void> {
    const pending = this.outstanding;
    this.outstanding = [];
    await Promise.all(pending);
    if (this.failure) throw this.failure.error;
  }

  /** Awaits a reply; if it failed because an earlier pipelined statement failed, throws that cause. */
  private async barrier<T>(reply: Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await reply;
    } catch (error) {
      await this.settle();
      throw error;
    }
    await this.settle();
    return result;
  }

  async begin(): Promise<void> {
    this.failure = null;
    this.outstanding = [];
    await this.exec('BEGIN', []);
    // A batch's statements each touch a few rows by index; JIT compilation, which the planner
    // turns on from cost estimates that grow with the tables, would cost more than any of them.
    await this.exec('SET LOCAL jit = off', []);
  }

  async commit(): Promise<void> {
    // COMMIT of a transaction a statement broke answers ROLLBACK, not an error: settle() throws the cause.
    await this.barrier(this.corkedClient().query({ text: 'COMMIT' }));
  }

  async rollback(): Promise<void> {
    this.outstanding = [];
    this.failure = null;
    await this.client.query({ text: 'ROLLBACK' });
  }

  async exec(sql: string, params: readonly unknown[]): Promise<void> {
    const reply = this.send(sql, params);
    if (!this.pipelined) {
      await this.barrier(reply);
      return;
    }
    this.outstanding.push(
      reply.catch((error: unknown) => {
        this.failure ??= { error };
      }),
    );
  }

  async query<T>(sql: string, params: readonly unknown[]): Promise<T[]> {
    return (await this.barrier(this.send(sql, params))).rows as T[];
  }

  async queryByKeys<T extends Record<string, unknown>>(sql: string, keyColumn: string, keys: readonly string[]): Promise<Map<string, T[]>> {
    if (keys.length === 0) return new Map();
    const marker = `${keyColumn} = ?`;
    if (!sql.includes(marker)) throw new Error(`queryByKeys: the query must filter with "${marker}"`);
    const text = memoized(`any ${sql}`, () => sql.replace(marker, `${keyColumn} = ANY(?)`));
    return groupByKey(await this.query<T>(text, [[...keys]]), keyColumn);
  }

  async updateRows(
    table: string,
    key: Column,
    columns: readonly Column[],
    rows: ReadonlyArray<readonly unknown[]>,
    mode: 'set' | 'add',
  ): Promise<void> {
    if (rows.length === 0) return;
    await this.exec(updateSql(table, key, columns, mode, false), packColumns(rows));
  }

  async insertRows(table: string, columns: readonly string[], rows: ReadonlyArray<readonly unknown[]>, then?: string): Promise<void> {
    if (rows.length === 0) return;
    const insert = insertUnnestSql(table, columns, await this.typesOf(table, columns), null);
    const text = then === undefined ? insert : memoized(`then ${insert} ${then}`, () => `WITH inserted AS (${insert} RETURNING *) ${then}`);
    await this.exec(text, packColumns(rows));
  }

  async insertVersioned(
    table: string,
    columns: readonly string[],
    key: string,
    rows: ReadonlyArray<readonly unknown[]>,
  ): Promise<Map<string, string>> {
    if (rows.length === 0) return new Map();
    const text = insertUnnestSql(table, columns, await this.typesOf(table, columns), key);
    return versionsOf(await this.query<VersionRow>(text, packColumns(rows)));
  }

  async updateVersioned(
    table: string,
    key: Column,
    columns: readonly Column[],
    rows: ReadonlyArray<readonly unknown[]>,
  ): Promise<Map<string, string>> {
    if (rows.length === 0) return new Map();
    return versionsOf(await this.query<VersionRow>(updateSql(table, key, columns, 'set', true), packColumns(rows)));
  }

  /** The SQL types of `columns` of `table` (`format_type`), read from the catalog once per connection. */
  private async typesOf(table: string, columns: readonly string[]): Promise<string[]> {
    let tables = columnTypes.get(this.client);
    if (!tables) columnTypes.set(this.client, (tables = new Map<string, Map<string, string>>()));
    let types = tables.get(table);
    if (!types) {
      const rows = await this.query<{ name: string; type: string }>(
        'SELECT attname AS name, format_type(atttypid, NULL) AS type FROM pg_attribute WHERE attrelid = ?::regclass AND attnum > 0 AND NOT attisdropped',
        [table],
      );
      types = new Map(rows.map((r) => [r.name, r.type]));
      tables.set(table, types);
    }
    return columns.map((c) => {
      const t = types.get(c);
      if (t === undefined) throw new Error(`${table} has no column ${c}`);
      return t;
    });
  }

  async insertEvents(rows: readonly EventRow[]): Promise<number[]> {
    if (rows.length === 0) return [];
    const streams = firstPositions(rows);
    let taken: Array<{ call_id: string }> = [];
    if (streams.calls.length > 0) {
      await this.exec(LOCK_STREAMS, [streams.calls]);
      const check = this.send(STREAM_TAKEN, [streams.calls, streams.positions]);
      if (this.pipelined)
        this.outstanding.push(
          check.then(
            (r) => void (taken = r.rows as typeof taken),
            (error: unknown) => void (this.failure ??= { error }),
          ),
        );
      else taken = (await this.barrier(check)).rows as typeof taken;
    }
    // One statement whatever the batch size: the columns as arrays, unnested in order. It is
    // prepared once per connection (a VALUES list of 500 rows is parsed and planned anew each time).
    const result = await this.barrier(
      this.corkedClient().query({ ...(this.named ? { name: INSERT_EVENTS_NAME } : {}), text: INSERT_EVENTS, values: packColumns(rows) }),
    );
    if (taken.length > 0) throw streamTaken(taken[0]!.call_id);
    const positions = new Map<string, number>();
    for (const r of result.rows as Array<{ position: string | number; event_id: string }>) positions.set(r.event_id, Number(r.position));
    return rows.map((row) => positions.get(row[0])!);
  }
}
