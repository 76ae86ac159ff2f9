import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { ConversationLogger } from '../src/logger/conversation-logger.js';
import { startDashboardServer } from '../src/server/dashboard-server.js';
import { callEvents } from './calls.js';
import { freshSchema } from './pg-schema.js';
import { timeReads } from './queries.js';
import { quiet } from './quiet.js';
import { percentile } from './report.js';

const DAY = 86_400_000;
/** The store's calls spread over this many days before its anchor: a busy agent's quarter. */
const SPAN_DAYS = 90;
/** Bump when the generated store changes shape, so a stale copy is rebuilt. */
const STORE_VERSION = 1;
const SCHEMA = 'bench_reads';

interface Meta {
  version: number;
  calls: number;
  anchor: number;
  events: number;
}

export interface ReadsBench {
  backend: 'sqlite' | 'postgres';
  events: number;
  calls: number;
  reused: boolean;
  buildSeconds: number;
  historyP50Ms: number;
  historyP99Ms: number;
  historySamples: number;
  /** Median of 5 warm runs. */
  statisticsMs: number;
  statisticsCalls: number;
  overviewP95Ms: number;
  callsP95Ms: number;
  apiSamples: number;
}

/**
 * A store of `calls` calls of 6 turns (about 100 events each) over the 90 days before its
 * anchor, written through the default writer; kept (a file on SQLite, the `bench_reads` schema
 * on PostgreSQL) and reused while it matches. Then the reads a serving store answers:
 * `getConversationHistory` of random conversations, `getCallStatistics` of the last 24 h, and
 * the dashboard's `/api/overview` (24 h) and `/api/calls` (the first page) over HTTP.
 */
export async function measureReads(
  backend: 'sqlite' | 'postgres',
  where: { dir: string; pgUrl: string },
  calls: number,
  samples: number,
  log: (line: string) => void,
): Promise<ReadsBench> {
  const { url, meta, reused, buildSeconds } = await store(backend, where, calls, log);
  const reader = await ConversationLogger.open({ databaseUrl: url, log: quiet, writerThread: 'inline' });
  try {
    const ds = await reader.dataSource();
    const { history, statistics, statisticsCalls } = await timeReads(reader, meta.anchor, samples);
    const server = await startDashboardServer({ dataSource: ds, port: 0, metrics: false });
    const api = async (route: string): Promise<number[]> => {
      const times: number[] = [];
      for (let i = 0; i < API_SAMPLES + 2; i++) {
        const t0 = performance.now();
        const res = await fetch(new URL(route, server.url));
        await res.arrayBuffer();
        if (!res.ok) throw new Error(`${route} answered ${res.status}`);
        if (i >= 2) times.push(performance.now() - t0);
      }
      return times;
    };
    try {
      const overview = await api(`api/overview?from=${meta.anchor - DAY}&to=${meta.anchor}`);
      const list = await api('api/calls?limit=50');
      return {
        backend,
        events: meta.events,
        calls,
        reused,
        buildSeconds,
        historyP50Ms: percentile(history, 50),
        historyP99Ms: percentile(history, 99),
        historySamples: history.length,
        statisticsMs: percentile(statistics.slice(1), 50),
        statisticsCalls,
        overviewP95Ms: percentile(overview, 95),
        callsP95Ms: percentile(list, 95),
        apiSamples: API_SAMPLES,
      };
    } finally {
      await server.close();
    }
  } finally {
    await reader.close();
  }
}

const API_SAMPLES = 20;

async function store(
  backend: 'sqlite' | 'postgres',
  where: { dir: string; pgUrl: string },
  calls: number,
  log: (line: string) => void,
): Promise<{ url: string; meta: Meta; reused: boolean; buildSeconds: number }> {
  const matches = (m: Meta | null): m is Meta => m !== null && m.version === STORE_VERSION && m.calls === calls;
  if (backend === 'sqlite') {
    const file = path.join(where.dir, `reads-store-${calls}.db`);
    const url = `sqlite:${file}`;
    const metaFile = `${file}.json`;
    const kept = fs.existsSync(file) && fs.existsSync(metaFile) ? (JSON.parse(fs.readFileSync(metaFile, 'utf8')) as Meta) : null;
    if (matches(kept)) return { url, meta: kept, reused: true, buildSeconds: 0 };
    for (const f of [file, `${file}-wal`, `${file}-shm`, metaFile]) fs.rmSync(f, { force: true });
    const t0 = performance.now();
    const meta = await fill(url, calls, log);
    fs.writeFileSync(metaFile, JSON.stringify(meta));
    return { url, meta, reused: false, buildSeconds: (performance.now() - t0) / 1000 };
  }
  const kept = await pgMeta(where.pgUrl);
  const url = new URL(where.pgUrl);
  url.searchParams.set('options', `-c search_path=${SCHEMA}`);
  if (matches(kept)) return { url: url.toString(), meta: kept, reused: true, buildSeconds: 0 };
  const schema = await freshSchema(where.pgUrl, SCHEMA);
  const t0 = performance.now();
  const meta = await fill(schema.url, calls, log);
  const admin = new pg.Client({ connectionString: schema.url });
  await admin.connect();
  try {
    await admin.query('CREATE TABLE bench_meta (meta text NOT NULL)');
    await admin.query('INSERT INTO bench_meta (meta) VALUES ($1)', [JSON.stringify(meta)]);
    // As autovacuum leaves a live store: visibility map and hint bits set, statistics current.
    const tables = await admin.query<{ t: string }>('SELECT quote_ident(tablename) AS t FROM pg_tables WHERE schemaname = $1', [SCHEMA]);
    await admin.query(`VACUUM (ANALYZE) ${tables.rows.map((r) => `${SCHEMA}.${r.t}`).join(', ')}`);
  } finally {
    await admin.end();
  }
  return { url: schema.url, meta, reused: false, buildSeconds: (performance.now() - t0) / 1000 };
}

/** The meta row of a kept PostgreSQL store, or null. */
async function pgMeta(baseUrl: string): Promise<Meta | null> {
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    const exists = await admin.query(`SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = 'bench_meta'`, [SCHEMA]);
    if (exists.rowCount === 0) return null;
    const row = await admin.query<{ meta: string }>(`SELECT meta FROM ${SCHEMA}.bench_meta LIMIT 1`);
    return row.rows[0] ? (JSON.parse(row.rows[0].meta) as Meta) : null;
  } finally {
    await admin.end();
  }
}

async function fill(url: string, calls: number, log: (line: string) => void): Promise<Meta> {
  const anchor = Date.now();
  const logger = await ConversationLogger.open({ databaseUrl: url, log: quiet, maxQueueSize: 1_000_000 });
  const spacing = (SPAN_DAYS * DAY) / calls;
  let events = 0;
  for (let c = 0; c < calls; c++) {
    for (const e of callEvents(`reads-${c}`, anchor - SPAN_DAYS * DAY + c * spacing, 6)) {
      if (!logger.enqueue(e)) throw new Error('queue full while building the store');
      events++;
    }
    if (c % 50 === 49) {
      if (logger.getWriterStats().queued > 50_000) await logger.flush();
      else await new Promise((r) => setImmediate(r));
    }
    if (c % 5000 === 4999) log(`  building the reads store: ${c + 1} calls, ${events.toLocaleString('en-US')} events`);
  }
  await logger.flush();
  const stats = logger.getWriterStats();
  await logger.close();
  if (stats.rejected > 0) throw new Error(`${stats.rejected} events were rejected while building the store`);
  return { version: STORE_VERSION, calls, anchor, events };
}
