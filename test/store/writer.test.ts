import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { NewEvent } from '../../src/events/types.js';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { describeEachBackend, freshDatabaseUrl, openLogger } from '../support/stores.js';
import { createSessionEvent, createTurnCompletedEvent } from '../../src/events/create.js';

const turn = (conversationId: string, turnId: string): NewEvent =>
  createTurnCompletedEvent({ conversationId, turnId, llmTtftMs: 100, ttsTtfbMs: 100, e2eLatencyMs: 900, slaThresholdMs: 1500 });

let logger: ConversationLogger | undefined;
afterEach(async () => {
  await logger?.close();
  logger = undefined;
});

describeEachBackend('writer', (backend) => {
  it('isolates an event the database refuses for good: the rest of its batch lands, it alone is rejected', async () => {
    logger = await openLogger(backend, { flushIntervalMs: 20 });
    await logger.startCall({ callId: 'c' });
    const conversationId = await logger.startConversation({ callId: 'c' });
    const results = await Promise.allSettled([
      logger.logUserMessage({ conversationId, content: 'one' }),
      logger.append(turn(conversationId, 'same-turn')),
      logger.append(turn(conversationId, 'same-turn')), // duplicate primary key in turns
      logger.logUserMessage({ conversationId, content: 'two' }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((results[2] as PromiseRejectedResult).reason).toMatchObject({ code: 'STORE_REJECTED' });
    const ds = await logger.dataSource();
    const events = await ds.query(`SELECT stream_position FROM events WHERE call_id = 'c' ORDER BY position`);
    // No gap: the refused event took no stream position.
    expect(events.map((e: { stream_position: unknown }) => Number(e.stream_position))).toEqual([1, 2, 3, 4, 5]);
    expect(await ds.query(`SELECT content FROM messages ORDER BY created_at, event_position`)).toEqual([
      { content: 'one' },
      { content: 'two' },
    ]);
  });

  it('flush() waits for what was queued before it, enqueue() never waits', async () => {
    logger = await openLogger(backend, { flushIntervalMs: 10_000 });
    // An awaited write waits for its batch: flush() sends it now instead of after the interval.
    const started = logger.startCall({ callId: 'c' });
    await logger.flush();
    await started;
    const returned: boolean[] = [];
    for (let i = 0; i < 100; i++)
      returned.push(logger.enqueue(createSessionEvent({ callId: 'c', name: 'agent_state_changed', payload: { i } })));
    // enqueue() accepted each at once, and nothing was written yet: a batch below batchSize waits for its interval.
    expect(returned).toEqual(Array.from({ length: 100 }, () => true));
    const ds = await logger.dataSource();
    const [before] = await ds.query(`SELECT COUNT(*) AS n FROM events WHERE type = 'session_event'`);
    expect(Number(before.n)).toBe(0);
    await logger.flush();
    const [n] = await ds.query(`SELECT COUNT(*) AS n FROM events WHERE type = 'session_event'`);
    expect(Number(n.n)).toBe(100);
  });
});

describeEachBackend('handed-over events (enqueue with owned)', (backend) => {
  for (const writerThread of ['worker', 'inline'] as const)
    it(`are serialised where the batch is appended (${writerThread} writer), in queue order; data that cannot be serialised refuses that event alone`, async () => {
      logger = await openLogger(backend, { flushIntervalMs: 20, writerThread });
      await logger.startCall({ callId: 'h' });
      const event = (i: number, payload: Record<string, unknown>): NewEvent =>
        createSessionEvent({ callId: 'h', name: 'agent_state_changed', payload: payload as never });
      const cyclic: Record<string, unknown> = { i: 1 };
      cyclic['self'] = cyclic;
      expect(logger.enqueue(event(0, { i: 0, at: new Date(0), none: undefined }), { owned: true })).toBe(true);
      // Accepted at once (nothing serialised yet); refused where its batch is appended.
      expect(logger.enqueue(event(1, cyclic), { owned: true })).toBe(true);
      expect(logger.enqueue(event(2, { i: 2, big: 10n }), { owned: true })).toBe(true);
      expect(logger.enqueue(event(3, { i: 3 }), { owned: true })).toBe(true);
      // Not owned: serialised now, so a later change is not what gets stored.
      const mine = { i: 4 };
      expect(logger.enqueue(event(4, mine))).toBe(true);
      mine.i = 40;
      // A function: no structured clone copies it to the writer thread; stored as JSON has it (left out).
      expect(logger.enqueue(event(5, { i: 5, fn: () => 1 }), { owned: true })).toBe(true);
      await logger.flush();
      const ds = await logger.dataSource();
      const rows = (await ds.query(
        `SELECT data, event_id FROM events WHERE type = 'session_event' AND call_id = 'h' ORDER BY position`,
      )) as Array<{
        data: string | Record<string, unknown>;
        event_id: string;
      }>;
      const payloads = rows.map((r) => (typeof r.data === 'string' ? JSON.parse(r.data) : r.data).payload);
      // Stored exactly as JSON.stringify has the data (a Date as its ISO text, undefined left out).
      expect(payloads).toEqual([{ i: 0, at: '1970-01-01T00:00:00.000Z' }, { i: 3 }, { i: 4 }, { i: 5 }]);
      const stats = logger.getWriterStats();
      expect(stats.rejected).toBe(2);
      expect(stats.appended).toBeGreaterThanOrEqual(5);
      expect(stats.queued).toBe(0);
      // Every stored event got its own id.
      expect(new Set(rows.map((r) => r.event_id)).size).toBe(4);
    });
});

describeEachBackend('closing writer', (backend) => {
  it('close() writes what was enqueued before it and refuses, with LOGGER_CLOSED, what comes while it flushes', async () => {
    const closing = await openLogger(backend, { flushIntervalMs: 10_000 });
    const started = closing.startCall({ callId: 'closing' });
    await closing.flush();
    await started;
    const before = closing.logEvent({ eventType: 'before_close', message: 'queued before close()', callId: 'closing' });
    const done = closing.close();
    // Enqueued while close() flushes: refused at once, never accepted and then dropped.
    await expect(closing.logEvent({ eventType: 'during_close', message: 'too late', callId: 'closing' })).rejects.toMatchObject({
      code: 'LOGGER_CLOSED',
    });
    expect(closing.enqueue(createSessionEvent({ callId: 'closing', name: 'x' }))).toBe(false);
    await before;
    await done;
    const check = await openLogger(backend, { databaseUrl: closing.config.databaseUrl });
    const types = (await (await check.dataSource()).query(`SELECT event_type FROM system_events ORDER BY event_type`)) as Array<{
      event_type: string;
    }>;
    await check.close();
    expect(types.map((r) => r.event_type)).toEqual(['before_close']);
  });
});

// SQLite only: PostgreSQL has no file lock; its restart fault is in the faults suite.
describe('writer under a locked database [sqlite]', () => {
  it('backs off, keeps the caller running, drops past the bound with an exact count, and reports once', async () => {
    const url = await freshDatabaseUrl('sqlite');
    logger = await openLogger('sqlite', {
      databaseUrl: url,
      maxQueueSize: 50,
      retryBaseDelayMs: 20,
      retryMaxDelayMs: 100,
      flushIntervalMs: 5,
    });
    await logger.startCall({ callId: 'c' });
    const conversationId = await logger.startConversation({ callId: 'c' });

    const other = new Database(url.slice('sqlite:'.length));
    other.exec('BEGIN IMMEDIATE'); // another process holds the write lock
    const accepted: boolean[] = [];
    const promises: Promise<string>[] = [];
    for (let i = 0; i < 80; i++) {
      const p = logger.logUserMessage({ conversationId, content: `m${i}` });
      p.catch(() => undefined);
      promises.push(p);
    }
    // The event loop keeps turning while the database is locked: count its turns for 400 ms
    // (a writer spinning on the lock would leave one or two).
    let turns = 0;
    const until = Date.now() + 400;
    while (Date.now() < until) {
      await new Promise((r) => setTimeout(r, 5));
      turns++;
    }
    expect(turns).toBeGreaterThan(10);
    expect(logger.getWriterStats()).toMatchObject({ degraded: true, dropped: 30 });
    other.exec('COMMIT');
    other.close();

    const settled = await Promise.allSettled(promises);
    for (const s of settled) accepted.push(s.status === 'fulfilled');
    expect(accepted.filter(Boolean)).toHaveLength(50);
    expect(settled.slice(50).every((s) => s.status === 'rejected' && (s.reason as { code: string }).code === 'QUEUE_FULL')).toBe(true);
    await logger.flush();
    await logger.flush();
    const ds = await logger.dataSource();
    const [n] = await ds.query(`SELECT COUNT(*) AS n FROM messages`);
    expect(Number(n.n)).toBe(50);
    const sys = await ds.query(`SELECT event_type, count FROM system_events ORDER BY event_type`);
    // The drops are on record; a lock wait that ended in a commit is counted, not an error row.
    expect(sys.map((r: { event_type: string }) => r.event_type)).toEqual(['events_dropped']);
    expect(Number(sys[0].count)).toBe(30);
    const stats = await logger.getCallStatistics({ hours: 1 });
    expect(stats.logging.droppedEvents).toBe(30);
    expect(logger.getWriterStats()).toMatchObject({ degraded: false, dropped: 30, appended: expect.any(Number) });
    expect(logger.getWriterStats().lockWaits).toBeGreaterThanOrEqual(1);
  });
});
