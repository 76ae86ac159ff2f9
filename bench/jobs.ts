/**
 * The job-process model: LiveKit forks one process per call from a pool of prewarmed idle
 * processes (`ipc/job_proc_executor.ts`). For K = 1, 10, 25 concurrent processes and each
 * backend, K processes of bench/job-child.ts are forked, prewarmed, started on one scripted call
 * at once, and shut down; the same K without the plugin give the baseline. Per process: prewarm
 * time, RSS added, database connections held, event-loop p99 / max added from the first event,
 * close → committed, and events lost when killed right after the shutdown callback.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { JobInit, JobReport } from './job-child.js';
import { figure, percentile } from './report.js';

const CHILD = new URL('./job-child.ts', import.meta.url);

interface Job {
  child: ChildProcess;
  report: JobReport;
  /** Most connections to the database held at once (PostgreSQL sockets, or SQLite file handles). */
  connections: number;
}

type Backend = { name: 'sqlite' | 'postgres'; url: (k: number) => string; file?: string; pgPort?: number };

function next(child: ChildProcess, kind: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: Record<string, unknown>) => {
      if (m['kind'] !== kind) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(m);
    };
    const onExit = (code: number | null) => reject(new Error(`a job process exited (code ${code}) before '${kind}'`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Connections a process holds now: TCP sockets to `pgPort`, or descriptors open on `file` (SQLite). */
function connectionsOf(pid: number, backend: Backend): number {
  let links: string[];
  try {
    links = fs.readdirSync(`/proc/${pid}/fd`).map((fd) => {
      try {
        return fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        return '';
      }
    });
  } catch {
    return 0;
  }
  if (backend.file) return links.filter((l) => l === backend.file).length;
  const sockets = new Set(links.filter((l) => l.startsWith('socket:[')).map((l) => l.slice(8, -1)));
  const port = backend.pgPort!.toString(16).toUpperCase().padStart(4, '0');
  let n = 0;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6'])
    for (const line of fs.readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length > 9 && cols[2]!.endsWith(`:${port}`) && sockets.has(cols[9]!)) n++;
    }
  return n;
}

/** K job processes through one call each; `kill`: killed right after the shutdown callback returned. */
async function runJobs(
  k: number,
  mode: JobInit['mode'],
  backend: Backend,
  prefix: string,
  kill: boolean,
  writer: JobInit['writer'] = 'inline',
): Promise<Job[]> {
  // The processes' own logs (the store's retry warnings under SQLite's lock) are kept, not printed:
  // the tail of one is shown if it exits early.
  const children = Array.from({ length: k }, () => {
    const child = fork(CHILD, [], { execArgv: process.execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let tail = '';
    child.stderr!.on('data', (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-2000)));
    child.once('exit', (code) => {
      if (code !== 0 && code !== null) console.error(`a job process exited with code ${code}:\n${tail}`);
    });
    return child;
  });
  const jobs: Job[] = [];
  try {
    await Promise.all(
      children.map((child, i) => {
        const init: JobInit = { mode, writer, databaseUrl: backend.url(k), callId: `${prefix}-${i}` };
        child.send(init);
        return next(child, 'initialized');
      }),
    );
    const peak = children.map(() => 0);
    const sampler = setInterval(() => {
      children.forEach((c, i) => (peak[i] = Math.max(peak[i]!, connectionsOf(c.pid!, backend))));
    }, 200);
    const reports = children.map((c) => next(c, 'report'));
    for (const c of children) c.send('start');
    const done = (await Promise.all(reports)) as unknown as JobReport[];
    clearInterval(sampler);
    children.forEach((c, i) => (peak[i] = Math.max(peak[i]!, connectionsOf(c.pid!, backend))));
    for (let i = 0; i < k; i++) jobs.push({ child: children[i]!, report: done[i]!, connections: peak[i]! });
    await Promise.all(
      children.map((c) => {
        const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
        if (kill) c.kill('SIGKILL');
        else c.send('exit');
        return exited;
      }),
    );
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
  return jobs;
}

/**
 * Events stored for the calls `prefix-0 … prefix-(k-1)`, and the writers' own system events
 * (no call: an outage report, say) recorded from `since` on — they count as acknowledged too.
 */
async function stored(backend: Backend, k: number, prefix: string, since: number): Promise<number> {
  const ids = Array.from({ length: k }, (_, i) => `${prefix}-${i}`);
  if (backend.name === 'postgres') {
    const client = new pg.Client({ connectionString: backend.url(k) });
    await client.connect();
    try {
      const r = await client.query<{ n: string }>(
        'SELECT count(*) AS n FROM events WHERE call_id = ANY($1) OR (call_id IS NULL AND recorded_at >= $2)',
        [ids, since],
      );
      return Number(r.rows[0]!.n);
    } finally {
      await client.end();
    }
  }
  const file = backend.file;
  if (file === undefined) throw new Error('no SQLite file');
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(file, { readonly: true });
  try {
    const sql = `SELECT count(*) AS n FROM events WHERE call_id IN (${ids.map(() => '?').join(',')}) OR (call_id IS NULL AND recorded_at >= ?)`;
    const row = db.prepare(sql).get(...ids, since) as { n: number };
    return row.n;
  } finally {
    db.close();
  }
}

const median = (xs: number[]) => percentile(xs, 50);
const max = (xs: number[]) => Math.max(...xs);

/** The jobs figures for each K, SQLite and PostgreSQL. */
export async function jobs(options: { dir: string; pgUrl: string; ks: number[]; postgres: boolean }): Promise<void> {
  // The job processes load the package as installed: its build.
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: new URL('..', import.meta.url), stdio: 'inherit' });
  const file = path.join(options.dir, 'jobs.db');
  const pgDb = `convlog_bench_jobs_${process.pid}`;
  const admin = new pg.Client({ connectionString: options.pgUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${pgDb}`);
  const pgUrl = new URL(options.pgUrl);
  pgUrl.pathname = `/${pgDb}`;
  const backends: Backend[] = [
    { name: 'sqlite', url: () => `sqlite:${file}`, file },
    { name: 'postgres', url: () => pgUrl.href, pgPort: Number(pgUrl.port || 5432) },
  ].filter((b) => options.postgres || b.name === 'sqlite') as Backend[];
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
  try {
    for (const k of options.ks) {
      // One process gives one sample of each figure, and the event loop of one 10 s call varies by
      // about a millisecond from run to run: a small K runs ⌈5 / K⌉ rounds, logging off and on
      // alternating (so a drift of the machine's speed falls on both), and takes the figures over
      // every process of every round.
      const rounds = Math.ceil(5 / k);
      const off: Job[] = [];
      const onBy = new Map<Backend, Job[]>(backends.map((b) => [b, []]));
      const acknowledgedBy = new Map<Backend, { acknowledged: number; lost: number }>(
        backends.map((b) => [b, { acknowledged: 0, lost: 0 }]),
      );
      for (let round = 0; round < rounds; round++) {
        off.push(...(await runJobs(k, 'off', backends[0]!, `off-${k}-${round}`, false)));
        for (const backend of backends) {
          const onSince = Date.now();
          const on = await runJobs(k, 'log', backend, `log-${k}-${round}`, false);
          onBy.get(backend)!.push(...on);
          const acknowledged = on.reduce((n, j) => n + j.report.appended, 0);
          const tally = acknowledgedBy.get(backend)!;
          tally.acknowledged += acknowledged;
          tally.lost += acknowledged - (await stored(backend, k, `log-${k}-${round}`, onSince));
        }
      }
      const offGrowth = median(off.map((j) => j.report.rssCallMb - j.report.rssStartMb));
      const offP99 = median(off.map((j) => j.report.loopP99Ms));
      const offMax = median(off.map((j) => j.report.loopMaxMs));
      const samples = `${off.length} processes each way${rounds > 1 ? ` over ${rounds} alternating rounds` : ''}`;
      for (const backend of backends) {
        const tag = `jobs [${backend.name}] K=${k}`;
        const on = onBy.get(backend)!;
        const { acknowledged, lost: lostAtExit } = acknowledgedBy.get(backend)!;
        const r = on.map((j) => j.report);
        const prewarm = r.map((x) => x.prewarmMs);
        figure({
          name: `${tag}: prewarm per process, p50`,
          value: median(prewarm),
          unit: 'ms',
          target: '< 10000 ms (initializeProcessTimeout)',
          met: max(prewarm) < 10_000,
          note: `max ${max(prewarm).toFixed(0)} ms`,
        });
        const rss = r.map((x) => x.rssCallMb - x.rssStartMb - offGrowth);
        figure({
          name: `${tag}: RSS added per process, p50`,
          value: median(rss),
          unit: 'MB',
          target: '≤ 20 MB',
          met: max(rss) <= 20,
          note: `max ${max(rss).toFixed(1)} MB; after prewarm +${median(r.map((x) => x.rssPrewarmedMb - x.rssStartMb)).toFixed(1)} MB; baseline process ${median(off.map((j) => j.report.rssCallMb)).toFixed(0)} MB`,
        });
        const conns = max(on.map((j) => j.connections));
        if (backend.file)
          figure({
            name: `${tag}: SQLite file handles per process, max`,
            value: conns,
            unit: '',
            target: '',
            met: null,
            note: 'the writer, which also checkpoints the WAL when it closes; no server connection',
          });
        else
          figure({
            name: `${tag}: PostgreSQL connections per process, max`,
            value: conns,
            unit: '',
            target: '≤ 1',
            met: conns <= 1,
            note: 'TCP connections held, sampled every 200 ms',
          });
        const p99 = median(r.map((x) => x.loopP99Ms)) - offP99;
        figure({
          name: `${tag}: event-loop p99 added from the first event, p50 of processes`,
          value: p99,
          unit: 'ms',
          target: '< 1 ms',
          met: p99 < 1,
          note: `off ${offP99.toFixed(2)} ms, on ${(offP99 + p99).toFixed(2)} ms; ${samples}`,
        });
        const mx = median(r.map((x) => x.loopMaxMs)) - offMax;
        figure({
          name: `${tag}: event-loop max added from the first event, p50 of processes`,
          value: mx,
          unit: 'ms',
          target: '< 5 ms',
          met: mx < 5,
          note: `off ${offMax.toFixed(1)} ms, on ${(offMax + mx).toFixed(1)} ms; ${samples}`,
        });
        const c2c = r.map((x) => x.closeToCommitMs);
        figure({
          name: `${tag}: session close → committed, p99`,
          value: percentile(c2c, 99),
          unit: 'ms',
          target: '< 1000 ms (shutdown window 60 s)',
          met: percentile(c2c, 99) < 1000,
          note: `max ${max(c2c).toFixed(0)} ms; session.close() itself p50 ${median(r.map((x) => x.sessionCloseMs)).toFixed(0)} ms`,
        });
        const killedSince = Date.now();
        const killed = await runJobs(k, 'log', backend, `kill-${k}`, true);
        const killedAck = killed.reduce((n, j) => n + j.report.appended, 0);
        const lostKilled = killedAck - (await stored(backend, k, `kill-${k}`, killedSince));
        // The other writer, for the choice (docs/architecture.md, "Writer").
        const workerJobs = await runJobs(k, 'log', backend, `worker-${k}`, false, 'worker');
        const worker = workerJobs.map((j) => j.report);
        const workerConns = max(workerJobs.map((j) => j.connections));
        figure({
          name: `${tag}, writer thread instead: RSS added per process, p50`,
          value: median(worker.map((x) => x.rssCallMb - x.rssStartMb - offGrowth)),
          unit: 'MB',
          target: '',
          met: null,
          note: `event-loop p99 added ${(median(worker.map((x) => x.loopP99Ms)) - offP99).toFixed(2)} ms, max added ${(median(worker.map((x) => x.loopMaxMs)) - offMax).toFixed(1)} ms, prewarm p50 ${median(worker.map((x) => x.prewarmMs)).toFixed(0)} ms, ${workerConns} ${backend.file ? 'file handles' : 'connections'}`,
        });
        figure({
          name: `${tag}: acknowledged events lost, killed after the shutdown callback`,
          value: Math.max(lostKilled, 0),
          unit: 'events',
          target: '0',
          met: lostKilled <= 0 && lostAtExit <= 0,
          note: `${killedAck} acknowledged; on a normal exit ${Math.max(lostAtExit, 0)} of ${acknowledged} lost`,
        });
      }
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${pgDb} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
}
