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

/** Forks one child per init, waits until every one is ready, starts them at once; their reports and the wall time (ms). */
async function runAll(inits: FleetInit[]): Promise<{ reports: FleetReport[]; wallMs: number }> {
  const children = inits.map(() => fork(CHILD, [], { execArgv: process.execArgv, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }));
  try {
    const ready = children.map((c) => message(c, 'ready'));
    children.forEach((c, i) => c.send(inits[i]!));
    await Promise.all(ready);
    const reports = children.map((c) => message(c, 'report'));
    const t0 = performance.now();
    for (const c of children) c.send({ kind: 'go' });
    const done = (await Promise.all(reports)).map((m) => m['report'] as FleetReport);
    return { reports: done, wallMs: performance.now() - t0 };
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
      const ours = await runAll(prefixes.map((prefix) => ({ kind: 'store', url: store.url, prefix, calls: callsPerWriter, startedAt })));
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
        inits.push({ kind: 'raw', url: raw.url, rowsFile });
      }
      await client.end();
      const reference = await runAll(inits);
      for (const i of inits) if (i.kind === 'raw') fs.rmSync(i.rowsFile, { force: true });

      const oursRate = events / (ours.wallMs / 1000);
      const rawRate = reference.reports.reduce((s, r) => s + r.events, 0) / (reference.wallMs / 1000);
      const commits = ours.reports.flatMap((r) => r.commitMs);
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
