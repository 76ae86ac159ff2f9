import { afterEach, beforeEach, expect, it } from 'vitest';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { describeEachBackend, openLogger } from '../support/stores.js';

describeEachBackend('ConversationLogger API', (backend) => {
  let logger: ConversationLogger;
  beforeEach(async () => {
    logger = await openLogger(backend);
  });
  afterEach(async () => {
    await logger.close();
  });

  it('records a documented call end to end and reads it back', async () => {
    await logger.startCall({ callId: 'call-1', callerNumber: '+1234567890', livekitRoom: 'room_001' });
    const conversationId = await logger.startConversation({
      callId: 'call-1',
      aiModel: 'gpt-4',
      systemPrompt: 'You are a helpful assistant.',
    });
    await logger.logUserMessage({ conversationId, content: 'Hello, can you help me?', sttConfidence: 0.95, processingTimeMs: 150 });
    await logger.logAssistantMessage({
      conversationId,
      content: 'Of course! How can I help you?',
      processingTimeMs: 1200,
      llmModel: 'gpt-4',
      llmTokensInput: 25,
      llmTokensOutput: 18,
      llmCostUsd: 0.0012,
    });
    await logger.logAssistantMessage({ conversationId, content: 'Still there?', processingTimeMs: 2000 });
    await logger.logEvent({
      eventType: 'balance_lookup',
      severity: 'INFO',
      message: 'User requested balance lookup',
      component: 'account_service',
      callId: 'call-1',
      conversationId,
      metadata: { account_type: 'checking' },
    });
    await logger.endConversation({ conversationId, summary: 'User requested help, assistance provided' });
    await logger.endCall('call-1');

    const history = await logger.getConversationHistory({ conversationId, limit: 10 });
    expect(history.map((m) => [m.role, m.content])).toEqual([
      ['user', 'Hello, can you help me?'],
      ['assistant', 'Of course! How can I help you?'],
      ['assistant', 'Still there?'],
    ]);
    expect(history[0]!.sttConfidence).toBe(0.95);
    expect(history[1]).toMatchObject({ llmModel: 'gpt-4', llmTokensInput: 25, llmTokensOutput: 18, llmCostUsd: 0.0012 });
    expect(history[2]!.slaViolation).toBe(true);
    expect(history[1]!.slaViolation).toBe(false);

    const newestTwo = await logger.getConversationHistory({ conversationId, limit: 2 });
    expect(newestTwo.map((m) => m.content)).toEqual(['Of course! How can I help you?', 'Still there?']);

    const stats = await logger.getCallStatistics({ hours: 24 });
    expect(stats.calls).toEqual({ total: 1, completed: 1, failed: 0, abandoned: 0, active: 0, ended: 1, successRate: 100 });
    expect(stats.performance.responses).toBe(2);
    expect(stats.performance.avgResponseTimeMs).toBe(1600);
    expect(stats.performance.p50ResponseTimeMs).toBe(1600);
    expect(stats.performance.p95ResponseTimeMs).toBeCloseTo(1960, 6);
    expect(stats.performance.slaViolations).toBe(1);
    expect(stats.performance.avgSttConfidence).toBe(0.95);
    expect(stats.costs.llmUsd).toBeCloseTo(0.0012, 10);
    expect(stats.costs.totalUsd).toBeCloseTo(0.0012, 10);
    expect(stats.tokens).toEqual({ input: 25, cachedInput: 0, output: 18 });

    const ds = await logger.dataSource();
    const [call] = await ds.query(`SELECT * FROM calls WHERE id = 'call-1'`);
    expect(call).toMatchObject({ status: 'completed', caller_number: '+1234567890', livekit_room: 'room_001' });
    expect(Number(call.duration_ms)).toBeGreaterThanOrEqual(0);
    const [metrics] = await ds.query(`SELECT * FROM conversation_metrics`);
    expect(Number(metrics.turns)).toBe(2);
    expect(Number(metrics.sla_violations)).toBe(1);
    expect(Number(metrics.response_time_max_ms)).toBe(2000);
    const sys = await ds.query(`SELECT event_type, severity FROM system_events ORDER BY event_type`);
    expect(sys).toEqual([
      { event_type: 'balance_lookup', severity: 'INFO' },
      { event_type: 'sla_violation', severity: 'WARNING' },
    ]);
    const events = await ds.query(`SELECT call_id, stream_position, type FROM events ORDER BY position`);
    expect(events.map((e: { stream_position: unknown }) => Number(e.stream_position))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(events.map((e: { type: string }) => e.type)).toEqual([
      'call_started',
      'conversation_started',
      'message_added',
      'message_added',
      'message_added',
      'system_event_logged',
      'conversation_ended',
      'call_ended',
    ]);
  });

  it('given calls still active, when the description reads the statistics, then successRate is 0 with ended 0 and totalCostUsd is the known cost', async () => {
    await logger.startCall({ callId: 'live-1' });
    const conversationId = await logger.startConversation({ callId: 'live-1', aiModel: 'gpt-4' });
    await logger.logAssistantMessage({ conversationId, content: 'Hello!', processingTimeMs: 800, llmCostUsd: 0.002 });
    await logger.startCall({ callId: 'live-2' });
    const stats = await logger.getCallStatistics({ hours: 24 });
    expect(stats.calls).toEqual({ total: 2, completed: 0, failed: 0, abandoned: 0, active: 2, ended: 0, successRate: 0 });
    // The description's print lines, as it writes them: each a number.
    expect(`${stats.calls.successRate.toFixed(1)}%`).toBe('0.0%');
    expect(`$${stats.performance.totalCostUsd.toFixed(4)}`).toBe('$0.0020');
    expect(stats.performance.totalCostUsd).toBe(stats.costs.totalUsd);
    await logger.endCall('live-1', { status: 'failed' });
    expect((await logger.getCallStatistics({ hours: 24 })).calls).toMatchObject({ active: 1, ended: 1, successRate: 0 });
  });

  it('rejects bad state with typed errors and leaves the store intact', async () => {
    await logger.startCall({ callId: 'c' });
    await expect(logger.startCall({ callId: 'c' })).rejects.toMatchObject({ code: 'DUPLICATE_CALL' });
    await expect(logger.endCall('nope')).rejects.toMatchObject({ code: 'UNKNOWN_CALL' });
    await expect(logger.startConversation({ callId: 'nope' })).rejects.toMatchObject({ code: 'UNKNOWN_CALL' });
    await expect(logger.logUserMessage({ conversationId: 'nope', content: 'x' })).rejects.toMatchObject({
      code: 'UNKNOWN_CONVERSATION',
    });
    await logger.endCall('c');
    await expect(logger.endCall('c')).rejects.toMatchObject({ code: 'CALL_ALREADY_ENDED' });
    await expect(logger.startConversation({ callId: 'c' })).rejects.toMatchObject({ code: 'CALL_ALREADY_ENDED' });
    await expect(logger.logUserMessage({ conversationId: 'x', content: 'x', sttConfidence: Number.NaN })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      field: 'sttConfidence',
    });
    await expect(logger.startCall({ callId: 'd', metadata: { f: () => 1 } as never })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    const ds = await logger.dataSource();
    const [row] = await ds.query(`SELECT status FROM calls WHERE id = 'c'`);
    expect(row.status).toBe('completed');
    const [n] = await ds.query(`SELECT COUNT(*) AS n FROM events`);
    expect(Number(n.n)).toBe(2);
  });

  it('stores 1 MB, emoji, NUL and SQL metacharacters verbatim', async () => {
    await logger.startCall({ callId: "x'); DROP TABLE calls; --" });
    const conversationId = await logger.startConversation({ callId: "x'); DROP TABLE calls; --" });
    const contents = ['a'.repeat(1024 * 1024), 'emoji 🎉👩‍👩‍👧 and ünïcödé', 'nul\0byte\0inside', "'; DELETE FROM messages; -- ? $1 %s \\"];
    for (const content of contents) await logger.logUserMessage({ conversationId, content });
    const history = await logger.getConversationHistory({ conversationId });
    expect(history.map((m) => m.content)).toEqual(contents);
    await expect(logger.logUserMessage({ conversationId, content: 'bad \uD800 surrogate' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      field: 'content',
    });
  });
});
