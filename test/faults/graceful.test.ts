import { expect, inject, it } from 'vitest';
import path from 'node:path';
import { describeEachBackend, freshDatabaseUrl } from '../support/stores.js';
import { checkStore } from './support/store-check.js';
import { startWriter } from './support/child.js';
import { recordFault } from './support/fault-reporter.js';

describeEachBackend('graceful shutdown', (backend) => {
  it('SIGTERM mid-stream: everything enqueued before it is written', async ({ task }) => {
    const url = backend === 'sqlite' ? `sqlite:${path.join(inject('tmpDir'), 'sigterm.db')}` : await freshDatabaseUrl('postgres');
    const writer = startWriter(url, { run: 'term', parallel: 8 });
    await writer.waitForAcks(200);
    writer.child.kill('SIGTERM');
    expect(await writer.exited).toBe(0);
    const closed = writer.lines.find((l) => l.startsWith('closed '));
    expect(closed).toBeDefined();
    const enqueued = Number(closed!.slice('closed '.length));
    const { health, messageIds, logger } = await checkStore(url);
    await logger.close();
    // Each enqueued call is one event of the log; nothing queued was left behind.
    const lost = enqueued - health.events;
    recordFault(task, {
      fault: `SIGTERM graceful shutdown (${backend})`,
      runs: 1,
      sent: enqueued,
      stored: health.events,
      lost,
      duplicated: health.duplicatedMessages,
    });
    expect(health.events).toBe(enqueued);
    expect(writer.acked.every((id) => messageIds.has(id))).toBe(true);
    expect(health.callsWithGaps).toEqual([]);
    expect(health.projectionsMatchLog).toBe(true);
  });
});
