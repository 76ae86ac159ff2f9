import { expect, inject, it } from 'vitest';
import path from 'node:path';
import { checkStore } from './support/store-check.js';
import { startWriter } from './support/child.js';
import { recordFault } from './support/fault-reporter.js';

// kill -9 of a writing process, 20 times at random points, all on one SQLite file.
it('survives kill -9 mid-stream 20 times: every acknowledged event stored, no gaps, projections = log, integrity ok [sqlite]', async ({
  task,
}) => {
  const url = `sqlite:${path.join(inject('tmpDir'), 'kill9.db')}`;
  const acked: string[] = [];
  const RUNS = 20;
  for (let run = 0; run < RUNS; run++) {
    const writer = startWriter(url, { run: `k${run}`, parallel: 6 });
    // A random point: after 1–300 acknowledged messages, plus up to 40 ms of whatever is in flight.
    await writer.waitForAcks(1 + Math.floor(Math.random() * 300));
    await new Promise((r) => setTimeout(r, Math.random() * 40));
    writer.child.kill('SIGKILL');
    await writer.exited;
    acked.push(...writer.acked);
  }
  const { health, messageIds, logger } = await checkStore(url);
  await logger.close();
  const lost = acked.filter((id) => !messageIds.has(id)).length;
  recordFault(task, {
    fault: 'kill -9 mid-stream (SQLite)',
    runs: RUNS,
    sent: acked.length,
    stored: acked.length - lost,
    lost,
    duplicated: health.duplicatedMessages,
  });
  expect(lost).toBe(0);
  expect(health.callsWithGaps).toEqual([]);
  expect(health.duplicateEventIds).toBe(0);
  expect(health.duplicatedMessages).toBe(0);
  expect(health.projectionsMatchLog).toBe(true);
  expect(health.integrity).toBe('ok');
  expect(messageIds.size).toBeGreaterThanOrEqual(acked.length);
}, 300_000);
