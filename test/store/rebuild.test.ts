import { afterEach, beforeEach, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { describeEachBackend, openLogger } from '../support/stores.js';
import { createMetricsRecordedEvent, createTurnCompletedEvent } from '../../src/events/create.js';

const TABLES = {
  calls: 'id',
  conversations: 'id',
  messages: 'id',
  turns: 'id',
  conversation_metrics: 'conversation_id',
  system_events: 'id',
};

async function dump(ds: DataSource): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const [table, key] of Object.entries(TABLES)) out[table] = await ds.query(`SELECT * FROM ${table} ORDER BY ${key}`);
  return out;
}

describeEachBackend('rebuildProjections', (backend) => {
  let logger: ConversationLogger;
  beforeEach(async () => {
    logger = await openLogger(backend);
  });
  afterEach(async () => {
    await logger.close();
  });

  it('given a live-written store, when the projections are rebuilt, then every row is identical', async () => {
    for (let c = 0; c < 3; c++) {
      const callId = `call-${c}`;
      await logger.startCall({ callId, callerNumber: `+1555010${c}`, livekitRoom: `room-${c}`, metadata: { n: c } });
      const conversationId = await logger.startConversation({ callId, aiModel: 'gpt-4o', systemPrompt: 'Be brief.' });
      for (let t = 0; t < 4; t++) {
        void logger.logUserMessage({ conversationId, content: `question ${t}`, sttConfidence: 0.8 + t / 100 });
        void logger.logAssistantMessage({
          conversationId,
          content: `answer ${t}`,
          processingTimeMs: 900 + 300 * t + c,
          llmModel: 'gpt-4o',
          llmTokensInput: 10 * t,
          llmTokensOutput: 5 * t,
          llmCostUsd: 0.001 * t,
          interrupted: t === 2,
        });
      }
      void logger.logToolCall({ conversationId, name: 'lookup', arguments: '{"id":1}', output: 'ok', durationMs: 12 });
      void logger.recordQuality({ conversationId, relevanceScore: 4, satisfactionScore: 5 });
      void logger.append(
        createMetricsRecordedEvent({
          callId,
          conversationId,
          kind: 'tts',
          speechId: 's',
          requestId: 'r',
          provider: 'x',
          model: 'y',
          latencyMs: 210,
          durationMs: 800,
          audioDurationMs: 2000,
          characters: 40,
          costUsd: 0.0006,
          priceVersion: 'test-1',
          raw: { ttfbMs: 210 },
        }),
      );
      void logger.append(
        createTurnCompletedEvent({
          callId,
          conversationId,
          turnId: `turn-${c}`,
          startedAt: Date.now(),
          endOfTurnDelayMs: 500,
          transcriptionDelayMs: 100,
          onUserTurnCompletedDelayMs: 1,
          llmTtftMs: 300,
          ttsTtfbMs: 200,
          playbackLatencyMs: 20,
          e2eLatencyMs: 1700,
          unattributedMs: 579,
          slaThresholdMs: 1500,
          costUsd: 0.002,
        }),
      );
      void logger.logEvent({ eventType: 'custom', severity: 'ERROR', message: 'something', callId });
      await logger.endConversation({ conversationId, summary: 'done' });
      await logger.endCall(callId, c === 1 ? { status: 'failed', reason: 'error' } : {});
    }
    await logger.flush();
    const ds = await logger.dataSource();
    const live = await dump(ds);
    expect(live['messages']).toHaveLength(27);
    expect(live['system_events']!.length).toBeGreaterThan(3);

    const result = await logger.rebuildProjections();
    expect(result.events).toBeGreaterThan(40);
    expect(await dump(ds)).toEqual(live);
  });
});
