import { afterEach, beforeEach, expect, it } from 'vitest';
import { ConversationLogError } from '../../src/errors.js';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { describeEachBackend, openLogger } from '../support/stores.js';

/**
 * Backfilling through the high-level API: a call that happened days ago, logged now with the
 * times it really had, keeps those times and its real duration everywhere they are read.
 */
describeEachBackend('backfilling a past call through the API', (backend) => {
  let logger: ConversationLogger;
  beforeEach(async () => {
    logger = await openLogger(backend);
  });
  afterEach(async () => {
    await logger.close();
  });

  const T0 = Date.parse('2026-11-29T09:00:00.000Z'); // about three days before the test runs
  const at = (seconds: number) => T0 + seconds * 1000;
  const rows = async (sql: string, params: unknown[]) =>
    (
      (await (await logger.dataSource()).query(sql.replace(/\$\d/g, backend === 'sqlite' ? '?' : '$&'), params)) as Record<
        string,
        unknown
      >[]
    ).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v])));

  it('given a call three days old, when every start and end is given its time, then each row keeps it and the call lasts 4 min 30 s', async () => {
    // given
    const callId = await logger.startCall({ callId: 'backfilled', livekitRoom: 'past-room', startedAt: at(0) });
    const conversationId = await logger.startConversation({ callId, aiModel: 'gpt-4o', startedAt: at(1) });
    await logger.logUserMessage({ conversationId, content: 'Where is my parcel?', createdAt: at(5) });
    await logger.logToolCall({ conversationId, name: 'track', arguments: '{}', output: '{"eta":"today"}', createdAt: at(7) });
    await logger.logAssistantMessage({ conversationId, content: 'It arrives today.', processingTimeMs: 800, createdAt: at(8) });
    await logger.recordQuality({ conversationId, satisfactionScore: 5, createdAt: at(260) });
    await logger.logEvent({ eventType: 'note', message: 'backfilled from the old system', callId, createdAt: at(265) });
    // when
    await logger.endConversation({ conversationId, summary: 'parcel tracked', endedAt: at(269) });
    await logger.endCall(callId, { endedAt: at(270) });

    // then
    const [call] = await rows('SELECT started_at, ended_at, duration_ms, status FROM calls WHERE id = $1', [callId]);
    expect(call).toEqual({ started_at: at(0), ended_at: at(270), duration_ms: 270_000, status: 'completed' });
    const [conversation] = await rows('SELECT started_at, ended_at FROM conversations WHERE id = $1', [conversationId]);
    expect(conversation).toEqual({ started_at: at(1), ended_at: at(269) });
    const messages = await rows('SELECT role, created_at FROM messages WHERE conversation_id = $1 ORDER BY created_at', [conversationId]);
    expect(messages).toEqual([
      { role: 'user', created_at: at(5) },
      { role: 'tool', created_at: at(7) },
      { role: 'assistant', created_at: at(8) },
    ]);
    const [note] = await rows(`SELECT created_at FROM system_events WHERE event_type = 'note' AND call_id = $1`, [callId]);
    expect(note).toEqual({ created_at: at(265) });
    const events = await rows('SELECT type, occurred_at FROM events WHERE call_id = $1 ORDER BY position', [callId]);
    expect(events.every((e) => (e['occurred_at'] as number) >= at(0) && (e['occurred_at'] as number) <= at(270))).toBe(true);
    const history = await logger.getConversationHistory({ conversationId });
    expect(history.map((m) => m.timestamp)).toEqual(['2026-11-29T09:00:05.000Z', '2026-11-29T09:00:07.000Z', '2026-11-29T09:00:08.000Z']);
  });

  it('given a backfilled call, when it is ended before it started, then INVALID_ARGUMENT names endedAt and the call stays active', async () => {
    // given
    const callId = await logger.startCall({ startedAt: at(0) });
    const conversationId = await logger.startConversation({ callId, startedAt: at(10) });
    // when
    const endConversation = logger.endConversation({ conversationId, endedAt: at(9) });
    const endCall = logger.endCall(callId, { endedAt: at(-1) });
    // then
    await expect(endConversation).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'endedAt' });
    await expect(endCall).rejects.toBeInstanceOf(ConversationLogError);
    await expect(endCall).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'endedAt' });
    const [call] = await rows('SELECT status, ended_at FROM calls WHERE id = $1', [callId]);
    expect(call).toEqual({ status: 'active', ended_at: null });
    // and a time at or after the start is taken
    await logger.endConversation({ conversationId, endedAt: at(10) });
    await logger.endCall(callId, { endedAt: at(10) });
    const [ended] = await rows('SELECT status, duration_ms FROM calls WHERE id = $1', [callId]);
    expect(ended).toEqual({ status: 'completed', duration_ms: 10_000 });
  });

  it('given an end time that is not whole milliseconds since 1970, when the call is ended, then it is refused before anything is queued', async () => {
    const callId = await logger.startCall();
    await expect(logger.endCall(callId, { endedAt: 1.5 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'endedAt' });
    await expect(logger.endCall(callId, { endedAt: -5 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'endedAt' });
    await expect(logger.endCall(callId, { endedAt: '2026-11-29' as unknown as number })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      field: 'endedAt',
    });
    await logger.endCall(callId);
    const [call] = await rows('SELECT status FROM calls WHERE id = $1', [callId]);
    expect(call).toEqual({ status: 'completed' });
  });
});
