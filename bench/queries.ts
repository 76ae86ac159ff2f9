import fs from 'node:fs';
import path from 'node:path';
import { ConversationLogger } from '../src/logger/conversation-logger.js';
import { cleanupOldData, type CleanupResult } from '../src/store/cleanup.js';
import { select } from '../src/queries/sql.js';
import { getCallStatistics } from '../src/queries/statistics.js';
import { callEvents } from './calls.js';
import { fullGc } from './gc.js';
import { percentile } from './report.js';

import { quiet } from './quiet.js';
const DAY = 86_400_000;
/** Bump when the generated store changes shape, so a stale copy is rebuilt. */
const STORE_VERSION = 3;

export interface BigStore {
  file: string;
  /** The clock the store was generated against: its calls span the 3 days before it. */
  anchor: number;
  events: number;
  calls: number;
  reused: boolean;
  buildSeconds: number;
}

interface Meta {
  version: number;
  calls: number;
  turns: number;
  anchor: number;
  events: number;
}

/** Reads a file once, end to end, so its pages are in the OS cache. */
function readThrough(file: string): void {
  const fd = fs.openSync(file, 'r');
  const chunk = Buffer.allocUnsafe(16 * 2 ** 20);
  try {
    while (fs.readSync(fd, chunk, 0, chunk.length, null) > 0);
  } finally {
    fs.closeSync(fd);
  }
}

const removeDb = (file: string) => {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
};

/**
 * A store of `calls` calls (`turns` turns each, about 100 events a call at 6 turns) spread
 * evenly over the 3 days before its anchor, written through the package's own append path (the
 * default worker-thread writer). Kept in `dir` and reused by the next run when it matches.
 */
export async function bigStore(dir: string, calls: number, turns: number, log: (line: string) => void): Promise<BigStore> {
  const file = path.join(dir, `store-${calls}x${turns}.db`);
  const metaFile = `${file}.json`;
  if (fs.existsSync(file) && fs.existsSync(metaFile)) {
    const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as Meta;
    if (meta.version === STORE_VERSION && meta.calls === calls && meta.turns === turns)
      return { file, anchor: meta.anchor, events: meta.events, calls, reused: true, buildSeconds: 0 };
  }
  removeDb(file);
  fs.rmSync(metaFile, { force: true });
  const t0 = performance.now();
  const anchor = Date.now();
  const logger = await ConversationLogger.open({ databaseUrl: `sqlite:${file}`, log: quiet, maxQueueSize: 1_000_000 });
  const spacing = (3 * DAY) / calls;
  let events = 0;
  for (let c = 0; c < calls; c++) {
    for (const e of callEvents(`big-${c}`, anchor - 3 * DAY + c * spacing, turns)) {
      if (!logger.enqueue(e)) throw new Error('queue full while building the store');
      events++;
    }
    // Let the writer catch up now and then (and the event loop turn).
    if (c % 50 === 49) {
      if (logger.getWriterStats().queued > 50_000) await logger.flush();
      else await new Promise((r) => setImmediate(r));
    }
    if (c % 1000 === 999)
      log(`  building the ${calls.toLocaleString('en-US')}-call store: ${c + 1} calls, ${events.toLocaleString('en-US')} events`);
  }
  await logger.flush();
  const stats = logger.getWriterStats();
  await logger.close();
  if (stats.rejected > 0) throw new Error(`${stats.rejected} events were rejected while building the store`);
  const meta: Meta = { version: STORE_VERSION, calls, turns, anchor, events };
  fs.writeFileSync(metaFile, JSON.stringify(meta));
  return { file, anchor, events, calls, reused: false, buildSeconds: (performance.now() - t0) / 1000 };
}

/**
 * `getConversationHistory` of `samples` random conversations (after 100 more that warm the
 * caches), then `getCallStatistics` of the 24 h before `anchor`, 6 times (the first cold).
 */
export async function timeReads(
  reader: ConversationLogger,
  anchor: number,
  samples: number,
): Promise<{ history: number[]; statistics: number[]; statisticsCalls: number }> {
  const ds = await reader.dataSource();
  const ids = (await select<{ id: string }>(ds, 'SELECT id FROM conversations ORDER BY random() LIMIT ?', [samples + 100])).map(
    (r) => r.id,
  );
  const history: number[] = [];
  fullGc();
  for (const [i, conversationId] of ids.entries()) {
    const t0 = performance.now();
    const messages = await reader.getConversationHistory({ conversationId });
    const ms = performance.now() - t0;
    if (messages.length === 0) throw new Error(`conversation ${conversationId} has no history`);
    if (i >= 100) history.push(ms);
  }
  const statistics: number[] = [];
  let statisticsCalls = 0;
  for (let i = 0; i < 6; i++) {
    const t0 = performance.now();
    const stats = await getCallStatistics(ds, 24, anchor);
    statistics.push(performance.now() - t0);
    statisticsCalls = stats.calls.total;
  }
  return { history, statistics, statisticsCalls };
}

export interface QueryResult {
  historyP50Ms: number;
  historyP99Ms: number;
  historySamples: number;
  statisticsMs: number;
  statisticsColdMs: number;
  statisticsCalls: number;
  cleanup: CleanupResult;
  cleanupSeconds: number;
  cleanupShareOfCalls: number;
}

/**
 * `getConversationHistory` of random conversations, `getCallStatistics` over the last 24 h of
 * the store's clock, and `cleanupOldData` of its oldest third (retention 2 days) on a copy.
 */
export async function measureQueries(store: BigStore, dir: string, samples: number): Promise<QueryResult> {
  // The file in the OS page cache first, as a serving store's is: the figures are the queries', not the disk's.
  readThrough(store.file);
  // Reads: the application's DataSource, as a user's code would use it.
  const reader = await ConversationLogger.open({ databaseUrl: `sqlite:${store.file}`, log: quiet, writerThread: 'inline' });
  const { history: times, statistics: statsTimes, statisticsCalls } = await timeReads(reader, store.anchor, samples);
  await reader.close();

  // Cleanup deletes: run it on a copy, so the store is reused as it is.
  const copy = path.join(dir, 'cleanup-copy.db');
  removeDb(copy);
  fs.copyFileSync(store.file, copy);
  const logger = await ConversationLogger.open({ databaseUrl: `sqlite:${copy}`, log: quiet });
  // As in service: the writer (and its checkpoint thread) is running when retention runs.
  await logger.logEvent({ eventType: 'bench', message: 'cleanup run' });
  const before = await logger.dataSource();
  const [count] = (await before.query(`SELECT COUNT(*) AS n FROM calls`)) as Array<{ n: number }>;
  const totalCalls = Number(count?.n ?? 0);
  const t0 = performance.now();
  const cleanup = await cleanupOldData(before, 'sqlite', {
    retentionDays: 2,
    now: store.anchor,
    runBatch: (fn) => logger.store.exclusive(fn),
  });
  const cleanupSeconds = (performance.now() - t0) / 1000;
  await logger.close();
  removeDb(copy);
  return {
    historyP50Ms: percentile(times, 50),
    historyP99Ms: percentile(times, 99),
    historySamples: times.length,
    statisticsMs: percentile(statsTimes.slice(1), 50),
    statisticsColdMs: statsTimes[0]!,
    statisticsCalls,
    cleanup,
    cleanupSeconds,
    cleanupShareOfCalls: cleanup.calls / totalCalls,
  };
}
