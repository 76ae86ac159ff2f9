import { afterEach, describe, expect, it } from 'vitest';
import { isConversationLogError } from '../../src/errors.js';
import {
  createAnalysisCompletedEvent,
  createAnalysisFailedEvent,
  createCallOutcomeRecordedEvent,
  createCallTaggedEvent,
  createCallEndedEvent,
  createCallStartedEvent,
  createConversationEndedEvent,
  createConversationStartedEvent,
  createErrorOccurredEvent,
  createMessageAddedEvent,
  createMetricsRecordedEvent,
  createHeardLatencyMeasuredEvent,
  createQualityScoredEvent,
  createRecordingAvailableEvent,
  createSessionEvent,
  createSystemEventLoggedEvent,
  createToolExecutedEvent,
  createTurnCompletedEvent,
} from '../../src/events/create.js';
import { EVENT_SCHEMA_VERSION, EVENT_TYPES, type EventType, type NewEvent } from '../../src/events/types.js';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { describeEachBackend, openLogger } from '../support/stores.js';

const AT = Date.UTC(2026, 11, 2, 12, 0, 0);
const CALL = 'call-f';
const CONV = 'conv-f';

/** One event of each stored type, built with only its required arguments (plus the call and time). */
const MINIMAL: Record<EventType, () => NewEvent> = {
  call_started: () => createCallStartedEvent({ callId: CALL, occurredAt: AT }),
  conversation_started: () => createConversationStartedEvent({ callId: CALL, occurredAt: AT + 1, conversationId: CONV }),
  message_added: () =>
    createMessageAddedEvent({ callId: CALL, occurredAt: AT + 2, messageId: 'm-1', conversationId: CONV, role: 'user', content: 'Hello?' }),
  tool_executed: () =>
    createToolExecutedEvent({ callId: CALL, occurredAt: AT + 3, messageId: 't-1', conversationId: CONV, name: 'lookup' }),
  metrics_recorded: () => createMetricsRecordedEvent({ callId: CALL, occurredAt: AT + 4, conversationId: CONV, kind: 'llm' }),
  turn_completed: () => createTurnCompletedEvent({ callId: CALL, occurredAt: AT + 5, conversationId: CONV, turnId: 'turn-1' }),
  error_occurred: () => createErrorOccurredEvent({ callId: CALL, occurredAt: AT + 6, conversationId: CONV, message: 'TTS timed out' }),
  system_event_logged: () => createSystemEventLoggedEvent({ callId: CALL, occurredAt: AT + 7, eventType: 'custom', message: 'restarted' }),
  quality_scored: () => createQualityScoredEvent({ callId: CALL, occurredAt: AT + 8, conversationId: CONV, relevanceScore: 4 }),
  session_event: () => createSessionEvent({ callId: CALL, occurredAt: AT + 9, conversationId: CONV, name: 'agent_state_changed' }),
  conversation_ended: () => createConversationEndedEvent({ callId: CALL, occurredAt: AT + 10, conversationId: CONV }),
  call_ended: () => createCallEndedEvent({ callId: CALL, occurredAt: AT + 11 }),
  // After the call's end: what the agent and the analysis add to an ended call.
  call_tagged: () => createCallTaggedEvent({ callId: CALL, occurredAt: AT + 12, tag: 'refund' }),
  call_outcome_recorded: () => createCallOutcomeRecordedEvent({ callId: CALL, occurredAt: AT + 13, outcome: 'success' }),
  analysis_completed: () => createAnalysisCompletedEvent({ callId: CALL, occurredAt: AT + 14 }),
  analysis_failed: () => createAnalysisFailedEvent({ callId: CALL, occurredAt: AT + 15, error: 'timed out' }),
  recording_available: () => createRecordingAvailableEvent({ callId: CALL, occurredAt: AT + 16, path: '/rec/call-f.ogg', startedAt: AT }),
  heard_latency_measured: () =>
    createHeardLatencyMeasuredEvent({
      callId: CALL,
      occurredAt: AT + 17,
      conversationId: CONV,
      turnId: 'turn-1',
      mismatchThresholdMs: 150,
    }),
};

const invalidArgument = (build: () => unknown, field: string) => {
  let thrown: unknown;
  try {
    build();
  } catch (error) {
    thrown = error;
  }
  expect(isConversationLogError(thrown), `expected a ConversationLogError for ${field}`).toBe(true);
  expect(thrown).toMatchObject({ code: 'INVALID_ARGUMENT', field });
};

describe('event factories', () => {
  it('given only the required arguments, each builds an event of its type with the schema version, the time given, every default', () => {
    for (const type of EVENT_TYPES) {
      const event = MINIMAL[type]();
      expect(event.type).toBe(type);
      expect(event.schemaVersion).toBe(EVENT_SCHEMA_VERSION);
      expect(event.callId).toBe(CALL);
      expect(event.occurredAt).toBeGreaterThanOrEqual(AT);
    }
    expect(MINIMAL.message_added().data).toEqual({
      messageId: 'm-1',
      conversationId: CONV,
      role: 'user',
      content: 'Hello?',
      createdAt: null,
      sttConfidence: null,
      processingTimeMs: null,
      llmModel: null,
      llmTokensInput: null,
      llmTokensOutput: null,
      llmCostUsd: null,
      usageCounted: true,
      interrupted: false,
      language: null,
      itemId: null,
      slaThresholdMs: null,
      implausible: false,
      metadata: null,
    });
    expect(MINIMAL.call_ended().data).toEqual({ status: 'completed', reason: null, error: null });
    expect(MINIMAL.turn_completed().data).toMatchObject({ outcome: 'completed', e2eDerived: false, implausible: false, costUsd: null });
    expect(MINIMAL.system_event_logged().data).toMatchObject({ severity: 'INFO', component: null, metadata: null });
    expect(MINIMAL.tool_executed().data).toMatchObject({ arguments: '', output: null, isError: false });
    expect(createSessionEvent({ name: 'agent_state_changed' }).data.payload).toEqual({});
    expect(MINIMAL.recording_available().data).toEqual({
      path: '/rec/call-f.ogg',
      startedAt: AT,
      durationMs: null,
      channels: 2,
      format: 'ogg/opus',
      sizeBytes: null,
      userChannel: 0,
      agentChannel: 1,
    });
    expect(MINIMAL.heard_latency_measured().data).toMatchObject({ heardLatencyMs: null, mismatch: false });
  });

  it('given a heard latency and a reported one, flags a mismatch only past the threshold', () => {
    const heard = (heardLatencyMs: number, reportedLatencyMs: number) =>
      createHeardLatencyMeasuredEvent({
        callId: CALL,
        conversationId: CONV,
        turnId: 't',
        heardLatencyMs,
        reportedLatencyMs,
        mismatchThresholdMs: 150,
      }).data.mismatch;
    expect([heard(900, 800), heard(900, 750), heard(951, 800), heard(600, 800)]).toEqual([false, false, true, true]);
    invalidArgument(() => createRecordingAvailableEvent({ callId: CALL, path: '/r.ogg', startedAt: AT, channels: 1.5 }), 'channels');
    invalidArgument(
      () => createHeardLatencyMeasuredEvent({ callId: CALL, conversationId: CONV, turnId: 't', mismatchThresholdMs: -1 }),
      'mismatchThresholdMs',
    );
  });

  it('given no time, stamps now; given arguments, keeps them', () => {
    const before = Date.now();
    const event = createCallStartedEvent({ callId: 'c', livekitRoom: 'room-1', callerNumber: '+15550100', metadata: { tier: 'gold' } });
    expect(event.occurredAt).toBeGreaterThanOrEqual(before);
    expect(event.occurredAt).toBeLessThanOrEqual(Date.now());
    expect(event.data).toEqual({
      callerNumber: '+15550100',
      livekitRoom: 'room-1',
      jobId: null,
      agentId: null,
      agentName: null,
      agentsVersion: null,
      metadata: { tier: 'gold' },
    });
    expect(createCallEndedEvent({ callId: 'c', status: 'failed', reason: 'error', error: 'SIP 408' }).data).toEqual({
      status: 'failed',
      reason: 'error',
      error: 'SIP 408',
    });
  });

  it('writes data keys in one order whatever order the arguments come in, and leaves unset optional fields out of the JSON', () => {
    const a = createMessageAddedEvent({
      occurredAt: AT,
      content: 'hi',
      role: 'assistant',
      conversationId: CONV,
      messageId: 'm',
      interrupted: true,
    });
    const b = createMessageAddedEvent({
      occurredAt: AT,
      messageId: 'm',
      conversationId: CONV,
      role: 'assistant',
      interrupted: true,
      content: 'hi',
    });
    expect(JSON.stringify(a.data)).toBe(JSON.stringify(b.data));
    expect(JSON.stringify(a.data)).not.toContain('interruptedBy');
    const cut = createMessageAddedEvent({
      messageId: 'm',
      conversationId: CONV,
      role: 'assistant',
      content: 'hi',
      interruptedBy: 'session_close',
    });
    expect(Object.keys(cut.data).indexOf('interruptedBy')).toBe(Object.keys(cut.data).indexOf('interrupted') + 1);
    expect(JSON.stringify(createSystemEventLoggedEvent({ eventType: 'e', message: 'm' }).data)).not.toContain('count');
    expect(createSystemEventLoggedEvent({ eventType: 'e', message: 'm', count: 3 }).data.count).toBe(3);
  });

  it('given a wrong argument, throws INVALID_ARGUMENT naming the field', () => {
    invalidArgument(() => createCallStartedEvent({ callId: '' }), 'callId');
    invalidArgument(() => createCallStartedEvent({ callId: 'c', occurredAt: Number.NaN }), 'occurredAt');
    invalidArgument(() => createCallStartedEvent({ callId: 'c', occurredAt: -1 }), 'occurredAt');
    invalidArgument(() => createCallStartedEvent({ callId: 'c', callerNumber: 42 as never }), 'callerNumber');
    invalidArgument(() => createCallStartedEvent({ callId: 'c', metadata: [] as never }), 'metadata');
    invalidArgument(() => createCallEndedEvent({ callId: 'c', status: 'active' as never }), 'status');
    invalidArgument(() => createCallTaggedEvent({ callId: 'c', tag: '' }), 'tag');
    invalidArgument(() => createCallTaggedEvent({ callId: 'c', tag: 'x'.repeat(65) }), 'tag');
    invalidArgument(() => createCallTaggedEvent({ callId: 'c', tag: 'a\nb' }), 'tag');
    invalidArgument(() => createCallOutcomeRecordedEvent({ callId: 'c', outcome: 'maybe' as never }), 'outcome');
    invalidArgument(() => createAnalysisCompletedEvent({ callId: 'c', verdict: 'ok' as never }), 'verdict');
    invalidArgument(() => createMessageAddedEvent({ messageId: 'm', conversationId: CONV, role: 'bot' as never, content: 'x' }), 'role');
    invalidArgument(() => createMessageAddedEvent({ messageId: 'm', conversationId: '', role: 'user', content: 'x' }), 'conversationId');
    invalidArgument(
      () => createMessageAddedEvent({ messageId: 'm', conversationId: CONV, role: 'user', content: null as never }),
      'content',
    );
    invalidArgument(
      () => createMessageAddedEvent({ messageId: 'm', conversationId: CONV, role: 'user', content: 'x', sttConfidence: '0.9' as never }),
      'sttConfidence',
    );
    invalidArgument(
      () => createMessageAddedEvent({ messageId: 'm', conversationId: CONV, role: 'user', content: 'x', interrupted: 1 as never }),
      'interrupted',
    );
    invalidArgument(() => createMetricsRecordedEvent({ kind: 'gpu' as never }), 'kind');
    invalidArgument(() => createTurnCompletedEvent({ conversationId: CONV, turnId: 't', outcome: 'timeout' as never }), 'outcome');
    invalidArgument(() => createSystemEventLoggedEvent({ eventType: 'e', message: 'm', severity: 'LOUD' as never }), 'severity');
    invalidArgument(() => createSessionEvent({ name: 'x', payload: 'text' as never }), 'payload');
    invalidArgument(() => createQualityScoredEvent({ conversationId: CONV, callId: 7 as never }), 'callId');
  });

  it('given what changed (release, instructions hash, turn models), keeps it; not given, leaves the keys out as events before them had none', () => {
    const call = createCallStartedEvent({ callId: CALL, occurredAt: AT, release: 'v1.5.0' });
    const conversation = createConversationStartedEvent({ conversationId: CONV, instructionsHash: '3f9c0a1b2c3d4e5f' });
    const turn = createTurnCompletedEvent({ conversationId: CONV, turnId: 't', llmModel: 'gpt-4o', sttModel: 'nova-3', ttsModel: null });
    expect(call.data.release).toBe('v1.5.0');
    expect(conversation.data.instructionsHash).toBe('3f9c0a1b2c3d4e5f');
    expect([turn.data.llmModel, turn.data.sttModel, turn.data.ttsModel]).toEqual(['gpt-4o', 'nova-3', null]);
    for (const [event, key] of [
      [MINIMAL.call_started(), 'release'],
      [MINIMAL.conversation_started(), 'instructionsHash'],
      [MINIMAL.turn_completed(), 'llmModel'],
    ] as const)
      expect(JSON.stringify(event.data)).not.toContain(key);
    invalidArgument(() => createCallStartedEvent({ callId: CALL, release: 42 as never }), 'release');
  });

  it('stores a non-finite number as null, as JSON would', () => {
    const e = createTurnCompletedEvent({ conversationId: CONV, turnId: 't', e2eLatencyMs: Number.POSITIVE_INFINITY });
    expect(e.data.e2eLatencyMs).toBeNull();
  });
});

describeEachBackend('events built by the factories', (backend) => {
  let logger: ConversationLogger | undefined;
  afterEach(async () => {
    await logger?.close();
    logger = undefined;
  });

  it('given one event of each type, appends each with its schema version and exactly the data it was built with', async () => {
    logger = await openLogger(backend);
    // In the order a call's stream takes (started first, ended last).
    const built = Object.values(MINIMAL).map((build) => build());
    for (const event of built) await logger.append(event);
    const ds = await logger.dataSource();
    const param = backend === 'postgres' ? '$1' : '?';
    const rows = await ds.query<Array<{ type: string; schema_version: number | string; occurred_at: number | string; data: string }>>(
      `SELECT type, schema_version, occurred_at, data FROM events WHERE call_id = ${param} ORDER BY position`,
      [CALL],
    );
    expect(rows.map((r) => r.type)).toEqual(built.map((e) => e.type));
    for (const [i, row] of rows.entries()) {
      expect(Number(row.schema_version)).toBe(EVENT_SCHEMA_VERSION);
      expect(Number(row.occurred_at)).toBe(built[i]!.occurredAt);
      expect(row.data).toBe(JSON.stringify(built[i]!.data));
    }
  });
});
