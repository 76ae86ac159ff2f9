/**
 * One writer machine of the fleet benchmark (bench/fleet.ts), a process of its own. `store`: a
 * ConversationLogger (the plugin's path: the mapper's events, and the writer a job process runs,
 * inline on one connection, as `prewarmConversationLog` opens it) logs this
 * process's calls into the shared PostgreSQL, each event appended and acknowledged when
 * committed. `raw`: plain `pg` multi-row inserts of the same rows (read from a file). Both
 * prepare first, say `ready`, and start on `go`, so the N processes write at once.
 */
import fs from 'node:fs';
import pg from 'pg';
import { ConversationLogger } from '../src/logger/conversation-logger.js';
import { mappedCalls } from './calls.js';
import { quiet } from './quiet.js';
import { rawPgInsert } from './raw.js';
import type { RowBatch } from './rows.js';

export type FleetInit =
  { kind: 'store'; url: string; prefix: string; calls: number; startedAt: number } | { kind: 'raw'; url: string; rowsFile: string };

export interface FleetReport {
  events: number;
  ms: number;
  /** Enqueue → committed of each acknowledged event (ms), store only. */
  commitMs: number[];
  /** CPU time of this process (every thread) while it wrote, ms. */
  cpuMs: number;
  /** Acknowledged events (store: append resolved; raw: rows committed). */
  acknowledged: number;
}

const send = (m: object) => process.send!(m);
const cpuMsSince = (start: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
};
const go = () => new Promise<void>((resolve) => process.once('message', () => resolve()));
const init = await new Promise<FleetInit>((resolve) => process.once('message', (m) => resolve(m as FleetInit)));

// Each writer sends its report, then closes its connection when told to (see bench/fleet.ts).
if (init.kind === 'store') {
  const events = mappedCalls(init.calls, init.startedAt, 400, init.prefix);
  const logger = await ConversationLogger.open({
    databaseUrl: init.url,
    log: quiet,
    maxQueueSize: events.length + 1_000,
    writerThread: 'inline',
    poolSize: 1,
    poolOverflow: 0,
  });
  // The connection opened and the writer started before the clock does.
  await logger.logEvent({ eventType: 'bench_warmup', message: `warm-up of ${init.prefix}` });
  send({ kind: 'ready' });
  await go();
  const commitMs: number[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const acks: Array<Promise<void>> = [];
  for (let i = 0; i < events.length; i += 500) {
    for (const e of events.slice(i, i + 500)) {
      const at = performance.now();
      acks.push(logger.append(e).then(() => void commitMs.push(performance.now() - at)));
    }
    await new Promise((r) => setImmediate(r));
  }
  const settled = await Promise.allSettled(acks);
  const ms = performance.now() - t0;
  const cpuMs = cpuMsSince(cpu0);
  const report: FleetReport = {
    events: events.length,
    ms,
    cpuMs,
    commitMs,
    acknowledged: settled.filter((s) => s.status === 'fulfilled').length,
  };
  send({ kind: 'report', report });
  // The connection stays open until the bench has read its server process's CPU time.
  await go();
  await logger.close();
} else {
  const batches = JSON.parse(fs.readFileSync(init.rowsFile, 'utf8')) as RowBatch[];
  const client = new pg.Client({ connectionString: init.url });
  await client.connect();
  send({ kind: 'ready' });
  await go();
  const cpu0 = process.cpuUsage();
  const ms = await rawPgInsert(client, batches);
  const cpuMs = cpuMsSince(cpu0);
  const events = batches.reduce((n, b) => n + b.events.length, 0);
  const report: FleetReport = { events, ms, cpuMs, commitMs: [], acknowledged: events };
  send({ kind: 'report', report });
  await go();
  await client.end();
}
process.disconnect();
