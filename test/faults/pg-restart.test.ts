import { afterAll, beforeAll, expect, it } from 'vitest';
import { recordFault } from './support/fault-reporter.js';
import { freePort, PrivateCluster } from './support/pg-cluster.js';
import { checkStore } from './support/store-check.js';
import { startWriter } from './support/child.js';

// Restarting the shared server would break everyone else's tests: this one gets its own cluster.
// A port the system gives (5400 + pid % 500 once landed on 5432, the shared server's).
const cluster = new PrivateCluster(await freePort());
beforeAll(() => cluster.create(), 120_000);
afterAll(() => cluster.drop());

it('PostgreSQL restarted mid-stream: the pool reconnects, nothing acknowledged is lost, no duplicates [postgres]', async ({ task }) => {
  const RESTARTS = 3;
  const writer = startWriter(cluster.url, { run: 'pgr', parallel: 8, calls: 0 });
  await writer.waitForAcks(100);
  for (let i = 0; i < RESTARTS; i++) {
    cluster.restart(); // in-flight transactions die with their connections
    const before = writer.acked.length;
    await writer.waitForAcks(before + 100, 60_000); // and writing goes on
  }
  writer.child.kill('SIGTERM');
  expect(await writer.exited, `writer exit code; its stderr: ${writer.stderr()}`).toBe(0);
  const enqueued = Number(writer.lines.find((l) => l.startsWith('closed '))!.slice(7));
  const { health, messageIds, logger } = await checkStore(cluster.url);
  await logger.close();
  const lost = writer.acked.filter((id) => !messageIds.has(id)).length;
  recordFault(task, {
    fault: `PostgreSQL restarted ${RESTARTS}× mid-stream`,
    runs: RESTARTS,
    sent: enqueued,
    stored: health.events,
    lost,
    duplicated: health.duplicatedMessages,
  });
  expect(lost).toBe(0);
  expect(health.events).toBe(enqueued); // every event once: retried batches were not written twice
  expect(health.storeReports).toBeGreaterThanOrEqual(1); // each outage reported once it was over
  expect(health.storeReports).toBeLessThanOrEqual(RESTARTS);
  expect(health.duplicatedMessages).toBe(0);
  expect(health.callsWithGaps).toEqual([]);
  expect(health.projectionsMatchLog).toBe(true);
}, 180_000);
