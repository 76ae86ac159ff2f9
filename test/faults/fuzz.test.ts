import fc from 'fast-check';
import { expect, it } from 'vitest';
import { isConversationLogError } from '../../src/errors.js';
import type { NewEvent } from '../../src/events/types.js';
import { SessionMapper, type SessionEventLike } from '../../src/plugin/mapper.js';
import { describeEachBackend, freshDatabaseUrl, openLogger } from '../support/stores.js';
import { recordFault } from './support/fault-reporter.js';
import { checkStore } from './support/store-check.js';

const EVENT_TYPES = [
  'conversation_item_added',
  'user_input_transcribed',
  'function_tools_executed',
  'metrics_collected',
  'speech_created',
  'agent_state_changed',
  'user_state_changed',
  'error',
  'session_usage_updated',
  'agent_false_interruption',
  'some_unknown_event',
];
const nasty = fc.oneof(
  fc.constant(Number.NaN),
  fc.constant(Number.POSITIVE_INFINITY),
  fc.constant(-1),
  fc.constant(Number.MAX_SAFE_INTEGER * 1e10),
  fc.constant('\ud800 lone surrogate'),
  fc.constant('a\u0000b'),
  fc.constant("'; DROP TABLE messages; --"),
  fc.constant({ __proto__: { polluted: true } }),
  fc.constant(JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}}')),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
);
const value = fc.oneof(nasty, fc.array(nasty, { maxLength: 3 }), fc.dictionary(fc.oneof(fc.string(), fc.constant('__proto__')), nasty, { maxKeys: 4 }));
const sessionEvent = fc.record(
  {
    type: fc.constantFrom(...EVENT_TYPES),
    createdAt: fc.oneof(fc.constant(Date.now()), nasty),
    item: fc.record({ type: fc.constantFrom('message', 'agent_handoff', 'function_call', 'x'), role: fc.constantFrom('user', 'assistant', 'system', 'x'), content: fc.oneof(fc.array(value, { maxLength: 3 }), value), metrics: fc.dictionary(fc.constantFrom('e2eLatency', 'llmNodeTtft', 'ttsNodeTtfb', 'endOfTurnDelay', 'startedSpeakingAt'), nasty), interrupted: value, transcriptConfidence: nasty, newAgentId: value }, { requiredKeys: [] }),
    metrics: fc.record({ type: fc.constantFrom('llm_metrics', 'stt_metrics', 'tts_metrics', 'eou_metrics', 'vad_metrics', 'realtime_model_metrics', 'x'), ttftMs: nasty, promptTokens: nasty, completionTokens: nasty, audioDurationMs: nasty, charactersCount: nasty, speechId: value, metadata: value }, { requiredKeys: [] }),
    functionCalls: fc.array(fc.record({ callId: value, name: value, args: value, createdAt: nasty }, { requiredKeys: [] }), { maxLength: 3 }),
    functionCallOutputs: fc.array(fc.record({ output: value, isError: value, createdAt: nasty }, { requiredKeys: [] }), { maxLength: 3 }),
    transcript: value,
    isFinal: value,
    speechHandle: value,
    error: value,
    extra: value,
  },
  { requiredKeys: ['type'] },
);

const roundTrips = (e: NewEvent) => {
  const json = JSON.stringify(e.data);
  return JSON.stringify(JSON.parse(json)) === json && json.isWellFormed();
};

describeEachBackend('fuzz', (backend) => {
  it('the event mapper never throws on malformed LiveKit events, emits only plain storable data, and the store stays consistent', async ({ task }) => {
    const url = await freshDatabaseUrl(backend);
    const logger = await openLogger(backend, { databaseUrl: url });
    let sent = 0;
    let i = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(sessionEvent, { minLength: 1, maxLength: 25 }), async (events) => {
        const callId = `fuzz-${i++}`;
        const mapper = new SessionMapper({ callId });
        await logger.append({ type: 'call_started', callId, occurredAt: Date.now(), data: { callerNumber: null, livekitRoom: null, jobId: null, agentId: null, agentName: null, agentsVersion: null, metadata: null } });
        const out: NewEvent[] = [];
        for (const ev of events) out.push(...mapper.map(ev as SessionEventLike));
        out.push(...mapper.end('fuzz', Date.now()));
        expect(out.every(roundTrips)).toBe(true);
        expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
        // The mapper's job is to make storable events of whatever LiveKit sends: every one lands.
        const results = await Promise.allSettled(out.map((e) => logger.append(e)));
        expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
        sent += out.length + 1;
      }),
      { numRuns: 60 },
    );
    await logger.close();
    const { health, logger: check } = await checkStore(url);
    await check.close();
    recordFault(task, { fault: `fuzzed LiveKit events through the mapper (${backend})`, runs: 60, sent, stored: health.events, lost: 0, duplicated: health.duplicateEventIds });
    expect(health.callsWithGaps).toEqual([]);
    expect(health.projectionsMatchLog).toBe(true);
    expect(health.integrity).toBe('ok');
  }, 180_000);

  it('the ConversationLogger API stores exactly what it was given or rejects with a typed error', async () => {
    const logger = await openLogger(backend);
    await logger.startCall({ callId: 'api-fuzz' });
    const conversationId = await logger.startConversation({ callId: 'api-fuzz' });
    const content = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.string({ unit: 'grapheme', maxLength: 50 }),
      fc.constant('x'.repeat(1 << 20)),
      fc.constant("Robert'); DROP TABLE messages;--"),
      fc.constant('nul \u0000 inside'),
      fc.constant('🎉👩‍👩‍👧 emoji'),
      nasty,
    );
    let stored = 0;
    await fc.assert(
      fc.asyncProperty(
        content,
        fc.oneof({ weight: 4, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) }, { weight: 1, arbitrary: nasty }),
        fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 100_000 }) }, { weight: 1, arbitrary: nasty }),
        async (text, confidence, ms) => {
        try {
          const id = await logger.logUserMessage({ conversationId, content: text as string, sttConfidence: confidence as number, processingTimeMs: ms as number });
          const [m] = (await logger.getConversationHistory({ conversationId, limit: 1 })).filter((h) => h.id === id);
          expect(m?.content).toBe(text);
          stored++;
        } catch (error) {
          expect(isConversationLogError(error)).toBe(true);
          expect((error as { code: string }).code).toBe('INVALID_ARGUMENT');
        }
        },
      ),
      { numRuns: 150 },
    );
    expect(stored).toBeGreaterThan(10);
    // Wrong types for every method: typed errors, never a crash.
    for (const bad of [42, 'x', [], { callId: 5 }, { callId: '' }, { callId: '\ud800' }, { callId: 'ok', metadata: 5 }])
      await expect(logger.startCall(bad as never)).rejects.toSatisfy(isConversationLogError);
    await expect(logger.endCall(42 as never)).rejects.toSatisfy(isConversationLogError);
    await expect(logger.getCallStatistics({ hours: Number.NaN })).rejects.toSatisfy(isConversationLogError);
    await logger.close();
  }, 180_000);
});
