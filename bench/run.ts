/**
 * `npm run bench`: the figures of issue 4, measured side by side in one run. Prints one line per
 * figure, `name: value unit (target …)`, then a summary. Exits non-zero only when a figure could
 * not be measured (a missed target is a result, not a failure).
 *
 * Flags: `--quick` (small sizes, for a smoke run), `--only=loop,ingest,pg,queries,stall,jobs,search,diff` (and
 * `fleet`, run only when named: `--fleet=1,2,4,8` writer processes, `--fleet-calls=40` each; and
 * `reads`, run only when named: reads of a 10M-event store on both backends, `--reads-calls=100000`; and
 * `retention`, run only when named: cleanup of a partitioned PostgreSQL store a year old, one a
 * month old and a year-old store of the previous release (row by row), `--retention-calls=100000`),
 * `--diff-calls=10000,30000` (calls of the `diff` stores, one figure each),
 * `--search-calls=20000` and `--search-pg-calls=20000` (the search stores' sizes, in calls of 50 messages),
 * `--calls=50`, `--speed=10`, `--jobs=1,10,25` (the job-process counts), `--no-pg`, `--no-sqlite` (reads: PostgreSQL only), `--rebuild` (regenerate the 1M-event store).
 * PostgreSQL: `BENCH_PG_URL` (default postgres://postgres@127.0.0.1:5432/test, the test server).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { ConversationLogger, type ConversationLoggerOptions } from '../src/logger/conversation-logger.js';
import { runLoad, type LoadOptions, type LoadResult } from './event-loop.js';
import { machineSpeed } from './calibrate.js';
import { fullGc } from './gc.js';
import { ingestPostgres, ingestSqlite } from './ingest.js';
import { isolatedListener } from './listener.js';
import { jobs } from './jobs.js';
import { bigStore, measureQueries } from './queries.js';
import { quiet } from './quiet.js';
import { figure, percentile, summary, unmeasured } from './report.js';
import { searchPostgres, searchSqlite, type SearchBench } from './search.js';
import { measureStall } from './stall.js';
import { measureDiff } from './diff.js';
import { fleet } from './fleet.js';
import { measureReads } from './reads.js';
import { RETENTION_DAYS, retentionRun, type RetentionRun } from './retention.js';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string, fallback: number) => {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : fallback;
};
const quick = flag('quick');
const only =
  args
    .find((x) => x.startsWith('--only='))
    ?.slice(7)
    .split(',') ?? null;
const wants = (part: string) => only === null || only.includes(part);

const sizes = {
  calls: option('calls', 50),
  speed: option('speed', 10),
  loopRounds: quick ? 1 : 5,
  loopMs: quick ? 4_000 : 10_000,
  warmUpMs: quick ? 2_000 : 5_000,
  ingestCalls: quick ? 60 : 300,
  ingestRounds: quick ? 1 : 5,
  pgCalls: quick ? 40 : 200,
  pgRounds: quick ? 1 : 3,
  storeCalls: quick ? 1_000 : 10_000,
  historySamples: quick ? 200 : 1_000,
  stallMs: quick ? 3_000 : 10_000,
  stallQueue: quick ? 5_000 : 20_000,
  diffCalls: (
    args
      .find((x) => x.startsWith('--diff-calls='))
      ?.slice(13)
      .split(',')
      .map(Number) ?? [quick ? 1_000 : 10_000]
  ).filter((n) => Number.isInteger(n) && n >= 2),
  // Calls of 50 messages: 20,000 make the issue's store of 1M messages.
  searchCalls: option('search-calls', quick ? 1_000 : 20_000),
  searchPgCalls: option('search-pg-calls', quick ? 1_000 : 20_000),
  searchRounds: quick ? 5 : 20,
  searchIngestCalls: quick ? 20 : 120,
};
const PG_URL = process.env['BENCH_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const dir = fileURLToPath(new URL('../.tmp/bench/', import.meta.url));
fs.mkdirSync(dir, { recursive: true });
const say = (line: string) => console.log(line);

function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${os.cpus().length} cores (${cpu}), ${Math.round(os.totalmem() / 2 ** 30)} GB RAM, node ${process.version}`;
}

async function figureGroup(name: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    unmeasured(name, error);
  }
}

/** A logger on a new, empty SQLite file in the scratch directory (default configuration unless `options` say otherwise). */
async function freshLogger(fileName: string, options: ConversationLoggerOptions = {}): Promise<ConversationLogger> {
  const file = path.join(dir, fileName);
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
  return ConversationLogger.open({ databaseUrl: `sqlite:${file}`, log: quiet, ...options });
}

/** A new SQLite store for the load (worker-thread writer, the default), its writer thread started. */
async function openLoopLogger(fileName: string): Promise<ConversationLogger> {
  const logger = await freshLogger(fileName);
  await logger.logEvent({ eventType: 'bench', message: 'warm-up' });
  return logger;
}

/** One run of the load into `logger`; waits for its events to be written (after the measured window) and checks the store kept up. */
async function loggedRun(load: LoadOptions, logger: ConversationLogger): Promise<LoadResult> {
  const before = logger.getWriterStats();
  fullGc();
  const r = await runLoad(load, logger);
  await logger.flush();
  const stats = logger.getWriterStats();
  if (stats.appended - before.appended < r.emitted / 2 || stats.dropped > before.dropped)
    throw new Error(`the store did not keep up (${JSON.stringify(stats)})`);
  return r;
}

/** The load with logging on, into a new SQLite store opened just before it (the first seconds of a logger). */
async function loggedLoad(load: LoadOptions, fileName: string): Promise<LoadResult> {
  const logger = await openLoopLogger(fileName);
  try {
    return await loggedRun(load, logger);
  } finally {
    await logger.close();
  }
}

/** Event-loop cost (logging off vs on, alternating), listener cost, peak RSS. */
async function loop(): Promise<void> {
  const load = { calls: sizes.calls, speed: sizes.speed, turnsPerCall: 30, durationMs: sizes.loopMs };
  const off: LoadResult[] = [];
  const on: LoadResult[] = [];
  let listener: LoadResult | null = null;
  // The logger is opened once, as an agent process opens it at start and keeps it for hours, and
  // warmed up by the same load (its writer thread's code compiled and optimised) before the
  // rounds; the rounds' logging-on runs all write into it. The first seconds after opening are
  // measured separately below. The first logging-off run comes before the logger exists: the
  // process's memory without it.
  fullGc();
  off.push(await runLoad(load, null));
  const logger = await openLoopLogger('loop.db');
  try {
    await loggedRun({ ...load, durationMs: sizes.warmUpMs, idPrefix: 'warm-up' }, logger);
    for (let round = 0; round < sizes.loopRounds; round++) {
      if (round > 0) {
        fullGc();
        off.push(await runLoad(load, null));
      }
      const r = await loggedRun({ ...load, idPrefix: `loop${round}` }, logger);
      on.push(r);
      if (!listener || r.listenerUs.length > listener.listenerUs.length) listener = r;
    }
  } finally {
    await logger.close();
  }
  const median = (xs: number[]) => percentile(xs, 50);
  const offP99 = median(off.map((r) => r.p99Ms));
  const onP99 = median(on.map((r) => r.p99Ms));
  const offMax = median(off.map((r) => r.maxMs));
  const onMax = median(on.map((r) => r.maxMs));
  const rate = Math.round(on[0]!.emitted / (load.durationMs / 1000));
  // Each round's off and on runs are back to back: their difference shows how far the VM's drift moves the median.
  const perRound = on.map((r, i) => (r.p99Ms - off[i]!.p99Ms).toFixed(2)).join(', ');
  const note = `${sizes.calls} calls at ${sizes.speed}x (${rate.toLocaleString('en-US')} session events/s), median of ${sizes.loopRounds} runs of ${load.durationMs / 1000} s each way; per round ${perRound} ms`;
  figure({
    name: 'event loop p99, logging off',
    value: offP99,
    unit: 'ms',
    target: '',
    met: null,
    note: 'monitorEventLoopDelay, 1 ms resolution',
  });
  figure({
    name: 'event loop p99, logging on',
    value: onP99,
    unit: 'ms',
    target: '',
    met: null,
    note: `worker-thread writer (the default), SQLite; one logger for the rounds, after a ${sizes.warmUpMs / 1000} s warm-up`,
  });
  figure({ name: 'event loop p99 added by logging', value: onP99 - offP99, unit: 'ms', target: '< 1 ms', met: onP99 - offP99 < 1, note });
  figure({ name: 'event loop max, logging off', value: offMax, unit: 'ms', target: '', met: null });
  figure({ name: 'event loop max, logging on', value: onMax, unit: 'ms', target: '', met: null });
  figure({ name: 'event loop max added by logging', value: onMax - offMax, unit: 'ms', target: '< 5 ms', met: onMax - offMax < 5 });
  // Where logging moves the delay: the whole distribution, each percentile the median over the runs.
  const dist = (runs: LoadResult[]) =>
    runs[0]!.percentilesMs.map((_, i) => median(runs.map((r) => r.percentilesMs[i]!)).toFixed(2)).join(' / ');
  say(`  event loop delay p50 / p90 / p95 / p98 / p99 / p99.5 / p99.9, ms: off ${dist(off)}; on ${dist(on)}`);

  // For context: the same calls at their real pace (a turn every 2 s), one run each way.
  const realTime = { ...load, speed: 1 };
  fullGc();
  const rtOff = await runLoad(realTime, null);
  const rtOn = await loggedLoad(realTime, 'loop-real-time.db');
  figure({
    name: 'event loop p99 added by logging, calls at real time (for context)',
    value: rtOn.p99Ms - rtOff.p99Ms,
    unit: 'ms',
    target: '',
    met: null,
    note: `${Math.round(rtOn.emitted / (load.durationMs / 1000)).toLocaleString('en-US')} session events/s; p99 ${rtOff.p99Ms.toFixed(2)} → ${rtOn.p99Ms.toFixed(2)} ms, max ${rtOff.maxMs.toFixed(1)} → ${rtOn.maxMs.toFixed(1)} ms`,
  });

  // For context: the first seconds of a logger, opened just before the load (its writer thread's
  // code not yet compiled and optimised: V8's compiler threads compete for the two cores).
  fullGc();
  const cold = await loggedLoad(load, 'loop-cold.db');
  figure({
    name: `event loop p99 added, the first ${load.durationMs / 1000} s after opening the logger (for context)`,
    value: cold.p99Ms - offP99,
    unit: 'ms',
    target: '',
    met: null,
    note: `one run; p99 ${cold.p99Ms.toFixed(2)} ms, max added ${(cold.maxMs - offMax).toFixed(1)} ms`,
  });

  // For comparison: the same load with the writer on the event loop's own thread.
  const inlineLogger = await freshLogger('loop-inline.db', { writerThread: 'inline' });
  fullGc();
  const inline = await runLoad(load, inlineLogger);
  await inlineLogger.close();
  figure({
    name: 'event loop p99 added, inline writer (for comparison)',
    value: inline.p99Ms - offP99,
    unit: 'ms',
    target: '',
    met: null,
    note: `max added ${(inline.maxMs - offMax).toFixed(1)} ms`,
  });

  const l = listener!;
  // The listener copies the event to plain data and hands it on; mapping and enqueue run once per
  // loop turn after it (their cost is in the event-loop figures above, and by itself below).
  figure({
    name: 'listener p50 (copy to plain data, hand on)',
    value: percentile(l.listenerUs, 50),
    unit: 'µs',
    target: '',
    met: null,
    note: `${l.listenerUs.length.toLocaleString('en-US')} session events through attachConversationLog's listener`,
  });
  figure({
    name: 'listener p99 (copy to plain data, hand on)',
    value: percentile(l.listenerUs, 99),
    unit: 'µs',
    target: '< 20 µs',
    met: percentile(l.listenerUs, 99) < 20,
    note: "the time LiveKit's emit() waits for the plugin; map + enqueue follow in the same loop turn",
  });
  const bare = off.reduce((a, r) => (r.listenerUs.length > a.listenerUs.length ? r : a));
  figure({
    name: 'emit p99 with no listener, same load',
    value: percentile(bare.listenerUs, 99),
    unit: 'µs',
    target: '',
    met: null,
    note: `p50 ${percentile(bare.listenerUs, 50).toFixed(2)} µs, ${bare.listenerUs.length.toLocaleString('en-US')} emits of the logging-off run`,
  });
  // The floor of any listener here: one that only keeps the event, emitted the same way.
  fullGc();
  const keeping = await runLoad({ ...load, keepOnly: true, idPrefix: 'keep' }, null);
  figure({
    name: 'listener p99 of a listener that only keeps the event, same load (the floor)',
    value: percentile(keeping.listenerUs, 99),
    unit: 'µs',
    target: '',
    met: null,
    note: `p50 ${percentile(keeping.listenerUs, 50).toFixed(2)} µs; pushes the event onto an array emptied once per loop turn, nothing else`,
  });
  figure({
    name: 'store enqueue p99, after the listener',
    value: percentile(l.enqueueUs, 99),
    unit: 'µs',
    target: '',
    met: null,
    note: `p50 ${percentile(l.enqueueUs, 50).toFixed(1)} µs per stored event, same load`,
  });
  // The same events with nothing else on the thread: what the listener's code costs by itself.
  const isolatedLogger = await freshLogger('listener.db');
  await isolatedListener(isolatedLogger, 10, 30, 'warm-up'); // warm-up: the code optimised, as in a running agent
  fullGc();
  const isolated = await isolatedListener(isolatedLogger, sizes.calls, 30);
  await isolatedLogger.close();
  const alone = Array.from(isolated.listenerUs);
  const mapped = Array.from(isolated.mapUs);
  figure({
    name: 'listener p99, the same events with no other load (for comparison)',
    value: percentile(alone, 99),
    unit: 'µs',
    target: '',
    met: null,
    note: `p50 ${percentile(alone, 50).toFixed(1)} µs, ${alone.length.toLocaleString('en-US')} events of ${sizes.calls} calls emitted back to back after a warm-up, writer thread running`,
  });
  figure({
    name: 'map + enqueue after the listener, per event, same events with no other load',
    value: percentile(mapped, 99),
    unit: 'µs (p99)',
    target: '',
    met: null,
    note: `p50 ${percentile(mapped, 50).toFixed(1)} µs; the work the listener hands on, run right after each emit to time it`,
  });
  const byType = [...l.listenerUsByType].map(([type, us]) => `${type} ${percentile(us, 50).toFixed(0)}/${percentile(us, 99).toFixed(0)}`);
  say(`  listener p50/p99 µs by LiveKit event: ${byType.join(', ')}`);
  figure({
    name: 'peak RSS of the 50-call run, logging on',
    value: Math.max(...on.map((r) => r.peakRssMb)),
    unit: 'MB',
    target: '',
    met: null,
    note: `logging off, before the logger was opened: ${off[0]!.peakRssMb.toFixed(0)} MB`,
  });
}

/** Each round's ratio (store and raw measured back to back) and their median: how far the best-of ratio moves with the machine. */
const pairsNote = (pairs: readonly number[]) =>
  `best / best; per round ${pairs.map((x) => x.toFixed(2)).join(', ')}, median ${percentile([...pairs], 50).toFixed(2)}`;

async function ingest(): Promise<void> {
  const r = await ingestSqlite(dir, sizes.ingestCalls, sizes.ingestRounds);
  const note = `${r.events.toLocaleString('en-US')} events of ${sizes.ingestCalls} interleaved calls, ${r.rows.toLocaleString('en-US')} rows; best of ${r.rounds}`;
  figure({
    name: 'ingest SQLite, store (enqueue → committed, log + projections)',
    value: r.ours,
    unit: 'events/s',
    target: '',
    met: null,
    note,
  });
  figure({
    name: 'ingest SQLite, raw better-sqlite3 (same rows, same schema, 500 events/txn)',
    value: r.raw,
    unit: 'events/s',
    target: '',
    met: null,
  });
  figure({
    name: 'ingest SQLite, store / raw',
    value: r.ours / r.raw,
    unit: '×',
    target: '≥ 0.7',
    met: r.ours / r.raw >= 0.7,
    note: pairsNote(r.pairs),
  });
}

async function ingestPg(): Promise<void> {
  const probe = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3_000 });
  await probe.connect().catch((error: Error) => {
    throw new Error(`PostgreSQL not reachable at BENCH_PG_URL (${error.message}); pass --no-pg to skip`);
  });
  const version = ((await probe.query('SHOW server_version')).rows as Array<{ server_version?: string }>)[0]?.server_version;
  await probe.end();
  const r = await ingestPostgres(PG_URL, sizes.pgCalls, sizes.pgRounds);
  const note = `${r.events.toLocaleString('en-US')} events, ${r.rows.toLocaleString('en-US')} rows; best of ${r.rounds}${version ? `; server ${version}` : ''}`;
  figure({
    name: 'ingest PostgreSQL, store (enqueue → committed, log + projections)',
    value: r.ours,
    unit: 'events/s',
    target: '',
    met: null,
    note,
  });
  figure({
    name: 'ingest PostgreSQL, raw pg multi-row INSERT (same rows, same schema)',
    value: r.raw,
    unit: 'events/s',
    target: '',
    met: null,
  });
  figure({
    name: 'ingest PostgreSQL, store / raw',
    value: r.ours / r.raw,
    unit: '×',
    target: '≥ 0.7',
    met: r.ours / r.raw >= 0.7,
    note: pairsNote(r.pairs),
  });
}

/** The history and 24 h statistics figures of a store: `prefix` and `suffix` name it. */
function readFigures(
  prefix: string,
  suffix: string,
  r: { historyP50Ms: number; historyP99Ms: number; historySamples: number; statisticsMs: number; statisticsCalls: number },
  coldNote: string,
): void {
  figure({
    name: `${prefix}getConversationHistory p99${suffix}`,
    value: r.historyP99Ms,
    unit: 'ms',
    target: '< 2 ms',
    met: r.historyP99Ms < 2,
    note: `p50 ${r.historyP50Ms.toFixed(2)} ms, ${r.historySamples} random conversations`,
  });
  figure({
    name: `${prefix}getCallStatistics({hours: 24})${suffix}`,
    value: r.statisticsMs,
    unit: 'ms',
    target: '< 100 ms',
    met: r.statisticsMs < 100,
    note: `median of 5 warm runs, ${coldNote}${r.statisticsCalls} calls in the window`,
  });
}

async function queries(): Promise<void> {
  const store = await bigStore(dir, sizes.storeCalls, 6, say);
  say(
    `  store: ${store.events.toLocaleString('en-US')} events over ${store.calls.toLocaleString('en-US')} calls` +
      (store.reused ? ` (reused from ${path.relative(process.cwd(), store.file)})` : ` (built in ${store.buildSeconds.toFixed(0)} s)`),
  );
  const r = await measureQueries(store, dir, sizes.historySamples);
  readFigures('', '', r, `first run ${r.statisticsColdMs.toFixed(0)} ms; `);
  figure({
    name: 'cleanupOldData longest lock',
    value: r.cleanup.longestBatchMs,
    unit: 'ms',
    target: '< 50 ms',
    met: r.cleanup.longestBatchMs < 50,
    note: `deleted ${r.cleanup.calls} calls (${(r.cleanupShareOfCalls * 100).toFixed(0)} %), ${r.cleanup.events.toLocaleString('en-US')} events in ${r.cleanup.batches} transactions, ${r.cleanupSeconds.toFixed(1)} s in all`,
  });
}

function searchFigures(r: SearchBench): void {
  const name = r.backend === 'sqlite' ? 'SQLite' : 'PostgreSQL';
  say(
    `  ${name} search store: ${r.events.toLocaleString('en-US')} events, ${r.messages.toLocaleString('en-US')} messages over ${r.calls.toLocaleString('en-US')} calls` +
      (r.reused ? ' (reused)' : ` (built in ${r.buildSeconds.toFixed(0)} s)`),
  );
  const slowest = Object.entries(r.times.byQuery).sort((a, b) => b[1] - a[1])[0];
  // The issue's targets are for a store of 1M messages; a smaller store says so in its note.
  const size = r.messages >= 1_000_000 ? '' : `; the store has ${r.messages.toLocaleString('en-US')} messages, the target is for 1,000,000`;
  figure({
    name: `search ${name} p50 (limit 20, 7 queries × newest/rank)`,
    value: r.times.p50Ms,
    unit: 'ms',
    target: '< 50 ms',
    met: r.times.p50Ms < 50,
    note: `over ${r.times.samples} searches${size}`,
  });
  figure({
    name: `search ${name} p99 (limit 20, 7 queries × newest/rank)`,
    value: r.times.p99Ms,
    unit: 'ms',
    target: '< 50 ms',
    met: r.times.p99Ms < 50,
    note: `slowest: ${slowest?.[0]} p99 ${slowest?.[1].toFixed(1)} ms${size}`,
  });
  figure({
    name: `ingest ${name} with the search index / without`,
    value: r.ingest.ratio,
    unit: '×',
    target: '≥ 0.9',
    met: r.ingest.ratio >= 0.9,
    note: `${r.ingest.withIndex.toFixed(0)} vs ${r.ingest.withoutIndex.toFixed(0)} events/s, ${r.ingest.events.toLocaleString('en-US')} events, best of ${r.ingest.rounds} alternating rounds; without = the index replaced by a no-op stand-in`,
  });
}

async function search(): Promise<void> {
  searchFigures(await searchSqlite(dir, sizes.searchCalls, sizes.searchRounds, sizes.searchIngestCalls, say));
  if (!flag('no-pg')) searchFigures(await searchPostgres(PG_URL, sizes.searchPgCalls, sizes.searchRounds, sizes.searchIngestCalls, say));
}

async function stall(): Promise<void> {
  const r = await measureStall(dir, { calls: sizes.calls, speed: sizes.speed, turnsPerCall: 30 }, sizes.stallMs, sizes.stallQueue);
  const note = `database write-locked for ${sizes.stallMs / 1000} s under the ${sizes.calls}-call load; maxQueueSize ${r.maxQueueSize.toLocaleString('en-US')}`;
  figure({
    name: 'stalled database: queue peak',
    value: r.queuePeak,
    unit: 'events',
    target: `≤ ${r.maxQueueSize.toLocaleString('en-US')}`,
    met: r.queuePeak <= r.maxQueueSize,
    note,
  });
  figure({
    name: 'stalled database: events dropped',
    value: r.dropped,
    unit: 'events',
    target: 'all counted',
    met: r.dropped === r.droppedRecorded,
    note: `events_dropped rows record ${r.droppedRecorded.toLocaleString('en-US')}; queue empty again ${r.recoverySeconds.toFixed(1)} s after the stall`,
  });
  figure({
    name: 'stalled database: RSS growth while the queue was full',
    value: r.rssGrowthWhileFullMb,
    unit: 'MB',
    target: '< 25 MB',
    met: r.rssGrowthWhileFullMb < 25,
    note: `RSS ${r.rssAtStallMb.toFixed(0)} MB at the stall, peak ${r.rssPeakMb.toFixed(0)} MB`,
  });
}

/** `convlog diff` over stores of two releases: the bootstrap of every row, both sides; one figure per store size. */
async function diff(): Promise<void> {
  for (const calls of sizes.diffCalls) {
    const r = await measureDiff(dir, calls, 6, say);
    say(
      `  store: ${r.events.toLocaleString('en-US')} events, ${r.calls.toLocaleString('en-US')} calls, ${r.turns.toLocaleString('en-US')} turns` +
        (r.reused ? ' (reused)' : ` (built in ${r.buildSeconds.toFixed(0)} s)`),
    );
    const worse = r.result.rows.filter((x) => x.verdict === 'worse').map((x) => x.metric);
    // The issue's target is for a store of 1M events; larger stores are measured against it pro rata.
    const budgetMs = Math.max(1, r.events / 1_000_000) * 1000;
    figure({
      name: `diffReleases (convlog diff) over ${(r.events / 1e6).toFixed(2)}M events`,
      value: r.diffMs,
      unit: 'ms',
      target: r.events >= 1_000_000 ? `< ${budgetMs.toFixed(0)} ms (1 s per 1M events)` : '',
      met: r.events >= 1_000_000 ? r.diffMs < budgetMs : null,
      note: `median of 3 warm runs, first run ${r.diffColdMs.toFixed(0)} ms; ${r.result.resamples} resamples, ${r.result.base.calls} + ${r.result.head.calls} calls; worse: ${worse.join(', ') || 'none'}`,
    });
  }
}

console.log(`livekit-conversation-log bench — ${machine()}${quick ? ' — QUICK (reduced sizes)' : ''}`);
const started = performance.now();
{
  // The machine's speed now: the figures below scale with it (a VM's can drift from run to run).
  const speed = machineSpeed();
  figure({
    name: 'machine speed: counting loop',
    value: speed.loopNs,
    unit: 'ns/iteration',
    target: '',
    met: null,
    note: `JSON.stringify of a message's data ${speed.stringifyUs.toFixed(2)} µs; lower is faster`,
  });
}
if (wants('loop')) await figureGroup('event loop / listener / memory', loop);
if (wants('ingest')) await figureGroup('ingest SQLite', ingest);
if (wants('pg') && !flag('no-pg')) await figureGroup('ingest PostgreSQL', ingestPg);
if (wants('queries')) {
  if (flag('rebuild')) for (const f of fs.readdirSync(dir)) if (f.startsWith('store-')) fs.rmSync(path.join(dir, f), { force: true });
  await figureGroup('queries on the big store', queries);
}
if (wants('stall')) await figureGroup('stalled database', stall);
if (wants('diff')) await figureGroup('convlog diff', diff);
if (wants('search')) await figureGroup('full-text search', search);
// One process per call, as LiveKit's worker runs them (forks K job processes).
if (wants('jobs'))
  await figureGroup('job processes', () =>
    jobs({
      dir,
      pgUrl: PG_URL,
      ks:
        args
          .find((x) => x.startsWith('--jobs='))
          ?.slice(7)
          .split(',')
          .map(Number) ?? (quick ? [1, 3] : [1, 10, 25]),
      postgres: !flag('no-pg'),
    }),
  );
// Many writer machines, one PostgreSQL (asked for by name: --only=fleet).
if (only?.includes('fleet') && !flag('no-pg'))
  await figureGroup('fleet on PostgreSQL', () =>
    fleet({
      baseUrl: PG_URL,
      dir,
      ns:
        args
          .find((x) => x.startsWith('--fleet='))
          ?.slice(8)
          .split(',')
          .map(Number) ?? (quick ? [1, 2] : [1, 2, 4, 8]),
      callsPerWriter: option('fleet-calls', quick ? 10 : 40),
      rounds: option('fleet-rounds', quick ? 1 : 3),
    }),
  );
// Reads of a store of 10M events (asked for by name: --only=reads; the stores are kept and reused).
if (only?.includes('reads'))
  await figureGroup('reads at 10M events', async () => {
    const backends = flag('no-pg')
      ? (['sqlite'] as const)
      : flag('no-sqlite')
        ? (['postgres'] as const)
        : (['sqlite', 'postgres'] as const);
    for (const backend of backends) {
      const r = await measureReads(
        backend,
        { dir, pgUrl: PG_URL },
        option('reads-calls', quick ? 2_000 : 100_000),
        sizes.historySamples,
        say,
      );
      const size = `${(r.events / 1e6).toFixed(2)}M events, ${r.calls.toLocaleString('en-US')} calls over 90 days`;
      say(`  ${backend} store: ${size}` + (r.reused ? ' (reused)' : ` (built in ${r.buildSeconds.toFixed(0)} s)`));
      readFigures(`${backend} `, ` at ${(r.events / 1e6).toFixed(1)}M events`, r, '');
      for (const [route, value] of [
        ['/api/overview (24 h)', r.overviewP95Ms],
        ['/api/calls (first page)', r.callsP95Ms],
      ] as const)
        figure({
          name: `${backend} dashboard ${route} p95 at ${(r.events / 1e6).toFixed(1)}M events`,
          value,
          unit: 'ms',
          target: '< 200 ms',
          met: value < 200,
          note: `${r.apiSamples} requests over HTTP after 2 warm-ups`,
        });
    }
  });
// Cleanup of a year of history against a month of it (asked for by name: --only=retention).
if (only?.includes('retention') && !flag('no-pg'))
  await figureGroup('retention on PostgreSQL', async () => {
    const calls = option('retention-calls', quick ? 2_000 : 100_000);
    const runs: RetentionRun[] = [];
    // A month-old store: the same call rate over 60 days (a month past the retention).
    for (const [label, n, days, partitioned] of [
      ['year-old partitioned store', calls, 365, true],
      ['month-old partitioned store', Math.round((calls * 60) / 365), 60, true],
      ['year-old store of the previous release (row by row)', calls, 365, false],
    ] as const) {
      const r = await retentionRun(PG_URL, label, n, days, partitioned, say);
      say(
        `  ${label}: built in ${r.buildSeconds.toFixed(0)} s; cleanup deleted ${r.result.calls.toLocaleString('en-US')} calls, ` +
          `${r.result.events.toLocaleString('en-US')} events, ${r.result.messages.toLocaleString('en-US')} messages ` +
          `(${r.result.partitionsDropped} partitions dropped, ${r.result.batches} transactions, longest ${r.result.longestBatchMs.toFixed(0)} ms)`,
      );
      runs.push(r);
    }
    const [year, month, rows] = runs as [RetentionRun, RetentionRun, RetentionRun];
    const size = (r: RetentionRun) => `${(r.events / 1e6).toFixed(1)}M events`;
    figure({
      name: `cleanup of a year-old partitioned store (${size(year)}, ${RETENTION_DAYS} days kept)`,
      value: year.cleanupMs / 1000,
      unit: 's',
      target: `within 2× of a month-old store (${(month.cleanupMs / 1000).toFixed(2)} s at ${size(month)})`,
      met: year.cleanupMs <= 2 * month.cleanupMs,
      note: `${(year.cleanupMs / month.cleanupMs).toFixed(2)}× the month-old store`,
    });
    figure({
      name: `cleanup of a year-old store row by row (previous release, ${size(rows)})`,
      value: rows.cleanupMs / 1000,
      unit: 's',
      target: '',
      met: null,
      note: `${(rows.cleanupMs / year.cleanupMs).toFixed(1)}× the partitioned store's`,
    });
  });
console.log(`(${((performance.now() - started) / 1000).toFixed(0)} s)`);
process.exitCode = summary();
