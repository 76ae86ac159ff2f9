import { afterEach, beforeEach, expect, it } from 'vitest';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { describeEachBackend, openLogger } from '../support/stores.js';
import { createSystemEventLoggedEvent } from '../../src/events/create.js';

const DAY = 86_400_000;

describeEachBackend('cleanupOldData', (backend) => {
  let logger: ConversationLogger;
  beforeEach(async () => {
    logger = await openLogger(backend);
  });
  afterEach(async () => {
    await logger.close();
  });

  it('given old and recent calls, when cleaned with a retention, then only the old calls and their rows are gone', async () => {
    const now = Date.now();
    for (const [callId, age] of [
      ['old-1', 40],
      ['old-2', 31],
      ['old-3', 35],
      ['new-1', 1],
      ['new-2', 0],
    ] as const) {
      await logger.startCall({ callId, startedAt: now - age * DAY - 1000 });
      const conversationId = await logger.startConversation({ callId });
      await logger.logUserMessage({ conversationId, content: 'hi' });
      await logger.logAssistantMessage({ conversationId, content: 'hello', processingTimeMs: 2000 });
      await logger.endCall(callId);
    }
    await logger.append(createSystemEventLoggedEvent({ occurredAt: now - 60 * DAY, eventType: 'old', message: 'x' }));
    await logger.logEvent({ eventType: 'recent', message: 'y' });

    const progress: number[] = [];
    const result = await logger.cleanupOldData({ retentionDays: 30, batchCalls: 2, onProgress: (n) => progress.push(n) });
    expect(result).toMatchObject({
      calls: 3,
      conversations: 3,
      messages: 6,
      conversationMetrics: 3,
      systemEvents: 3 + 1, // three SLA violations of old calls, one old system event
      events: 3 * 5 + 1, // call_started, conversation_started, two messages, call_ended; the old system event
    });
    expect(result.batches).toBeGreaterThanOrEqual(2);
    expect(progress.at(-1)).toBe(3);

    const ds = await logger.dataSource();
    expect((await ds.query(`SELECT id FROM calls ORDER BY id`)).map((r: { id: string }) => r.id)).toEqual(['new-1', 'new-2']);
    expect(Number((await ds.query(`SELECT COUNT(*) AS n FROM events`))[0].n)).toBe(2 * 5 + 1);
    expect(Number((await ds.query(`SELECT COUNT(*) AS n FROM messages`))[0].n)).toBe(4);
    // The remaining log still rebuilds to the same rows.
    const before = await ds.query(`SELECT * FROM conversation_metrics ORDER BY conversation_id`);
    await logger.rebuildProjections();
    expect(await ds.query(`SELECT * FROM conversation_metrics ORDER BY conversation_id`)).toEqual(before);
    // The writer still works after cleanup (its cached state was reset).
    await logger.startCall({ callId: 'after' });
    await expect(logger.startCall({ callId: 'new-1' })).rejects.toMatchObject({ code: 'DUPLICATE_CALL' });
  });

  it('shrinks its batches while transactions take longer than targetBatchMs, and deletes every old call either way', async () => {
    // The 15th of this month: the old calls (40 days before) and the cutoff (30 days before) fall
    // in one month, which a partitioned log deletes call by call, in batches, as SQLite does.
    const today = new Date();
    const now = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 15);
    const ids = Array.from({ length: 20 }, (_, i) => `old-${String(i).padStart(2, '0')}`);
    for (const callId of [...ids, 'new'])
      await logger.startCall({ callId, startedAt: callId === 'new' ? now : now - 40 * DAY + ids.indexOf(callId) });
    await logger.flush();
    // Every transaction "too long" (0 ms): 8, 4, 2, then one call at a time (14 calls).
    const slow = await logger.cleanupOldData({ retentionDays: 30, batchCalls: 8, targetBatchMs: 0, now });
    expect(slow.calls).toBe(20);
    // 8 + 4 + 2 + 6 × 1, then an empty one (the sixth single call filled its batch); two system-level passes.
    expect(slow.batches).toBe(3 + 6 + 1 + 2);
    const ds = await logger.dataSource();
    expect((await ds.query(`SELECT id FROM calls`)).map((r: { id: string }) => r.id)).toEqual(['new']);
    // The same store again, batches never too long: 8, 8, 4 (the last not full).
    for (const callId of ids) await logger.startCall({ callId: `${callId}-b`, startedAt: now - 40 * DAY });
    await logger.flush();
    const quick = await logger.cleanupOldData({ retentionDays: 30, batchCalls: 8, targetBatchMs: 60_000, now });
    expect(quick).toMatchObject({ calls: 20, batches: 3 + 2 });
    await expect(logger.cleanupOldData({ retentionDays: 30, targetBatchMs: -1 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      field: 'targetBatchMs',
    });
  });

  it('rejects a negative retention without deleting anything', async () => {
    await logger.startCall({ callId: 'c', startedAt: Date.now() - 100 * DAY });
    await expect(logger.cleanupOldData({ retentionDays: -1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const ds = await logger.dataSource();
    expect(await ds.query(`SELECT id FROM calls`)).toEqual([{ id: 'c' }]);
  });
});
