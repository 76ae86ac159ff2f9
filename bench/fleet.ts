/**
 * Fleet scale on PostgreSQL: N writer processes (N = 1, 2, 4, 8 by default), each logging its own
 * concurrent calls through the plugin's path (the mapper's events, the writer a job process runs:
 * inline, one connection), into one database; then the same rows inserted by raw `pg` multi-row
 * inserts from N processes, in the same run, in alternating rounds. Prints events/s for each N and the ratio to raw, the commit p99 (enqueue →
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

/** One round at one N: the store's writers, then the same rows raw, each measured on its own. */
interface Round {
  events: number;
  acknowledged: number;
  oursRate: number;
  rawRate: number;
  storeCpuUs: number;
  rawCpuUs: number;
  storeWriterUs: number;
  rawWriterUs: number;
  commits: number[];
  missing: number;
  twice: number;
}

const writerUs = (reports: FleetReport[], count: number) => (reports.reduce((s, r) => s + r.cpuMs, 0) * 1000) / count;

/**
 * One round at N writers: the store's writers into a fresh schema, what each acknowledged
 * checked call by call against what the store holds, then the same rows by raw inserts from N
 * processes into another fresh schema (the rows of the first round, read back from its store,
 * are kept in `rows` for the rounds after it).
 */
async function round(baseUrl: string, dir: string, n: number, callsPerWriter: number, rows: Map<string, string>): Promise<Round> {
  const store = await schema(baseUrl, `convlog_fleet_store_${process.pid}_${n}`);
  const raw = await schema(baseUrl, `convlog_fleet_raw_${process.pid}_${n}`);
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    const startedAt = Date.now() - 3_600_000;
    const prefixes = Array.from({ length: n }, (_, i) => `fleet${n}-w${i}`);
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
    for (const prefix of prefixes) {
      if (rows.has(prefix)) continue;
      const read = async (t: Table) =>
        (
          await client.query(`SELECT * FROM ${t} WHERE ${CALL_COLUMN[t]} LIKE $1 ORDER BY ${t === 'events' ? 'position' : '1'}`, [
            `${prefix}-%`,
          ])
        ).rows as Row[];
      const rowsFile = path.join(dir, `fleet-rows-${process.pid}-${prefix}.json`);
      fs.writeFileSync(rowsFile, JSON.stringify(await rowBatches(read, 500)));
      rows.set(prefix, rowsFile);
    }
    await client.end();
    const reference = await runAll(
      prefixes.map((prefix) => ({ kind: 'raw', url: named(raw.url, rawApp), rowsFile: rows.get(prefix)! })),
      new ServerCpu(admin, rawApp),
    );
    const rawEvents = reference.reports.reduce((s, r) => s + r.events, 0);
    return {
      events,
      acknowledged,
      oursRate: events / (ours.wallMs / 1000),
      rawRate: rawEvents / (reference.wallMs / 1000),
      // What the one database pays per event: with writers on machines of their own (a fleet),
      // this is what bounds the events/s one PostgreSQL takes.
      storeCpuUs: (ours.serverCpuMs * 1000) / events,
      rawCpuUs: (reference.serverCpuMs * 1000) / rawEvents,
      storeWriterUs: writerUs(ours.reports, events),
      rawWriterUs: writerUs(reference.reports, rawEvents),
      commits: ours.reports.flatMap((r) => r.commitMs),
      missing,
      twice,
    };
  } finally {
    await admin.end();
    await store.drop();
    await raw.drop();
  }
}

/**
 * For each N, `rounds` alternating rounds (store, then raw, each into a fresh schema); the
 * figures are each side's best round (events/s highest, CPU per event lowest: the round least
 * disturbed by the rest of the machine), the missing and duplicated events summed over every round.
 */
export async function fleet(options: {
  baseUrl: string;
  dir: string;
  ns: number[];
  callsPerWriter: number;
  rounds: number;
}): Promise<void> {
  const { baseUrl, dir, ns, callsPerWriter, rounds } = options;
  fs.mkdirSync(dir, { recursive: true });
  for (const n of ns) {
    const rows = new Map<string, string>();
    const done: Round[] = [];
    try {
      for (let r = 0; r < rounds; r++) done.push(await round(baseUrl, dir, n, callsPerWriter, rows));
    } finally {
      for (const file of rows.values()) fs.rmSync(file, { force: true });
    }
    const best = (pick: (r: Round) => number, most: boolean) => (most ? Math.max : Math.min)(...done.map(pick));
    const [oursRate, rawRate] = [best((r) => r.oursRate, true), best((r) => r.rawRate, true)];
    const [storeCpuUs, rawCpuUs] = [best((r) => r.storeCpuUs, false), best((r) => r.rawCpuUs, false)];
    const [storeWriterUs, rawWriterUs] = [best((r) => r.storeWriterUs, false), best((r) => r.rawWriterUs, false)];
    const events = done[0]!.events;
    const acknowledged = done.reduce((s, r) => s + r.acknowledged, 0);
    const missing = done.reduce((s, r) => s + r.missing, 0);
    const twice = done.reduce((s, r) => s + r.twice, 0);
    const commits = done.flatMap((r) => r.commits);
    const each = (pick: (r: Round) => number) => done.map((r) => Math.round(pick(r)).toLocaleString('en-US')).join(', ');
    const of = `best of ${rounds} alternating round${rounds === 1 ? '' : 's'}`;
    figure({
      name: `fleet N=${n}: database CPU per event, raw pg / store`,
      value: rawCpuUs / storeCpuUs,
      unit: '×',
      target: '≥ 0.7',
      met: rawCpuUs / storeCpuUs >= 0.7,
      note: `server processes' CPU: store ${storeCpuUs.toFixed(1)} µs an event, raw ${rawCpuUs.toFixed(1)} µs, ${of}; the events/s one PostgreSQL takes from writers on machines of their own`,
    });
    figure({
      name: `fleet N=${n}: writer process CPU per event, store / raw pg`,
      value: storeWriterUs / rawWriterUs,
      unit: '×',
      target: '',
      met: null,
      note: `store ${storeWriterUs.toFixed(1)} µs an event (every thread), raw ${rawWriterUs.toFixed(1)} µs, ${of}; on this machine the writers and the database share ${os.cpus().length} cores`,
    });
    figure({
      name: `fleet N=${n}: store / raw pg, ${n} writer process${n === 1 ? '' : 'es'} into one PostgreSQL`,
      value: oursRate / rawRate,
      unit: '×',
      target: '≥ 0.7',
      met: oursRate / rawRate >= 0.7,
      note: `store ${Math.round(oursRate).toLocaleString('en-US')} events/s, raw ${Math.round(rawRate).toLocaleString('en-US')} events/s, ${of} (store ${each((r) => r.oursRate)}; raw ${each((r) => r.rawRate)}); ${events.toLocaleString('en-US')} events of ${n * callsPerWriter} calls a round`,
    });
    figure({
      name: `fleet N=${n}: commit p99 (enqueue → committed)`,
      value: percentile(commits, 99),
      unit: 'ms',
      target: '',
      met: null,
      note: `p50 ${percentile(commits, 50).toFixed(0)} ms over every round; every event handed over at once, so this is queueing under saturation`,
    });
    figure({
      name: `fleet N=${n}: acknowledged events missing / present twice`,
      value: missing + twice,
      unit: 'events',
      target: '= 0',
      met: missing === 0 && twice === 0,
      note: `${missing} missing, ${twice} twice, of ${acknowledged.toLocaleString('en-US')} acknowledged over ${rounds} round${rounds === 1 ? '' : 's'}`,
    });
  }
}
