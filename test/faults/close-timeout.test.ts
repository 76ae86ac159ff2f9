import { EventEmitter } from 'node:events';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, inject, it } from 'vitest';
import { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { attachConversationLog } from '../../src/plugin/attach.js';
import { describeEachBackend, freshDatabaseUrl, quietLog, type Backend } from '../support/stores.js';
import { runOutageChild } from './support/child.js';
import { freePort } from './support/pg-cluster.js';
import { TcpProxy, viaPort } from './support/tcp-proxy.js';

let counter = 0;
const storeUrl = async (backend: Backend) =>
  backend === 'sqlite'
    ? `sqlite:${path.join(inject('tmpDir'), `unwritable-${process.pid}-${++counter}.db`)}`
    : freshDatabaseUrl('postgres');

let cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

/**
 * An open logger whose store then cannot be written: PostgreSQL reached through a proxy that
 * stops; SQLite with another connection holding the write lock.
 */
async function unwritableLogger(backend: Backend): Promise<ConversationLogger> {
  const url = await storeUrl(backend);
  const proxy = backend === 'postgres' ? new TcpProxy(await freePort()) : null;
  await proxy?.start();
  const logger = await ConversationLogger.open({
    databaseUrl: proxy ? viaPort(url, proxy.port) : url,
    flushIntervalMs: 5,
    retryBaseDelayMs: 20,
    retryMaxDelayMs: 200,
    poolSize: 1,
    poolOverflow: 0,
    log: quietLog,
  });
  cleanups.push(async () => void (await logger.close({ timeoutMs: 1000 })));
  await logger.startCall({ callId: 'unwritable' });
  if (proxy) await proxy.stop();
  else {
    const holder = new Database(url.slice('sqlite:'.length));
    holder.exec('BEGIN IMMEDIATE');
    cleanups.push(() => void holder.close());
  }
  return logger;
}

describeEachBackend('closing while the store cannot be written', (backend) => {
  for (const writerThread of ['worker', 'inline'] as const)
    it(`given writes pending on a store that cannot be written (${writerThread} writer), when close({ timeoutMs: 2000 }) is called, then it settles with the count it could not write, each write rejects WRITE_ABANDONED, and the process exits by itself`, async () => {
      const child = await runOutageChild(['unwritable', backend, await storeUrl(backend), writerThread]);
      expect(child.endedByItself, `still running; stderr: ${child.stderr}`).toBe(true);
      expect(child.code).toBe(0);
      const result = JSON.parse(child.lines.at(-1)!) as { report: unknown; codes: string[]; retryable: boolean[] };
      expect(result.report).toEqual({ timedOut: true, unwritten: 40 });
      expect(result.codes).toEqual(Array(40).fill('WRITE_ABANDONED'));
      expect(result.retryable).toEqual(Array(40).fill(false));
    });

  if (backend === 'sqlite')
    it("given the writer thread waiting on SQLite's write lock at the close deadline, when close ends the thread, then the process does not abort and exits by itself with every write counted", async () => {
      // A busy wait of 1.5 s in each attempt: the deadline falls inside one.
      const child = await runOutageChild(['unwritable', backend, await storeUrl(backend), 'worker', '1500']);
      expect(child.endedByItself, `still running; stderr: ${child.stderr}`).toBe(true);
      expect(child.code, `stderr: ${child.stderr}`).toBe(0);
      const result = JSON.parse(child.lines.at(-1)!) as { report: unknown; codes: string[] };
      expect(result.report).toEqual({ timedOut: true, unwritten: 40 });
      expect(result.codes).toEqual(Array(40).fill('WRITE_ABANDONED'));
    });

  it('given a store that cannot be written, when flush({ timeoutMs }) is called, then it rejects FLUSH_TIMEOUT (retryable) and the events stay queued', async () => {
    const logger = await unwritableLogger(backend);
    const write = logger.logEvent({ eventType: 'queued', message: 'not yet', callId: 'unwritable' });
    write.catch(() => undefined);
    await expect(logger.flush({ timeoutMs: -5 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'timeoutMs' });
    await expect(logger.flush({ timeoutMs: 500 })).rejects.toMatchObject({ code: 'FLUSH_TIMEOUT', retryable: true });
    // Still queued, not given up: close() gives up on it, and counts it.
    expect(await logger.close({ timeoutMs: 500 })).toEqual({ timedOut: true, unwritten: 1 });
    await expect(write).rejects.toMatchObject({ code: 'WRITE_ABANDONED', retryable: false });
    expect(logger.getWriterStats().abandoned).toBe(1);
  });

  it("given a LiveKit job whose store cannot be written, when the job's shutdown callbacks run, then they settle within the plugin's shutdownTimeoutMs", async () => {
    const logger = await unwritableLogger(backend);
    const shutdown: Array<() => Promise<void>> = [];
    const ctx = {
      job: { id: 'job-unwritable', room: { name: 'room-u' } },
      addShutdownCallback: (cb: () => Promise<void>) => void shutdown.push(cb),
    };
    // A timeout that cannot be is refused when attaching, not found out at shutdown.
    await expect(
      attachConversationLog(new EventEmitter(), undefined, { sink: logger, shutdownTimeoutMs: Number.NaN }),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      field: 'shutdownTimeoutMs',
    });
    const handle = await attachConversationLog(new EventEmitter(), ctx, { sink: logger, shutdownTimeoutMs: 1000 });
    // The shutdown callback swallows the failure; the handle's close says what it was.
    await Promise.all(shutdown.map((cb) => cb()));
    await expect(handle.close()).rejects.toMatchObject({ code: 'FLUSH_TIMEOUT' });
  });
});
