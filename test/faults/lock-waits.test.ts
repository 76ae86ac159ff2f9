import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { describeEachBackend, freshDatabaseUrl, openLogger } from '../support/stores.js';

let loggers: ConversationLogger[] = [];
afterEach(async () => {
  for (const l of loggers) await l.close();
  loggers = [];
});

describeEachBackend('two writers waiting on each other', (backend) => {
  it("given two processes' writers on one call, when each append finds the stream moved on by the other, then it retries and commits, and the wait is counted, never an error", async () => {
    // given: two writers (two processes' loggers) on one store, both writing one call's stream
    const databaseUrl = await freshDatabaseUrl(backend);
    const a = await openLogger(backend, { databaseUrl, retryBaseDelayMs: 5, retryMaxDelayMs: 50 });
    const b = await openLogger(backend, { databaseUrl, retryBaseDelayMs: 5, retryMaxDelayMs: 50 });
    loggers = [a, b];
    await a.startCall({ callId: 'shared' });

    // when: they take turns, so each one's next stream position was just taken by the other
    for (let i = 0; i < 5; i++) {
      await a.logEvent({ eventType: 'turn', message: `a ${i}`, callId: 'shared' });
      await b.logEvent({ eventType: 'turn', message: `b ${i}`, callId: 'shared' });
    }
    await a.flush();
    await b.flush();

    // then: everything is written; the retried appends are counted as waits, not as errors
    const ds = await a.dataSource();
    const rows = (await ds.query(`SELECT event_type, severity FROM system_events ORDER BY id`)) as Array<{
      event_type: string;
      severity: string;
    }>;
    expect(rows.filter((r) => r.event_type === 'turn')).toHaveLength(10);
    expect(rows.filter((r) => r.severity === 'ERROR' || r.severity === 'CRITICAL')).toEqual([]);
    expect((await a.getCallStatistics({ hours: 1 })).errors.total).toBe(0);
    expect(a.getWriterStats().lockWaits + b.getWriterStats().lockWaits).toBeGreaterThan(0);
    expect(a.getWriterStats().failedFlushes + b.getWriterStats().failedFlushes).toBe(0);
  });
});

// SQLite only: a PostgreSQL writer blocks on a lock instead of failing and retrying.
describe('SQLite busy for moments [sqlite]', () => {
  it('given another connection holding the write lock until the writer has met it, three times, when the writer retries SQLITE_BUSY and commits, then no error is recorded and the waits are counted', async () => {
    const databaseUrl = await freshDatabaseUrl('sqlite');
    const logger = await openLogger('sqlite', { databaseUrl, retryBaseDelayMs: 20, retryMaxDelayMs: 100 });
    loggers = [logger];
    await logger.startCall({ callId: 'busy' });
    const other = new Database(databaseUrl.slice('sqlite:'.length));
    try {
      for (let i = 0; i < 3; i++) {
        other.exec('BEGIN IMMEDIATE');
        const write = logger.logEvent({ eventType: 'during_lock', message: `${i}`, callId: 'busy' });
        // Held until the writer has tried and met SQLITE_BUSY (on a loaded machine a fixed 150 ms
        // can end before the batch reaches the writer thread: then there is no wait to count).
        await expect.poll(() => logger.getWriterStats().degraded).toBe(true);
        await new Promise((r) => setTimeout(r, 100));
        other.exec('COMMIT');
        await write;
      }
    } finally {
      other.close();
    }
    await logger.flush();
    const ds = await logger.dataSource();
    const rows = (await ds.query(`SELECT event_type, severity FROM system_events ORDER BY id`)) as Array<{
      event_type: string;
      severity: string;
    }>;
    expect(rows).toEqual([0, 1, 2].map(() => ({ event_type: 'during_lock', severity: 'INFO' })));
    expect((await logger.getCallStatistics({ hours: 1 })).errors.total).toBe(0);
    expect(logger.getWriterStats()).toMatchObject({ lockWaits: 3, failedFlushes: 0, degraded: false });
  });
});
