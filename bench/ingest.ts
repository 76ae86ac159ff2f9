import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { NewEvent } from '../src/events/types.js';
import { ConversationLogger } from '../src/logger/conversation-logger.js';
import { mappedCalls } from './calls.js';
import { fullGc } from './gc.js';
import { rawPgInsert, rawSqliteInsert } from './raw.js';
import { rowBatches, rowCount, TABLES, type Row, type Table } from './rows.js';

import { quiet } from './quiet.js';
import { freshSchema } from './pg-schema.js';
const BATCH = 500;
const CHUNK = 500;

export interface IngestResult {
  /** Best events/s of the store: enqueue → committed, log and every projection. */
  ours: number;
  /** Best events/s of the raw driver inserting the same rows into the same schema. */
  raw: number;
  /** Each round's store / raw, the two measured back to back (robust to the machine's drift). */
  pairs: number[];
  events: number;
  rows: number;
  rounds: number;
}

const removeDb = (file: string) => {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
};

/** Enqueues events a batch's worth per turn of the event loop, as a stream (the writer commits while the rest is handed over). */
async function stream(logger: ConversationLogger, events: readonly NewEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += CHUNK) {
    for (const e of events.slice(i, i + CHUNK)) if (!logger.enqueue(e)) throw new Error('the store dropped an event: queue too small');
    await new Promise((r) => setImmediate(r));
  }
}

/**
 * Warms the store as a running agent's is: its writer thread started, connected, and its code
 * optimised by a stream of other calls' events (a fresh thread spends its first second compiling
 * on the machine's other threads). Returns the log position the warm-up ended at.
 */
async function warmStore(logger: ConversationLogger, warm: readonly NewEvent[]): Promise<number> {
  await logger.logEvent({ eventType: 'bench_warmup', message: 'warm-up' });
  await stream(logger, warm);
  await logger.flush();
  const ds = await logger.dataSource();
  const [row] = (await ds.query('SELECT MAX(position) AS p FROM events')) as Array<{ p: number | string }>;
  return Number(row?.p ?? 0);
}

/** Events of calls other than the timed ones, about half as many, for the warm-up of both sides. */
const warmUpEvents = (calls: number) => mappedCalls(Math.max(1, Math.ceil(calls / 2)), Date.now() - 7_200_000, 400, 'warm-up');

/** Enqueues every event, waits until all are committed; returns the time (ms). */
async function timeStore(logger: ConversationLogger, events: readonly NewEvent[]): Promise<number> {
  const before = logger.getWriterStats().appended;
  fullGc();
  const t0 = performance.now();
  await stream(logger, events);
  await logger.flush();
  const ms = performance.now() - t0;
  const stats = logger.getWriterStats();
  if (stats.appended - before !== events.length || stats.rejected !== 0)
    throw new Error(`the store did not append every event (${stats.appended - before}/${events.length}, ${stats.rejected} rejected)`);
  return ms;
}

/** Ingest on SQLite files in `dir`: the store versus raw better-sqlite3, `rounds` times each, alternating. */
export async function ingestSqlite(dir: string, calls: number, rounds: number): Promise<IngestResult> {
  // Calls of 20 s starting every 400 ms: about 50 in progress at once, their events interleaved.
  const events = mappedCalls(calls, Date.now() - 3_600_000, 400, 'ingest');
  const warm = warmUpEvents(calls);
  let ours = 0;
  let raw = 0;
  let rows = 0;
  const pairs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const file = path.join(dir, `ingest-store-${r}.db`);
    const rawFile = path.join(dir, `ingest-raw-${r}.db`);
    removeDb(file);
    removeDb(rawFile);
    const logger = await ConversationLogger.open({ databaseUrl: `sqlite:${file}`, log: quiet, maxQueueSize: events.length + 1_000 });
    const warmEnd = await warmStore(logger, warm);
    const ms = await timeStore(logger, events);
    await logger.close();
    const oursRate = events.length / (ms / 1000);
    ours = Math.max(ours, oursRate);

    // The same rows, split where the warm-up ended: raw inserts the warm-up's untimed first.
    const source = new Database(file, { readonly: true });
    const read = (timed: boolean) => async (t: Table) =>
      t === 'messages_search'
        ? (source
            .prepare('SELECT rowid AS event_position, content, call_id, caller_number FROM messages_fts ORDER BY rowid')
            .all() as Row[])
        : (source
            .prepare(`SELECT * FROM ${t} ${t === 'events' ? `WHERE position ${timed ? '>' : '<='} ? ` : ''}ORDER BY rowid`)
            .all(...(t === 'events' ? [warmEnd] : [])) as Row[]);
    const warmBatches = await rowBatches(read(false), BATCH);
    const batches = await rowBatches(read(true), BATCH);
    source.close();
    rows = rowCount(batches);
    // The same schema: migrated by the package, then written with nothing but the driver.
    await (await ConversationLogger.open({ databaseUrl: `sqlite:${rawFile}`, log: quiet, writerThread: 'inline' })).close();
    const db = new Database(rawFile);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    rawSqliteInsert(db, warmBatches);
    fullGc();
    const rawMs = rawSqliteInsert(db, batches);
    db.close();
    const rawRate = batches.reduce((n, b) => n + b.events.length, 0) / (rawMs / 1000);
    raw = Math.max(raw, rawRate);
    pairs.push(oursRate / rawRate);
    removeDb(file);
    removeDb(rawFile);
  }
  return { ours, raw, pairs, events: events.length, rows, rounds };
}

const orderOf = (table: Table) => (table === 'events' ? 'position' : '1');

/** Ingest on PostgreSQL: the store versus raw `pg` multi-row inserts of the same rows, `rounds` times each. */
export async function ingestPostgres(baseUrl: string, calls: number, rounds: number): Promise<IngestResult> {
  // Calls of 20 s starting every 400 ms: about 50 in progress at once, their events interleaved.
  const events = mappedCalls(calls, Date.now() - 3_600_000, 400, 'ingest');
  const warm = warmUpEvents(calls);
  let ours = 0;
  let raw = 0;
  let rows = 0;
  const pairs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const store = await freshSchema(baseUrl, `convlog_bench_store_${process.pid}_${r}`);
    const target = await freshSchema(baseUrl, `convlog_bench_raw_${process.pid}_${r}`);
    try {
      const logger = await ConversationLogger.open({
        databaseUrl: store.url,
        log: quiet,
        maxQueueSize: events.length + 1_000,
        poolSize: 2,
        poolOverflow: 0,
      });
      const warmEnd = await warmStore(logger, warm);
      const ms = await timeStore(logger, events);
      await logger.close();
      const oursRate = events.length / (ms / 1000);
      ours = Math.max(ours, oursRate);

      const source = new pg.Client({ connectionString: store.url });
      await source.connect();
      const read = (timed: boolean) => async (t: Table) =>
        t === 'events'
          ? ((await source.query(`SELECT * FROM events WHERE position ${timed ? '>' : '<='} $1 ORDER BY position`, [warmEnd]))
              .rows as Row[])
          : ((await source.query(`SELECT * FROM ${t} ORDER BY ${orderOf(t)}`)).rows as Row[]);
      const warmBatches = await rowBatches(read(false), BATCH);
      const batches = await rowBatches(read(true), BATCH);
      await source.end();
      rows = rowCount(batches);
      await (
        await ConversationLogger.open({ databaseUrl: target.url, log: quiet, writerThread: 'inline', poolSize: 1, poolOverflow: 0 })
      ).close();
      const client = new pg.Client({ connectionString: target.url });
      await client.connect();
      await rawPgInsert(client, warmBatches);
      fullGc();
      const rawMs = await rawPgInsert(client, batches);
      await client.end();
      const rawRate = batches.reduce((n, b) => n + b.events.length, 0) / (rawMs / 1000);
      raw = Math.max(raw, rawRate);
      pairs.push(oursRate / rawRate);
    } finally {
      await store.drop();
      await target.drop();
    }
  }
  return { ours, raw, pairs, events: events.length, rows, rounds };
}

export { TABLES };
