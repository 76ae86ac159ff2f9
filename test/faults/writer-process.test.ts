import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { Worker } from 'node:worker_threads';
import winston from 'winston';
import { expect, inject, it } from 'vitest';
import { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { describeEachBackend, freshDatabaseUrl } from '../support/stores.js';
import { startWriter, type Writer } from './support/child.js';
import { recordFault } from './support/fault-reporter.js';
import { checkStore } from './support/store-check.js';

/**
 * `writerThread: 'process'` (CONVERSATION_LOG_WRITER=process): the writer's connection lives in a
 * child process of the agent's, so what kills the writer — a fatal signal no thread survives —
 * does not kill the agent; the writer is replaced and the outage reported.
 */
const PROCESS_WRITER = { CONVERSATION_LOG_WRITER: 'process' };

/** The writer process of `agent`: its child running the writer module. */
function writerPid(agent: Writer): number {
  const pids = execFileSync('pgrep', ['-P', String(agent.child.pid)], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map(Number);
  const writers = pids.filter((pid) => /writer-worker/.test(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8')));
  expect(writers, 'the agent has one writer process').toHaveLength(1);
  return writers[0]!;
}

/**
 * Stops `agent` (SIGTERM: it flushes and exits 0), records the fault and checks the store: every
 * acknowledged message stored, once, without gaps, the projections equal to the log. Returns the
 * store's own reports (system events of no call).
 */
async function stopAndCheck(agent: Writer, url: string, task: Parameters<typeof recordFault>[0], fault: string, runs: number) {
  agent.child.kill('SIGTERM');
  expect(await agent.exited, `agent exit code; its stderr: ${agent.stderr()}`).toBe(0);
  const { health, messageIds, logger } = await checkStore(url);
  const ds = await logger.dataSource();
  const reports = (await ds.query(`SELECT event_type, metadata FROM system_events WHERE call_id IS NULL`)) as Array<{
    event_type: string;
    metadata: string | Record<string, unknown>;
  }>;
  await logger.close();
  const lost = agent.acked.filter((id) => !messageIds.has(id)).length;
  recordFault(task, {
    fault,
    runs,
    sent: agent.acked.length,
    stored: agent.acked.length - lost,
    lost,
    duplicated: health.duplicatedMessages,
  });
  expect(lost).toBe(0);
  expect(health.duplicateEventIds).toBe(0);
  expect(health.duplicatedMessages).toBe(0);
  expect(health.callsWithGaps).toEqual([]);
  expect(health.projectionsMatchLog).toBe(true);
  expect(health.integrity).toBe('ok');
  return reports.filter((r) => r.event_type === 'store_write_failed').map((r) => JSON.stringify(r.metadata));
}

it('given an agent whose writer runs in its own process, when the store\u2019s -shm file is truncated under it (SIGBUS), then the agent lives on, a new writer takes over, nothing acknowledged is lost and the outage is reported [sqlite]', async ({
  task,
}) => {
  const file = path.join(inject('tmpDir'), `sigbus-${process.pid}.db`);
  const url = `sqlite:${file}`;
  const agent = startWriter(url, { run: 'bus', parallel: 4, calls: 0 }, PROCESS_WRITER);
  await agent.waitForAcks(100);
  const first = writerPid(agent);
  // when: the -shm file, which SQLite maps into the writer's memory, loses its pages
  fs.truncateSync(`${file}-shm`, 0);
  // then: the agent goes on acknowledging writes, through another writer process
  await agent.waitForAcks(agent.acked.length + 300, 60_000);
  expect(writerPid(agent)).not.toBe(first);
  const failed = await stopAndCheck(agent, url, task, 'SQLite -shm truncated under the writer process (SIGBUS)', 1);
  expect(failed).toEqual([expect.stringMatching(/writer process was killed by SIGBUS/)]);
}, 180_000);

// The same fault with the default writers (inline in a LiveKit job process, a thread elsewhere):
// what the process writer is for.
for (const writer of ['inline', 'worker'] as const)
  it(`given an agent whose writer runs in its own process's memory (${writer}), when the store\u2019s -shm file is truncated under it, then SIGBUS ends the agent [sqlite]`, async () => {
    const file = path.join(inject('tmpDir'), `sigbus-${writer}-${process.pid}.db`);
    const agent = startWriter(`sqlite:${file}`, { run: `bus-${writer}`, parallel: 4, calls: 0 }, { CONVERSATION_LOG_WRITER: writer });
    await agent.waitForAcks(100);
    fs.truncateSync(`${file}-shm`, 0);
    await agent.exited;
    expect(agent.child.signalCode).toBe('SIGBUS');
  }, 120_000);

describeEachBackend('the writer process', (backend) => {
  it('given an agent whose writer runs in its own process, when that process is killed mid-stream, then a new one takes over and nothing acknowledged is lost', async ({
    task,
  }) => {
    const url = await freshDatabaseUrl(backend);
    const agent = startWriter(url, { run: 'wp', parallel: 4, calls: 0 }, PROCESS_WRITER);
    const KILLS = 3;
    await agent.waitForAcks(100);
    for (let k = 0; k < KILLS; k++) {
      const pid = writerPid(agent);
      process.kill(pid, 'SIGKILL');
      await agent.waitForAcks(agent.acked.length + 150, 60_000);
      expect(writerPid(agent)).not.toBe(pid);
    }
    const failed = await stopAndCheck(agent, url, task, `writer process killed ${KILLS}× mid-stream (${backend})`, KILLS);
    expect(failed.length).toBeGreaterThanOrEqual(1);
    expect(failed.every((m) => /writer process was killed by SIGKILL/.test(m))).toBe(true);
  }, 180_000);
});

describeEachBackend('the writer thread', (backend) => {
  it('given the default writer thread, when it dies mid-stream, then a new thread takes the next batch, nothing acknowledged is lost and the outage is reported', async ({
    task,
  }) => {
    const url = await freshDatabaseUrl(backend);
    const lines: string[] = [];
    const log = winston.createLogger({
      level: 'error',
      format: winston.format.json(),
      transports: [
        new winston.transports.Stream({ stream: new Writable({ write: (c: Buffer, _e, done) => (lines.push(c.toString()), done()) }) }),
      ],
    });
    const logger = await ConversationLogger.open({ databaseUrl: url, writerThread: 'worker', flushIntervalMs: 5, log });
    // The thread, as the store holds it: no public handle ends a thread from outside, as an
    // uncaught error or an out-of-memory abort inside it would.
    const thread = () => (logger as unknown as { store: { appender: { worker: Worker | null } } }).store.appender.worker;
    const callId = await logger.startCall({ callId: 'thread-dies' });
    const conversationId = await logger.startConversation({ callId });
    const acked: string[] = [];
    let stop = false;
    const writing = (async () => {
      for (let i = 0; !stop; i++) {
        const batch = Array.from({ length: 10 }, (_, j) => logger.logUserMessage({ conversationId, content: `message ${i}.${j}` }));
        acked.push(...(await Promise.all(batch)));
      }
    })();
    await expect.poll(() => acked.length).toBeGreaterThan(100);
    const first = thread();
    expect(first).not.toBeNull();
    // when: the thread dies while batches are in flight
    await first!.terminate();
    const after = acked.length;
    // then: writes go on, through another thread
    await expect.poll(() => acked.length, { timeout: 30_000 }).toBeGreaterThan(after + 100);
    stop = true;
    await writing;
    expect(thread()).not.toBeNull();
    expect(thread()).not.toBe(first);
    await logger.flush();
    const ds = await logger.dataSource();
    const stored = new Set(((await ds.query(`SELECT id FROM messages`)) as Array<{ id: string }>).map((r) => r.id));
    const reports = (await ds.query(
      `SELECT metadata FROM system_events WHERE call_id IS NULL AND event_type = 'store_write_failed'`,
    )) as Array<{
      metadata: unknown;
    }>;
    await logger.close();
    const lost = acked.filter((id) => !stored.has(id)).length;
    recordFault(task, {
      fault: `writer thread terminated mid-stream (${backend})`,
      runs: 1,
      sent: acked.length,
      stored: acked.length - lost,
      lost,
      duplicated: 0,
    });
    expect(lost).toBe(0);
    // reported: an error in the log, and the outage on record in the store
    expect(lines.filter((l) => /writer thread exited with code \d+; a new one takes the next batch/.test(l))).toHaveLength(1);
    expect(reports.map((r) => JSON.stringify(r.metadata))).toEqual([expect.stringMatching(/writer thread exited/)]);
    const { health, logger: check } = await checkStore(url);
    await check.close();
    expect(health.duplicatedMessages).toBe(0);
    expect(health.projectionsMatchLog).toBe(true);
  }, 120_000);
});
