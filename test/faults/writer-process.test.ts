import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, inject, it } from 'vitest';
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
