import path from 'node:path';
import { expect, inject, it } from 'vitest';
import { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { quietLog } from '../support/stores.js';
import { recordFault } from './support/fault-reporter.js';
import { checkStore } from './support/store-check.js';

it('database full, then space again: the agent goes on, memory stays bounded, one report, exact drop count, writing resumes [sqlite]', async ({
  task,
}) => {
  const file = path.join(inject('tmpDir'), 'full.db');
  const MAX_QUEUE = 300;
  // The fault (max_page_count) is set on one connection: the writer must write on that one, the
  // application thread's (inline writer), not on the worker thread's own connection.
  const logger = await ConversationLogger.open({
    databaseUrl: `sqlite:${file}`,
    writerThread: 'inline',
    flushIntervalMs: 5,
    maxQueueSize: MAX_QUEUE,
    retryBaseDelayMs: 20,
    retryMaxDelayMs: 200,
    log: quietLog,
  });
  await logger.startCall({ callId: 'full' });
  const conversationId = await logger.startConversation({ callId: 'full' });
  const ds = await logger.dataSource();
  // The disk fills up: SQLite may not grow the file by one more page (SQLITE_FULL, as on a full disk).
  const [{ page_count: pages }] = await ds.query('PRAGMA page_count');
  await ds.query(`PRAGMA max_page_count = ${Number(pages)}`);

  const SENT = 2000;
  const results: Promise<string>[] = [];
  const big = 'x'.repeat(2000);
  for (let i = 0; i < SENT; i++) {
    const p = logger.logUserMessage({ conversationId, content: `full ${i} ${big}` });
    p.catch(() => undefined);
    results.push(p);
    if (i % 100 === 0) await new Promise((r) => setTimeout(r, 5));
  }
  await new Promise((r) => setTimeout(r, 300));
  const during = logger.getWriterStats();
  expect(during.degraded).toBe(true);
  // Bounded: the queue never holds more than its bound (plus the one batch being retried);
  // what did not fit was dropped and counted.
  expect(during.queued).toBeLessThanOrEqual(MAX_QUEUE);
  const dropped = during.dropped;
  expect(dropped).toBeGreaterThanOrEqual(SENT - MAX_QUEUE - logger.config.batchSize);

  // Space again.
  await ds.query('PRAGMA max_page_count = 1073741823');
  const settled = await Promise.allSettled(results);
  const stored = settled.filter((s) => s.status === 'fulfilled').map((s) => s.value);
  const rejected = settled.filter((s) => s.status === 'rejected') as PromiseRejectedResult[];
  expect(rejected.every((r) => (r.reason as { code: string }).code === 'QUEUE_FULL')).toBe(true);
  expect(rejected).toHaveLength(dropped);
  await logger.flush();
  await logger.flush();
  const sys = await ds.query(`SELECT event_type, count FROM system_events ORDER BY event_type`);
  await logger.close();

  const { health, messageIds, logger: check } = await checkStore(`sqlite:${file}`);
  await check.close();
  const lost = stored.filter((id) => !messageIds.has(id)).length;
  recordFault(task, {
    fault: `database full, then freed (SQLite; ${dropped} over the queue bound dropped, counted)`,
    runs: 1,
    sent: SENT,
    stored: messageIds.size,
    lost,
    duplicated: health.duplicatedMessages,
  });
  expect(lost).toBe(0);
  expect(stored.length + dropped).toBe(SENT);
  expect(sys.map((r: { event_type: string }) => r.event_type)).toEqual(['events_dropped', 'store_write_failed']);
  expect(Number(sys[0].count)).toBe(dropped);
  expect(health.projectionsMatchLog).toBe(true);
  expect(health.integrity).toBe('ok');
}, 60_000);
