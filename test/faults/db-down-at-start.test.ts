import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { describeEachBackend, freshDatabaseUrl, quietLog, type Backend } from '../support/stores.js';
import { skipWithout } from '../support/requirements.js';
import { runOutageChild } from './support/child.js';
import { freePort } from './support/pg-cluster.js';
import { TcpProxy, viaPort } from './support/tcp-proxy.js';

/**
 * A store that cannot be reached when the process starts, and `restore()` makes it reachable:
 * PostgreSQL on a loopback port nothing listens on, until a proxy to the real server starts
 * there; SQLite under a path whose directory is a regular file, until that file is removed.
 */
interface DownStore {
  url: string;
  restore: () => Promise<void>;
  cleanup: () => Promise<void>;
}

let counter = 0;
async function downStore(backend: Backend): Promise<DownStore> {
  if (backend === 'postgres') {
    const real = await freshDatabaseUrl('postgres');
    const proxy = new TcpProxy(await freePort());
    return { url: viaPort(real, proxy.port), restore: () => proxy.start(), cleanup: () => proxy.stop() };
  }
  const blocker = path.join(inject('tmpDir'), `down-${process.pid}-${++counter}`);
  fs.writeFileSync(blocker, 'a file where the store directory should be');
  return {
    url: `sqlite:${path.join(blocker, 'store.db')}`,
    restore: async () => fs.rmSync(blocker),
    cleanup: async () => fs.rmSync(blocker, { recursive: true, force: true }),
  };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  cleanups = [];
});

describeEachBackend('database down when the process starts', (backend) => {
  it('given a store unreachable at start, when the agent logs, then writes queue, reads reject DB_UNAVAILABLE, and once it is reachable everything is written in order', async () => {
    // given: a logger made while the store cannot be reached (as getConversationLogger() makes one)
    const store = await downStore(backend);
    cleanups.push(store.cleanup);
    // Small batches: at recovery several are queued, and the writer thread takes two at a time.
    const logger = new ConversationLogger({
      databaseUrl: store.url,
      batchSize: 5,
      flushIntervalMs: 5,
      retryBaseDelayMs: 20,
      retryMaxDelayMs: 300,
      poolSize: 2,
      poolOverflow: 0,
      log: quietLog,
    });
    cleanups.push(async () => void (await logger.close({ timeoutMs: 2000 })));

    // when: the agent logs a call while the store is down
    const settled: string[] = [];
    const writes: Promise<unknown>[] = [logger.startCall({ callId: 'late' })];
    for (let i = 0; i < 20; i++) writes.push(logger.logEvent({ eventType: 'while_down', message: `event ${i}`, callId: 'late' }));
    writes.push(logger.endCall('late'));
    writes.forEach(
      (w, i) =>
        void w.then(
          () => settled.push(`ok ${i}`),
          (e: { code: string }) => settled.push(`${e.code} ${i}`),
        ),
    );
    await pause(1500);

    // then: nothing is settled, the writer says it is degraded, and a read says why, retryable
    expect(settled).toEqual([]);
    expect(logger.getWriterStats()).toMatchObject({ degraded: true, appended: 0 });
    await expect(logger.getCallStatistics({ hours: 1 })).rejects.toMatchObject({ code: 'DB_UNAVAILABLE', retryable: true });

    // when: the store becomes reachable
    await store.restore();

    // then: every write is acknowledged, and the log holds them in the order they were made
    await Promise.all(writes);
    const ds = await logger.dataSource();
    const rows = (await ds.query(`SELECT type, data FROM events WHERE call_id = 'late' ORDER BY stream_position`)) as Array<{
      type: string;
      data: string | { message?: string };
    }>;
    const messages = rows
      .filter((r) => r.type === 'system_event_logged')
      .map((r) => (typeof r.data === 'string' ? (JSON.parse(r.data) as { message: string }) : r.data).message);
    expect(rows[0]?.type).toBe('call_started');
    expect(rows.at(-1)?.type).toBe('call_ended');
    expect(messages).toEqual(Array.from({ length: 20 }, (_, i) => `event ${i}`));
    // Reads work again, and the schema was migrated on the way.
    const stats = await logger.getCallStatistics({ hours: 1 });
    expect(stats.calls.total).toBe(1);
    await logger.flush(); // the outage's own report
    expect(logger.getWriterStats()).toMatchObject({ degraded: false, queued: 0 });
  });

  it('given a store unreachable at start, when the script ends without closing the process-wide logger, then the process exits by itself', async () => {
    const store = await downStore(backend);
    cleanups.push(store.cleanup);
    const child = await runOutageChild(['down', store.url, 'end']);
    expect(child.endedByItself, `still running; stderr: ${child.stderr}`).toBe(true);
    expect(child.code).toBe(0);
    expect(child.lines).toContain('"end"');
  });

  it('given a store unreachable at start, when close({ timeoutMs }) is called, then it settles with what it could not write, each write rejects WRITE_ABANDONED, and the process exits', async () => {
    const store = await downStore(backend);
    cleanups.push(store.cleanup);
    const child = await runOutageChild(['down', store.url, 'close']);
    expect(child.endedByItself, `still running; stderr: ${child.stderr}`).toBe(true);
    expect(child.code).toBe(0);
    const result = JSON.parse(child.lines.at(-1)!) as { report: unknown; codes: string[]; retryable: boolean[] };
    expect(result.report).toEqual({ timedOut: true, unwritten: 6 });
    expect(result.codes).toEqual(Array(6).fill('WRITE_ABANDONED'));
    expect(result.retryable).toEqual(Array(6).fill(false));
  });
});

describe.skipIf(skipWithout('postgres'))('PostgreSQL database not created yet', () => {
  it('given a database that does not exist at start, when it is created, then the queued writes migrate it and are written [postgres]', async () => {
    // given: a logger on a database nobody has created yet
    const name = `convlog_late_${process.pid}_${Date.now().toString(36)}`;
    const url = new URL(inject('pgUrl'));
    const admin = new pg.Client({ connectionString: url.toString() });
    await admin.connect();
    cleanups.push(async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    });
    url.pathname = `/${name}`;
    const logger = new ConversationLogger({
      databaseUrl: url.toString(),
      flushIntervalMs: 5,
      retryBaseDelayMs: 20,
      retryMaxDelayMs: 300,
      poolSize: 2,
      poolOverflow: 0,
      log: quietLog,
    });
    cleanups.push(async () => void (await logger.close({ timeoutMs: 2000 })));
    const settled: string[] = [];
    const writes = [logger.startCall({ callId: 'created-later' }), logger.endCall('created-later')];
    writes.forEach(
      (w) =>
        void w.then(
          () => settled.push('ok'),
          (e: { code: string }) => settled.push(e.code),
        ),
    );
    await pause(1500);
    expect(settled).toEqual([]); // waiting, not refused

    // when: the database is created
    await admin.query(`CREATE DATABASE ${name}`);

    // then: the writes land in it, migrated
    await Promise.all(writes);
    const history = await logger.getCallStatistics({ hours: 1 });
    expect(history.calls).toMatchObject({ total: 1, completed: 1 });
  });
});
