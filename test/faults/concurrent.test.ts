import path from 'node:path';
import { expect, inject, it } from 'vitest';
import { describeEachBackend, freshDatabaseUrl } from '../support/stores.js';
import { recordFault } from './support/fault-reporter.js';
import { checkStore } from './support/store-check.js';
import { startWriter } from './support/child.js';

describeEachBackend('four processes on one store', (backend) => {
  it('50 calls each: every event present exactly once, every projection consistent', async ({ task }) => {
    const url = backend === 'sqlite' ? `sqlite:${path.join(inject('tmpDir'), 'four.db')}` : await freshDatabaseUrl('postgres');
    const CALLS = 50;
    const MESSAGES = 10;
    const writers = [0, 1, 2, 3].map((p) => startWriter(url, { run: `p${p}`, calls: CALLS, parallel: 5, messages: MESSAGES }));
    const codes = await Promise.all(writers.map((w) => w.exited));
    expect(codes).toEqual([0, 0, 0, 0]);
    expect(writers.every((w) => w.lines.includes('done'))).toBe(true);
    const acked = writers.flatMap((w) => w.acked);
    const { health, messageIds, logger } = await checkStore(url);
    const ds = await logger.dataSource();
    const [{ calls }] = await ds.query(`SELECT COUNT(*) AS calls FROM calls WHERE status = 'completed'`);
    const [{ m }] = await ds.query('SELECT SUM(turns) AS m FROM conversation_metrics');
    await logger.close();
    // Per call: start, conversation, the messages, end.
    const expected = 4 * CALLS * (3 + MESSAGES);
    const lost = acked.filter((id) => !messageIds.has(id)).length;
    recordFault(task, {
      fault: `4 processes × ${CALLS} calls, one ${backend} store`,
      runs: 4,
      sent: expected,
      stored: health.events,
      lost,
      duplicated: health.duplicatedMessages,
    });
    expect(acked).toHaveLength(4 * CALLS * MESSAGES);
    expect(lost).toBe(0);
    expect(messageIds.size).toBe(acked.length);
    expect(health.events).toBe(expected);
    expect(Number(calls)).toBe(4 * CALLS);
    expect(Number(m)).toBe((4 * CALLS * MESSAGES) / 2); // every assistant message is a turn
    expect(health.callsWithGaps).toEqual([]);
    expect(health.duplicateEventIds).toBe(0);
    expect(health.projectionsMatchLog).toBe(true);
  });
});
