import fs from 'node:fs';
import path from 'node:path';
import type { NewEvent } from '../src/events/types.js';
import { ConversationLogger } from '../src/logger/conversation-logger.js';
import { diffReleases, type DiffResult } from '../src/queries/diff.js';
import { callEvents } from './calls.js';
import { fullGc } from './gc.js';
import { percentile } from './report.js';
import { quiet } from './quiet.js';

const DAY = 86_400_000;
/** Bump when the generated store changes shape, so a stale copy is rebuilt. */
const STORE_VERSION = 1;

interface Meta {
  version: number;
  calls: number;
  turns: number;
  events: number;
  anchor: number;
}

export interface DiffBench {
  events: number;
  calls: number;
  turns: number;
  reused: boolean;
  buildSeconds: number;
  /** Median of the warm runs (ms). */
  diffMs: number;
  diffColdMs: number;
  result: DiffResult;
}

/**
 * Half the calls of release `base`, half of `head`, whose turns take 200 ms more at the LLM's first
 * token: the plugin's events of `calls` calls (`turns` turns each, mapped by the real mapper, about
 * 100 events a call at 6 turns) over the 6 days before now, written through the default writer.
 * Kept in `dir` and reused while it matches; then `diffReleases` over the whole store, timed.
 */
export async function measureDiff(dir: string, calls: number, turns: number, log: (line: string) => void): Promise<DiffBench> {
  const file = path.join(dir, `diff-store-${calls}x${turns}.db`);
  const metaFile = `${file}.json`;
  let meta: Meta | null = null;
  if (fs.existsSync(file) && fs.existsSync(metaFile)) {
    const m = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as Meta;
    if (m.version === STORE_VERSION && m.calls === calls && m.turns === turns && Date.now() - m.anchor < DAY) meta = m;
  }
  const reused = meta !== null;
  let buildSeconds = 0;
  if (meta === null) {
    for (const f of [file, `${file}-wal`, `${file}-shm`, metaFile]) fs.rmSync(f, { force: true });
    const t0 = performance.now();
    const anchor = Date.now();
    const logger = await ConversationLogger.open({ databaseUrl: `sqlite:${file}`, log: quiet, maxQueueSize: 1_000_000 });
    const spacing = (6 * DAY) / calls;
    let events = 0;
    for (let c = 0; c < calls; c++) {
      const head = c % 2 === 1;
      for (const e of callEvents(`diff-${c}`, anchor - 6 * DAY + c * spacing, turns)) {
        if (!logger.enqueue(stamp(e, head))) throw new Error('queue full while building the store');
        events++;
      }
      if (c % 50 === 49) {
        if (logger.getWriterStats().queued > 50_000) await logger.flush();
        else await new Promise((r) => setImmediate(r));
      }
      if (c % 2000 === 1999) log(`  building the diff store: ${c + 1} calls, ${events.toLocaleString('en-US')} events`);
    }
    await logger.flush();
    const stats = logger.getWriterStats();
    await logger.close();
    if (stats.rejected > 0) throw new Error(`${stats.rejected} events were rejected while building the store`);
    meta = { version: STORE_VERSION, calls, turns, events, anchor };
    fs.writeFileSync(metaFile, JSON.stringify(meta));
    buildSeconds = (performance.now() - t0) / 1000;
  }
  const reader = await ConversationLogger.open({ databaseUrl: `sqlite:${file}`, log: quiet, writerThread: 'inline' });
  const ds = await reader.dataSource();
  const [t] = (await ds.query('SELECT COUNT(*) AS n FROM turns')) as Array<{ n: number }>;
  const times: number[] = [];
  let result: DiffResult | null = null;
  fullGc();
  for (let i = 0; i < 4; i++) {
    const t0 = performance.now();
    result = await diffReleases(ds, { base: 'base', head: 'head', since: meta.anchor - 7 * DAY, until: meta.anchor + DAY });
    times.push(performance.now() - t0);
  }
  await reader.close();
  return {
    events: meta.events,
    calls,
    turns: Number(t?.n ?? 0),
    reused,
    buildSeconds,
    diffMs: percentile(times.slice(1), 50),
    diffColdMs: times[0]!,
    result: result!,
  };
}

/** The release on a call's start; for `head` calls, 200 ms more LLM time to first token on every turn. */
function stamp(e: NewEvent, head: boolean): NewEvent {
  if (e.type === 'call_started') return { ...e, data: { ...e.data, release: head ? 'head' : 'base' } };
  if (head && e.type === 'turn_completed' && e.data.llmTtftMs !== null)
    return {
      ...e,
      data: {
        ...e.data,
        llmTtftMs: e.data.llmTtftMs + 200,
        e2eLatencyMs: e.data.e2eLatencyMs === null ? null : e.data.e2eLatencyMs + 200,
      },
    };
  return e;
}
