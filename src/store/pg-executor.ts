import { toDialect } from './dialect.js';
import type { EventRow, WriteExecutor } from './executor.js';
import type { Column } from '../projections/projection.js';
import { EVENT_COLUMNS, groupByKey, insertSql, memoized, multiRowChunks, updateManySql, updateVersionedSql } from './executor.js';

/** The parts of a node-postgres client the executor uses. */
export interface PgClientLike {
  /** True for a client created with `pipeline: true` (node-postgres 8.17+). */
  readonly pipeline?: boolean;
  query(config: { text: string; values?: unknown[]; name?: string }): Promise<{ rows: unknown[] }>;
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

/** Multi-row INSERT INTO events … RETURNING, at most this many rows per statement (8 parameters a row). */
const EVENT_ROWS_PER_STATEMENT = 1000;

function insertEventsSql(count: number): string {
  const width = EVENT_COLUMNS.length;
  const tuples: string[] = [];
  for (let r = 0; r < count; r++) {
    const marks: string[] = [];
    for (let c = 1; c <= width; c++) marks.push(`$${r * width + c}`);
    tuples.push(`(${marks.join(', ')})`);
  }
  return `INSERT INTO events (${EVENT_COLUMNS.join(', ')}) VALUES ${tuples.join(', ')} RETURNING position, event_id`;
}

/**
 * PostgreSQL: named (prepared once per connection) statements; the log rows of a batch in one
 * multi-row INSERT; and, on a pipelined client, statements whose result is not needed sent
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

  constructor(private readonly client: PgClientLike) {
    this.pipelined = client.pipeline === true;
  }

  private send(sql: string, params: readonly unknown[]): Promise<{ rows: unknown[] }> {
    const text = toDialect(sql, 'postgres');
    const name = nameOf(text);
    return this.client.query(
      name === undefined ? { text, values: normalize(params) } : { name, text, values: normalize(params) },
    );
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
  }

  async commit(): Promise<void> {
    // COMMIT of a transaction a statement broke answers ROLLBACK, not an error: settle() throws the cause.
    await this.barrier(this.client.query({ text: 'COMMIT' }));
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

  async updateRows(table: string, key: Column, columns: readonly Column[], rows: ReadonlyArray<readonly unknown[]>, mode: 'set' | 'add'): Promise<void> {
    for (const [size, values] of multiRowChunks(rows)) await this.exec(updateManySql(table, key, columns, mode, size), values);
  }

  async insertRows(table: string, columns: readonly string[], rows: ReadonlyArray<readonly unknown[]>): Promise<void> {
    for (const [size, values] of multiRowChunks(rows)) await this.exec(insertSql(table, columns, size), values);
  }

  async insertVersioned(table: string, columns: readonly string[], key: string, rows: ReadonlyArray<readonly unknown[]>): Promise<Map<string, string>> {
    const versions = new Map<string, string>();
    for (const [size, values] of multiRowChunks(rows)) {
      const text = memoized(`iv ${key} ${insertSql(table, columns, size)}`, () => `${insertSql(table, columns, size)} RETURNING ${key} AS row_key, xmin::text AS row_version`);
      for (const r of await this.query<{ row_key: string; row_version: string }>(text, values)) versions.set(r.row_key, r.row_version);
    }
    return versions;
  }

  async updateVersioned(table: string, key: Column, columns: readonly Column[], rows: ReadonlyArray<readonly unknown[]>): Promise<Map<string, string>> {
    const versions = new Map<string, string>();
    for (const [size, values] of multiRowChunks(rows))
      for (const r of await this.query<{ row_key: string; row_version: string }>(updateVersionedSql(table, key, columns, size), values))
        versions.set(r.row_key, r.row_version);
    return versions;
  }

  async insertEvents(rows: readonly EventRow[]): Promise<number[]> {
    const positions = new Map<string, number>();
    for (let i = 0; i < rows.length; i += EVENT_ROWS_PER_STATEMENT) {
      const chunk = rows.slice(i, i + EVENT_ROWS_PER_STATEMENT);
      const values: unknown[] = [];
      for (const row of chunk) for (const v of row) values.push(v === undefined ? null : v);
      const reply = this.client.query({ text: insertEventsSql(chunk.length), values });
      const result = await this.barrier(reply);
      for (const r of result.rows as Array<{ position: string | number; event_id: string }>)
        positions.set(r.event_id, Number(r.position));
    }
    return rows.map((row) => positions.get(row[0])!);
  }
}
