import fc from 'fast-check';
import { expect, it } from 'vitest';
import { isConversationLogError } from '../../src/errors.js';
import type { NewEvent } from '../../src/events/types.js';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { SessionMapper } from '../../src/plugin/mapper.js';
import { readLogTail } from '../../src/queries/log-after.js';
import { toHistoryMessage } from '../../src/queries/history.js';
import { MessageEntity } from '../../entities/message.entity.js';
import { describeEachBackend, freshDatabaseUrl, openLogger } from '../support/stores.js';
import { recordFault } from './support/fault-reporter.js';
import { checkStore } from './support/store-check.js';
import { createCallStartedEvent } from '../../src/events/create.js';

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
const value = fc.oneof(
  nasty,
  fc.array(nasty, { maxLength: 3 }),
  fc.dictionary(fc.oneof(fc.string(), fc.constant('__proto__')), nasty, { maxKeys: 4 }),
);
const sessionEvent = fc.record(
  {
    type: fc.constantFrom(...EVENT_TYPES),
    createdAt: fc.oneof(fc.constant(Date.now()), nasty),
    item: fc.record(
      {
        type: fc.constantFrom('message', 'agent_handoff', 'function_call', 'x'),
        role: fc.constantFrom('user', 'assistant', 'system', 'x'),
        content: fc.oneof(fc.array(value, { maxLength: 3 }), value),
        metrics: fc.dictionary(fc.constantFrom('e2eLatency', 'llmNodeTtft', 'ttsNodeTtfb', 'endOfTurnDelay', 'startedSpeakingAt'), nasty),
        interrupted: value,
        transcriptConfidence: nasty,
        newAgentId: value,
      },
      { requiredKeys: [] },
    ),
    metrics: fc.record(
      {
        type: fc.constantFrom('llm_metrics', 'stt_metrics', 'tts_metrics', 'eou_metrics', 'vad_metrics', 'realtime_model_metrics', 'x'),
        ttftMs: nasty,
        promptTokens: nasty,
        completionTokens: nasty,
        audioDurationMs: nasty,
        charactersCount: nasty,
        speechId: value,
        metadata: value,
      },
      { requiredKeys: [] },
    ),
    functionCalls: fc.array(fc.record({ callId: value, name: value, args: value, createdAt: nasty }, { requiredKeys: [] }), {
      maxLength: 3,
    }),
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

/** JSON with sorted keys (own keys only, so a `__proto__` key counts): equal text = equal value. */
function canonical(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v === null || typeof v !== 'object') return v;
    const out: Record<string, unknown> = Object.create(null);
    for (const k of Object.keys(v).sort()) out[k] = sort((v as Record<string, unknown>)[k]);
    return out;
  };
  return JSON.stringify(sort(JSON.parse(JSON.stringify(value ?? null))));
}

/** Mostly values a caller would pass, sometimes anything at all. */
const maybe = <T>(good: fc.Arbitrary<T>) => fc.oneof({ weight: 15, arbitrary: good }, { weight: 1, arbitrary: nasty });
const text = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.constantFrom("Robert'); DROP TABLE messages;--", 'nul \u0000 inside', '🎉👩‍👩‍👧 emoji', '\ud800 lone', '') },
  { weight: 1, arbitrary: fc.constantFrom('x'.repeat(1 << 20), `${'é'.repeat(1 << 19)}\ud83d`) },
);
const id = fc.oneof(
  { weight: 8, arbitrary: fc.string({ minLength: 1, maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom('x'.repeat(300), '__proto__') },
);
const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(fc.string({ unit: 'binary', maxLength: 20 }), fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(-0)),
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', 'prototype')), tie('v'), {
      maxKeys: 4,
    }),
  ),
})).v;
const metadata = fc.oneof(
  fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor')), json, { maxKeys: 5 }),
  fc.constant(JSON.parse('{"__proto__": {"polluted": true}, "a": [1, {"__proto__": null}]}')),
  fc.constant(null),
);
const time = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 4_102_444_800_000 }) },
  { weight: 1, arbitrary: fc.double({ min: 0, max: 8.64e15, noNaN: true }) },
);
const count = fc.oneof(fc.integer({ min: 0, max: 1_000_000 }), fc.constant(Number.MAX_SAFE_INTEGER));
const ms = fc.double({ min: 0, max: 8.64e7, noNaN: true });
/** Options objects whose fields may be missing, valid, or malformed. */
const opts = (fields: Record<string, fc.Arbitrary<unknown>>) =>
  fc.oneof(
    { weight: 12, arbitrary: fc.record(Object.fromEntries(Object.entries(fields).map(([k, a]) => [k, maybe(a)])), { requiredKeys: [] }) },
    { weight: 1, arbitrary: nasty },
  );

/** A call of one ConversationLogger write method with random arguments. */
function apiCall(
  callId: string,
  conversationId: string,
): fc.Arbitrary<{ method: keyof ConversationLogger; args: unknown[]; fields: string[] }> {
  const conv = fc.oneof({ weight: 8, arbitrary: fc.constant(conversationId) }, { weight: 1, arbitrary: id });
  const call = fc.oneof({ weight: 8, arbitrary: fc.constant(callId) }, { weight: 1, arbitrary: id });
  const withRequired = (required: Record<string, fc.Arbitrary<unknown>>, optional: Record<string, fc.Arbitrary<unknown>>) =>
    fc
      .tuple(fc.record(Object.fromEntries(Object.entries(required).map(([k, a]) => [k, maybe(a)]))), opts(optional))
      .map(([r, o]) => (o !== null && typeof o === 'object' && !Array.isArray(o) ? { ...(o as object), ...r } : o));
  return fc.oneof(
    opts({
      callId: id,
      callerNumber: text,
      livekitRoom: text,
      jobId: id,
      agentId: id,
      agentName: text,
      agentsVersion: text,
      metadata,
      startedAt: time,
    }).map((o) => ({
      method: 'startCall' as const,
      args: [o],
      fields: ['metadata', 'callId', 'callerNumber', 'livekitRoom', 'jobId', 'agentId', 'agentName', 'agentsVersion', 'startedAt'],
    })),
    withRequired({ callId: call }, { aiModel: text, systemPrompt: text, agentName: text, metadata }).map((o) => ({
      method: 'startConversation' as const,
      args: [o],
      fields: ['metadata', 'callId', 'aiModel', 'systemPrompt', 'agentName'],
    })),
    withRequired(
      { conversationId: conv, content: text },
      { sttConfidence: fc.double({ min: 0, max: 1, noNaN: true }), processingTimeMs: ms, language: text, metadata, createdAt: time },
    ).map((o) => ({
      method: 'logUserMessage' as const,
      args: [o],
      fields: ['metadata', 'conversationId', 'content', 'sttConfidence', 'processingTimeMs', 'language', 'createdAt'],
    })),
    withRequired(
      { conversationId: conv, content: text },
      {
        processingTimeMs: ms,
        llmModel: text,
        llmTokensInput: count,
        llmTokensOutput: count,
        llmCostUsd: fc.double({ min: 0, max: 1e9, noNaN: true }),
        interrupted: fc.boolean(),
        metadata,
        createdAt: time,
      },
    ).map((o) => ({
      method: 'logAssistantMessage' as const,
      args: [o],
      fields: [
        'metadata',
        'conversationId',
        'content',
        'processingTimeMs',
        'llmModel',
        'llmTokensInput',
        'llmTokensOutput',
        'llmCostUsd',
        'interrupted',
        'createdAt',
      ],
    })),
    withRequired(
      { conversationId: conv, name: text, arguments: text },
      { output: text, isError: fc.boolean(), durationMs: ms, toolCallId: id },
    ).map((o) => ({
      method: 'logToolCall' as const,
      args: [o],
      fields: ['conversationId', 'name', 'arguments', 'output', 'isError', 'durationMs', 'toolCallId'],
    })),
    withRequired(
      { conversationId: conv },
      { messageId: id, relevanceScore: fc.double({ min: -1e9, max: 1e9, noNaN: true }), satisfactionScore: fc.integer({ min: 1, max: 5 }) },
    ).map((o) => ({
      method: 'recordQuality' as const,
      args: [o],
      fields: ['conversationId', 'messageId', 'relevanceScore', 'satisfactionScore'],
    })),
    withRequired(
      { eventType: text, message: text },
      {
        severity: fc.constantFrom('DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'),
        component: text,
        callId: call,
        conversationId: conv,
        metadata,
      },
    ).map((o) => ({
      method: 'logEvent' as const,
      args: [o],
      fields: ['metadata', 'eventType', 'message', 'severity', 'component', 'callId', 'conversationId'],
    })),
    withRequired({ conversationId: id }, { summary: text }).map((o) => ({
      method: 'endConversation' as const,
      args: [o],
      fields: ['conversationId', 'summary'],
    })),
    fc
      .tuple(maybe(id), opts({ status: fc.constantFrom('completed', 'failed', 'abandoned'), reason: text, error: text }))
      .map(([c, o]) => ({ method: 'endCall' as const, args: [c, o], fields: ['status', 'reason', 'error'] })),
  );
}

describeEachBackend('fuzz', (backend) => {
  it('the event mapper never throws on malformed LiveKit events, emits only plain storable data, and the store stays consistent', async ({
    task,
  }) => {
    const url = await freshDatabaseUrl(backend);
    const logger = await openLogger(backend, { databaseUrl: url });
    let sent = 0;
    let i = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(sessionEvent, { minLength: 1, maxLength: 25 }), async (events) => {
        const callId = `fuzz-${i++}`;
        const mapper = new SessionMapper({ callId });
        await logger.append(createCallStartedEvent({ callId }));
        const out: NewEvent[] = [];
        for (const ev of events) out.push(...mapper.map(ev));
        out.push(...mapper.end('fuzz', Date.now()));
        expect(out.every(roundTrips)).toBe(true);
        expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
        // The mapper's job is to make storable events of whatever LiveKit sends: every one lands.
        const results = await Promise.allSettled(out.map((e) => logger.append(e)));
        expect(results.filter((r) => r.status === 'rejected').map((r) => String(r.reason))).toEqual([]);
        sent += out.length + 1;
      }),
      { numRuns: 60 },
    );
    await logger.close();
    const { health, logger: check } = await checkStore(url);
    await check.close();
    recordFault(task, {
      fault: `fuzzed LiveKit events through the mapper (${backend})`,
      runs: 60,
      sent,
      stored: health.events,
      lost: 0,
      duplicated: health.duplicateEventIds,
    });
    expect(health.callsWithGaps).toEqual([]);
    expect(health.projectionsMatchLog).toBe(true);
    expect(health.integrity).toBe('ok');
  }, 180_000);

  it('every ConversationLogger method stores exactly what it was given or rejects with a typed error, and the store stays consistent', async ({
    task,
  }) => {
    const url = await freshDatabaseUrl(backend);
    const logger = await openLogger(backend, { databaseUrl: url });
    const ds = await logger.dataSource();
    const callId = await logger.startCall({ callId: 'api-fuzz' });
    const conversationId = await logger.startConversation({ callId });
    const lastEvent = async () => (await readLogTail(ds, 1))[0]!;
    const totals = { calls: 0, stored: 0, refused: 0 };
    const refusedCodes = new Set<string>();
    await fc.assert(
      fc.asyncProperty(apiCall(callId, conversationId), async ({ method, args, fields }) => {
        totals.calls++;
        const before = await lastEvent();
        let result: unknown;
        const calledAt = Date.now();
        try {
          result = await (logger[method] as (...a: unknown[]) => Promise<unknown>)(...args);
        } catch (error) {
          // Refused: a typed error, and nothing written.
          expect(isConversationLogError(error), String(error)).toBe(true);
          refusedCodes.add((error as { code: string }).code);
          // The API's own checks refuse bad values; the database never has to (it would differ by backend).
          expect((error as { code: string }).code, (error as Error).message).not.toBe('STORE_REJECTED');
          expect((await lastEvent()).position).toBe(before.position);
          totals.refused++;
          return;
        }
        totals.stored++;
        // Stored: the log holds exactly the values given (as JSON holds them).
        const event = await lastEvent();
        expect(event.position).toBeGreaterThan(before.position);
        const given = ((method === 'endCall' ? args[1] : args[0]) ?? {}) as Record<string, unknown>; // options may be left out
        const data = event.data as Record<string, unknown>;
        for (const [key, value] of Object.entries(given)) {
          if (value === undefined || !fields.includes(key)) continue;
          const stored = key === 'callId' ? event.callId : key === 'startedAt' ? event.occurredAt : data[key];
          // A call's start time left null is "not given": the call starts now.
          if (key === 'startedAt' && value === null) {
            expect(stored, `${method}.${key}`).toBeGreaterThanOrEqual(calledAt);
            expect(stored, `${method}.${key}`).toBeLessThanOrEqual(Date.now());
            continue;
          }
          // null is "not given" for the flags with a default (false).
          // An event about a conversation belongs to the conversation's call.
          const expected =
            value === null && (key === 'isError' || key === 'interrupted')
              ? false
              : key === 'callId' && value === null && given['conversationId'] === conversationId
                ? callId
                : value;
          expect(canonical(stored), `${method}.${key}`).toBe(canonical(expected));
        }
        if (method === 'endCall') expect(event.callId).toBe(args[0]);
        // …and so does the projection a user reads back.
        if (method === 'logUserMessage' || method === 'logAssistantMessage') {
          const row = await ds.getRepository(MessageEntity).findOneBy({ id: result as string });
          const m = row && toHistoryMessage(row);
          expect(m?.content).toBe(given['content']);
          expect(canonical(m?.metadata ?? null)).toBe(canonical(given['metadata'] ?? null));
        }
        expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      }),
      { numRuns: 300 },
    );
    await logger.close();
    const { health, logger: check } = await checkStore(url);
    const [{ n }] = await (await check.dataSource()).query('SELECT COUNT(*) AS n FROM events');
    await check.close();
    const sent = totals.stored + 2; // and the call and conversation it started with
    recordFault(task, {
      fault: `fuzzed ConversationLogger API calls (${backend}; ${totals.refused} refused, typed)`,
      runs: totals.calls,
      sent,
      stored: Number(n),
      lost: sent - Number(n),
      duplicated: health.duplicateEventIds,
    });
    // Both outcomes happened, and refusals came with the codes that say why.
    expect(totals.stored).toBeGreaterThan(50);
    expect(totals.refused).toBeGreaterThan(50);
    expect(refusedCodes.has('INVALID_ARGUMENT')).toBe(true);
    expect(Number(n)).toBe(sent);
    expect(health.callsWithGaps).toEqual([]);
    expect(health.projectionsMatchLog).toBe(true);
    expect(health.integrity).toBe('ok');
  }, 180_000);
});
