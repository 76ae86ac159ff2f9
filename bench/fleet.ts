/**
 * Fleet scale on PostgreSQL: N writer processes (N = 1, 2, 4, 8 by default), each logging its own
 * concurrent calls through the plugin's path (the mapper's events, the default writer), into one
 * database; then the same rows inserted by raw `pg` multi-row inserts from N processes, in the
 * same run. Prints events/s for each N and the ratio to raw, the commit p99 (enqueue →
 * committed), and the acknowledged events missing or present twice — counted per call against
 * what each writer acknowledged, not against a unique index.
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { ConversationLogger } from '../src/logger/conversation-logger.js';
import { mappedCalls } from './calls.js';
import type { FleetInit, FleetReport } from './fleet-child.js';
import { freshSchema, type PgSchema } from './pg-schema.js';
import { quiet } from './quiet.js';
import { figure, percentile } from './report.js';
import { rowBatches, type Row, type Table } from './rows.js';

const CHILD = new URL('./fleet-child.ts', import.meta.url);
/** The column naming each table's call (what a writer's rows are picked by). */
const CALL_COLUMN: Record<Table, string> = {
  events: 'call_id',
  calls: 'id',
  conversations: 'call_id',
  conversation_metrics: 'call_id',
  messages: 'call_id',
  turns: 'call_id',
  system_events: 'call_id',
  messages_search: 'call_id',
};

/** A fresh schema of the bench database, migrated once before the writers start (as a fleet's store is). */
async function schema(baseUrl: string, name: string): Promise<PgSchema> {
  const fresh = await freshSchema(baseUrl, name);
  await (
    await ConversationLogger.open({ databaseUrl: fresh.url, log: quiet, writerThread: 'inline', poolSize: 1, poolOverflow: 0 })
  ).close();
  return fresh;
}

function message(child: ChildProcess, kind: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: Record<string, unknown>) => {
      if (m['kind'] !== kind) return;
      child.off('message', onMessage);
      resolve(m);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`a fleet writer exited (${code}) before "${kind}"`)));
  });
}

/** CPU time (ms) a process has used, from /proc (its user and system clock ticks, 100 a second); null once it is gone. */
function cpuMsOf(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

/**
 * The CPU time the database's server processes spend for the connections named `app`
 * (`application_name`), sampled from /proc every 100 ms while they run: what one PostgreSQL
 * pays per event, whichever machine the writers run on.
 */
class ServerCpu {
  private readonly start = new Map<number, number>();
  private readonly last = new Map<number, number>();
  constructor(
    private readonly admin: pg.Client,
    private readonly app: string,
  ) {}
  async sample(baseline = false): Promise<void> {
    const r = await this.admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [this.app]);
    for (const { pid } of r.rows) {
      const ms = cpuMsOf(pid);
      if (ms === null) continue;
      if (baseline || !this.start.has(pid)) this.start.set(pid, baseline ? ms : 0);
      this.last.set(pid, ms);
    }
  }
  get ms(): number {
    let total = 0;
    for (const [pid, ms] of this.last) total += ms - (this.start.get(pid) ?? 0);
    return total;
  }
}

/** `url` with its connections named `app` in pg_stat_activity. */
const named = (url: string, app: string) => {
  const u = new URL(url);
  u.searchParams.set('application_name', app);
  return u.toString();
};

/**
 * Forks one child per init, waits until every one is ready, starts them at once; their reports,
 * the wall time (ms), and the CPU time (ms) of the server processes serving them (`cpu`).
 */
async function runAll(inits: FleetInit[], cpu: ServerCpu): Promise<{ reports: FleetReport[]; wallMs: number; serverCpuMs: number }> {
  const children = inits.map(() => fork(CHILD, [], { execArgv: process.execArgv, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }));
  try {
    const ready = children.map((c) => message(c, 'ready'));
    children.forEach((c, i) => c.send(inits[i]!));
    await Promise.all(ready);
    await cpu.sample(true);
    const reports = children.map((c) => message(c, 'report'));
    let sampling = Promise.resolve();
    const sampler = setInterval(() => {
      sampling = sampling.then(() => cpu.sample());
    }, 100);
    const t0 = performance.now();
    for (const c of children) c.send({ kind: 'go' });
    const done = (await Promise.all(reports)).map((m) => m['report'] as FleetReport);
    const wallMs = performance.now() - t0;
    clearInterval(sampler);
    await sampling;
    await cpu.sample();
    const exited = children.map((c) => new Promise<void>((resolve) => (c.exitCode === null ? c.once('exit', () => resolve()) : resolve())));
    for (const c of children) c.send({ kind: 'close' });
    await Promise.all(exited);
    return { reports: done, wallMs, serverCpuMs: cpu.ms };
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill();
  }
}

export async function fleet(options: { baseUrl: string; dir: string; ns: number[]; callsPerWriter: number }): Promise<void> {
  const { baseUrl, dir, ns, callsPerWriter } = options;
  fs.mkdirSync(dir, { recursive: true });
  for (const n of ns) {
    const store = await schema(baseUrl, `convlog_fleet_store_${process.pid}_${n}`);
    const raw = await schema(baseUrl, `convlog_fleet_raw_${process.pid}_${n}`);
    try {
      const startedAt = Date.now() - 3_600_000;
      const prefixes = Array.from({ length: n }, (_, i) => `fleet${n}-w${i}`);
      const admin = new pg.Client({ connectionString: baseUrl });
      await admin.connect();
      const storeApp = `convlog_fleet_store_${n}`;
      const rawApp = `convlog_fleet_raw_${n}`;
      const ours = await runAll(
        prefixes.map((prefix) => ({ kind: 'store', url: named(store.url, storeApp), prefix, calls: callsPerWriter, startedAt })),
        new ServerCpu(admin, storeApp),
      );
      const events = ours.reports.reduce((s, r) => s + r.events, 0);
      const acknowledged = ours.reports.reduce((s, r) => s + r.acknowledged, 0);

      // What each writer acknowledged, call by call, against what the store holds.
      const expected = new Map<string, number>();
      for (const prefix of prefixes)
        for (const e of mappedCalls(callsPerWriter, startedAt, 400, prefix)) expected.set(e.callId!, (expected.get(e.callId!) ?? 0) + 1);
      const client = new pg.Client({ connectionString: store.url });
      await client.connect();
      const stored = new Map(
        (await client.query(`SELECT call_id, COUNT(*)::int AS n FROM events WHERE call_id IS NOT NULL GROUP BY call_id`)).rows.map(
          (r: { call_id: string; n: number }) => [r.call_id, r.n],
        ),
      );
      let missing = 0;
      let twice = 0;
      for (const [call, count] of expected) {
        const have = stored.get(call) ?? 0;
        missing += Math.max(0, count - have);
        twice += Math.max(0, have - count);
      }
      if (acknowledged !== events) missing -= events - acknowledged; // only what was acknowledged counts

      // The same rows, each writer's own, inserted raw from N processes.
      const inits: FleetInit[] = [];
      for (const prefix of prefixes) {
        const read = async (t: Table) =>
          (
            await client.query(`SELECT * FROM ${t} WHERE ${CALL_COLUMN[t]} LIKE $1 ORDER BY ${t === 'events' ? 'position' : '1'}`, [
              `${prefix}-%`,
            ])
          ).rows as Row[];
        const rowsFile = path.join(dir, `fleet-rows-${process.pid}-${prefix}.json`);
        fs.writeFileSync(rowsFile, JSON.stringify(await rowBatches(read, 500)));
        inits.push({ kind: 'raw', url: named(raw.url, rawApp), rowsFile });
      }
      await client.end();
      const reference = await runAll(inits, new ServerCpu(admin, rawApp));
      await admin.end();
      for (const i of inits) if (i.kind === 'raw') fs.rmSync(i.rowsFile, { force: true });

      const oursRate = events / (ours.wallMs / 1000);
      const rawRate = reference.reports.reduce((s, r) => s + r.events, 0) / (reference.wallMs / 1000);
      const commits = ours.reports.flatMap((r) => r.commitMs);
      // What the one database pays per event: with writers on machines of their own (a fleet),
      // this is what bounds the events/s one PostgreSQL takes.
      const rawEvents = reference.reports.reduce((s, r) => s + r.events, 0);
      const storeCpuUs = (ours.serverCpuMs * 1000) / events;
      const rawCpuUs = (reference.serverCpuMs * 1000) / rawEvents;
      figure({
        name: `fleet N=${n}: database CPU per event, raw pg / store`,
        value: rawCpuUs / storeCpuUs,
        unit: '×',
        target: '≥ 0.7',
        met: rawCpuUs / storeCpuUs >= 0.7,
        note: `server processes' CPU: store ${storeCpuUs.toFixed(1)} µs an event, raw ${rawCpuUs.toFixed(1)} µs; the events/s one PostgreSQL takes from writers on machines of their own`,
      });
      const writerUs = (reports: FleetReport[], count: number) => (reports.reduce((s, r) => s + r.cpuMs, 0) * 1000) / count;
      figure({
        name: `fleet N=${n}: writer process CPU per event, store / raw pg`,
        value: writerUs(ours.reports, events) / writerUs(reference.reports, rawEvents),
        unit: '×',
        target: '',
        met: null,
        note: `store ${writerUs(ours.reports, events).toFixed(1)} µs an event (every thread), raw ${writerUs(reference.reports, rawEvents).toFixed(1)} µs; on this machine the writers and the database share ${os.cpus().length} cores`,
      });
      figure({
        name: `fleet N=${n}: store / raw pg, ${n} writer process${n === 1 ? '' : 'es'} into one PostgreSQL`,
        value: oursRate / rawRate,
        unit: '×',
        target: '≥ 0.7',
        met: oursRate / rawRate >= 0.7,
        note: `store ${Math.round(oursRate).toLocaleString('en-US')} events/s, raw ${Math.round(rawRate).toLocaleString('en-US')} events/s; ${events.toLocaleString('en-US')} events of ${n * callsPerWriter} calls`,
      });
      figure({
        name: `fleet N=${n}: commit p99 (enqueue → committed)`,
        value: percentile(commits, 99),
        unit: 'ms',
        target: '',
        met: null,
        note: `p50 ${percentile(commits, 50).toFixed(0)} ms; every event handed over at once, so this is queueing under saturation`,
      });
      figure({
        name: `fleet N=${n}: acknowledged events missing / present twice`,
        value: missing + twice,
        unit: 'events',
        target: '= 0',
        met: missing === 0 && twice === 0,
        note: `${missing} missing, ${twice} twice, of ${acknowledged.toLocaleString('en-US')} acknowledged`,
      });
    } finally {
      await store.drop();
      await raw.drop();
    }
  }
}
