import { initializeLogger, llm, voice, type metrics } from '@livekit/agents';
import { describe, expect, it } from 'vitest';
import type { NewEvent } from '../../src/events/types.js';
import { SessionMapper, type SessionEventLike } from '../../src/plugin/mapper.js';
import { DEFAULT_PRICING } from '../../src/plugin/pricing.js';

// Mapper unit tests, driven by @livekit/agents' own event factories and chat item classes.

initializeLogger({ pretty: false, level: 'silent' });

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const sec = (ms: number) => ms / 1000;

function mapper(options: Partial<ConstructorParameters<typeof SessionMapper>[0]> = {}) {
  let id = 0;
  return new SessionMapper({ callId: 'call-1', newId: () => `id-${++id}`, ...options });
}
const run = (m: SessionMapper, events: unknown[]): NewEvent[] => events.flatMap((e) => m.map(e as SessionEventLike));
const ofType = <K extends NewEvent['type']>(events: NewEvent[], type: K) =>
  events.filter((e): e is Extract<NewEvent, { type: K }> => e.type === type);
const messages = (events: NewEvent[]) => ofType(events, 'message_added').map((e) => e.data);
const turns = (events: NewEvent[]) => ofType(events, 'turn_completed').map((e) => e.data);
const metricsOf = (events: NewEvent[]) => ofType(events, 'metrics_recorded').map((e) => e.data);

const userMessage = (text: string, at: number, extra: Partial<Parameters<typeof llm.ChatMessage.create>[0]> = {}) =>
  voice.createConversationItemAddedEvent(llm.ChatMessage.create({ role: 'user', content: text, createdAt: at, ...extra }), at);

const llmMetrics = (speechId: string | undefined, at: number, over: Partial<metrics.LLMMetrics> = {}): metrics.LLMMetrics => ({
  type: 'llm_metrics',
  label: 'openai.LLM',
  requestId: `req-${at}`,
  timestamp: at,
  durationMs: 400,
  ttftMs: 180,
  cancelled: false,
  completionTokens: 50,
  promptTokens: 1000,
  promptCachedTokens: 0,
  totalTokens: 1050,
  tokensPerSecond: 125,
  ...(speechId ? { speechId } : {}),
  metadata: { modelProvider: 'openai', modelName: 'gpt-4o-mini' },
  ...over,
});
const ttsMetrics = (speechId: string, at: number, chars: number): metrics.TTSMetrics => ({
  type: 'tts_metrics',
  label: 'cartesia.TTS',
  requestId: `tts-${at}`,
  timestamp: at,
  ttfbMs: 130,
  durationMs: 300,
  audioDurationMs: 2000,
  cancelled: false,
  charactersCount: chars,
  streamed: true,
  speechId,
  metadata: { modelProvider: 'cartesia', modelName: 'sonic-2' },
});
const eouMetrics = (speechId: string, at: number, lastSpeakingTimeMs: number): metrics.EOUMetrics => ({
  type: 'eou_metrics',
  timestamp: at,
  endOfUtteranceDelayMs: 250,
  transcriptionDelayMs: 90,
  onUserTurnCompletedDelayMs: 5,
  lastSpeakingTimeMs,
  speechId,
});
const metricsEvent = (m: metrics.AgentMetrics, at: number) => voice.createMetricsCollectedEvent({ metrics: m, createdAt: at });

describe('SessionMapper', () => {
  it('stores ChatMessage metrics (seconds) in milliseconds and the transcript confidence as STT confidence', () => {
    const m = mapper();
    const out = run(m, [
      userMessage('I want to change my booking', T0, {
        transcriptConfidence: 0.91,
        metrics: { endOfTurnDelay: 0.25, transcriptionDelay: 0.09, stoppedSpeakingAt: sec(T0 - 300) },
      }),
      voice.createConversationItemAddedEvent(
        llm.ChatMessage.create({
          role: 'assistant',
          content: 'Sure, what is the booking number?',
          createdAt: T0 + 900,
          metrics: { llmNodeTtft: 0.31, ttsNodeTtfb: 0.12, e2eLatency: 0.95, startedSpeakingAt: sec(T0 + 650) },
        }),
        T0 + 1200,
      ),
    ]);
    const [user, assistant] = messages(out);
    expect(user).toMatchObject({ role: 'user', sttConfidence: 0.91, content: 'I want to change my booking' });
    expect(user!.metadata).toMatchObject({ endOfTurnDelayMs: 250, transcriptionDelayMs: 90, stoppedSpeakingAtMs: T0 - 300 });
    expect(assistant).toMatchObject({ role: 'assistant', processingTimeMs: 950, createdAt: T0 + 650 });
    const [turn] = turns(out);
    expect(turn).toMatchObject({
      endOfTurnDelayMs: 250,
      llmTtftMs: 310,
      ttsTtfbMs: 120,
      e2eLatencyMs: 950,
      e2eDerived: false,
      outcome: 'completed',
      userMessageId: user!.messageId,
      startedAt: T0 - 300,
    });
    expect(turn!.unattributedMs).toBeCloseTo(950 - 250 - 310 - 120, 6);
  });

  it('derives end to end as EOU + LLM TTFT + TTS TTFB when nothing measured it, and says so', () => {
    const m = mapper();
    const speech = voice.SpeechHandle.create();
    const out = run(m, [
      voice.createSpeechCreatedEvent({ userInitiated: false, source: 'generate_reply', speechHandle: speech, createdAt: T0 }),
      metricsEvent(eouMetrics(speech.id, T0, 0), T0),
      userMessage('hello', T0),
      metricsEvent(llmMetrics(speech.id, T0 + 300), T0 + 300),
      metricsEvent(ttsMetrics(speech.id, T0 + 400, 20), T0 + 400),
      voice.createConversationItemAddedEvent(llm.ChatMessage.create({ role: 'assistant', content: 'hi', createdAt: T0 + 500 }), T0 + 500),
    ]);
    const [turn] = turns(out);
    expect(turn).toMatchObject({ e2eLatencyMs: 250 + 180 + 130, e2eDerived: true, unattributedMs: null });
  });

  it('charges an interrupted reply with its own speech, although it arrives after the user turn that cut it', () => {
    const m = mapper({ slaThresholdMs: 1000 });
    const first = voice.SpeechHandle.create();
    const second = voice.SpeechHandle.create();
    const cut = llm.ChatMessage.create({ role: 'assistant', content: 'Of course, I can', interrupted: true, createdAt: T0 + 700 });
    const answer = llm.ChatMessage.create({ role: 'assistant', content: 'Paris is sunny', createdAt: T0 + 5000 });
    const out = run(m, [
      voice.createSpeechCreatedEvent({ userInitiated: false, source: 'generate_reply', speechHandle: first, createdAt: T0 }),
      metricsEvent(eouMetrics(first.id, T0, T0 - 250), T0),
      userMessage('help me', T0),
      metricsEvent(llmMetrics(first.id, T0 + 200, { promptTokens: 1000, completionTokens: 100 }), T0 + 200),
      metricsEvent(ttsMetrics(first.id, T0 + 350, 200), T0 + 350),
      // The user speaks over the answer: a new speech, its EOU and user message come first…
      voice.createSpeechCreatedEvent({ userInitiated: false, source: 'generate_reply', speechHandle: second, createdAt: T0 + 3000 }),
      metricsEvent(eouMetrics(second.id, T0 + 3000, T0 + 2750), T0 + 3000),
      userMessage('actually, the weather in Paris?', T0 + 3000),
      // …then the cut answer (LiveKit adds it to its handle before emitting it).
      (first._itemAdded([cut]), voice.createConversationItemAddedEvent(cut, T0 + 3001)),
      metricsEvent(llmMetrics(second.id, T0 + 3200, { promptTokens: 2000, completionTokens: 10 }), T0 + 3200),
      metricsEvent(llmMetrics(second.id, T0 + 3500, { promptTokens: 2100, completionTokens: 8 }), T0 + 3500),
      metricsEvent(ttsMetrics(second.id, T0 + 3600, 14), T0 + 3600),
      (second._itemAdded([answer]), voice.createConversationItemAddedEvent(answer, T0 + 5000)),
    ]);
    const msgs = messages(out);
    const [u1, u2] = msgs.filter((x) => x.role === 'user');
    const [a1, a2] = msgs.filter((x) => x.role === 'assistant');
    expect(a1).toMatchObject({
      interrupted: true,
      llmModel: 'gpt-4o-mini',
      llmTokensInput: 1000,
      llmTokensOutput: 100,
      usageCounted: false,
    });
    expect(a2).toMatchObject({ interrupted: false, llmTokensInput: 4100, llmTokensOutput: 18 });
    const [t1, t2] = turns(out);
    expect(t1).toMatchObject({
      userMessageId: u1!.messageId,
      assistantMessageId: a1!.messageId,
      outcome: 'interrupted',
      startedAt: T0 - 250,
    });
    expect(t2).toMatchObject({
      userMessageId: u2!.messageId,
      assistantMessageId: a2!.messageId,
      outcome: 'completed',
      startedAt: T0 + 2750,
    });

    const price = DEFAULT_PRICING.llm['gpt-4o-mini']!;
    const llm1 = (1000 * price.inputPerMTok + 100 * price.outputPerMTok) / 1e6;
    expect(a1!.llmCostUsd).toBeCloseTo(llm1, 12);
    expect(t1!.costUsd).toBeCloseTo(llm1 + (200 * DEFAULT_PRICING.tts['sonic-2']!.perMChars) / 1e6, 12);
  });

  it('prices usage with the table it names, and leaves an unknown model unpriced (null, never 0)', () => {
    const m = mapper();
    const out = run(m, [
      metricsEvent(llmMetrics(undefined, T0, { metadata: { modelProvider: 'acme', modelName: 'mystery-1' } }), T0),
      metricsEvent(
        {
          type: 'stt_metrics',
          label: 'deepgram.STT',
          requestId: 'r',
          timestamp: T0,
          durationMs: 0,
          audioDurationMs: 90_000,
          streamed: true,
          metadata: { modelProvider: 'deepgram', modelName: 'nova-3' },
        },
        T0,
      ),
    ]);
    const [unknown, stt] = metricsOf(out);
    expect(unknown).toMatchObject({ kind: 'llm', model: 'mystery-1', costUsd: null, tokensInput: 1000 });
    expect(stt).toMatchObject({ kind: 'stt', audioDurationMs: 90_000, priceVersion: DEFAULT_PRICING.version });
    expect(stt!.costUsd).toBeCloseTo(1.5 * 0.0043, 12);
  });

  it('turns parallel tool arrays into one record per call, with arguments, output, error flag and duration', () => {
    const m = mapper();
    const out = run(m, [
      voice.createFunctionToolsExecutedEvent({
        functionCalls: [
          llm.FunctionCall.create({ callId: 'c1', name: 'lookup_booking', args: '{"ref":"AB12"}', createdAt: T0 }),
          llm.FunctionCall.create({ callId: 'c2', name: 'cancel', args: '{}', createdAt: T0 }),
        ],
        functionCallOutputs: [
          llm.FunctionCallOutput.create({ callId: 'c1', output: '{"status":"confirmed"}', isError: false, createdAt: T0 + 42 }),
          llm.FunctionCallOutput.create({ callId: 'c2', output: 'not allowed', isError: true, createdAt: T0 + 7 }),
        ],
        createdAt: T0 + 50,
      }),
    ]);
    expect(ofType(out, 'tool_executed').map((e) => e.data)).toEqual([
      expect.objectContaining({
        toolCallId: 'c1',
        name: 'lookup_booking',
        arguments: '{"ref":"AB12"}',
        output: '{"status":"confirmed"}',
        isError: false,
        durationMs: 42,
      }),
      expect.objectContaining({ toolCallId: 'c2', name: 'cancel', isError: true, durationMs: 7 }),
    ]);
  });

  it('starts a new conversation on agent handoff, named after the new agent', () => {
    const m = mapper();
    const out = run(m, [
      voice.createConversationItemAddedEvent(llm.AgentHandoffItem.create({ newAgentId: 'greeter' }), T0),
      userMessage('book a table', T0 + 10),
      voice.createConversationItemAddedEvent(llm.AgentHandoffItem.create({ oldAgentId: 'greeter', newAgentId: 'booking' }), T0 + 20),
      userMessage('for two', T0 + 30),
    ]);
    const started = ofType(out, 'conversation_started').map((e) => e.data);
    expect(started.map((s) => s.agentName)).toEqual(['greeter', 'booking']);
    expect(ofType(out, 'conversation_ended').map((e) => e.data.conversationId)).toEqual([started[0]!.conversationId]);
    expect(messages(out).map((x) => x.conversationId)).toEqual([started[0]!.conversationId, started[1]!.conversationId]);
  });

  it('reduces speech_created to plain fields (never the speech handle) and keeps unknown event types as they are', () => {
    const m = mapper();
    const speech = voice.SpeechHandle.create();
    const out = run(m, [
      voice.createSpeechCreatedEvent({ userInitiated: true, source: 'say', speechHandle: speech, createdAt: T0 }),
      { type: 'some_future_event', createdAt: T0, answer: 42, nested: { ok: true }, fn: () => 1 },
      voice.createAgentFalseInterruptionEvent({ resumed: true, createdAt: T0 }),
    ]);
    const sessions = ofType(out, 'session_event').map((e) => e.data);
    expect(sessions[0]).toMatchObject({ name: 'speech_created', payload: { source: 'say', userInitiated: true, speechId: speech.id } });
    expect(Object.keys(sessions[0]!.payload).sort()).toEqual(['source', 'speechId', 'userInitiated']);
    expect(sessions[1]).toMatchObject({ name: 'some_future_event', payload: { answer: 42, nested: { ok: true } } });
    expect(sessions[1]!.payload).not.toHaveProperty('fn');
    expect(sessions[2]).toMatchObject({ name: 'agent_false_interruption', payload: { resumed: true } });
  });

  it('counts interim transcripts into the final one and keeps its language', () => {
    const m = mapper();
    const out = run(m, [
      voice.createUserInputTranscribedEvent({ transcript: 'I', isFinal: false, createdAt: T0 }),
      voice.createUserInputTranscribedEvent({ transcript: 'I want', isFinal: false, createdAt: T0 + 1 }),
      voice.createUserInputTranscribedEvent({ transcript: 'I want a refund', isFinal: true, language: 'en' as never, createdAt: T0 + 2 }),
      userMessage('I want a refund', T0 + 3),
    ]);
    const [final] = ofType(out, 'session_event').map((e) => e.data);
    expect(final).toMatchObject({ name: 'user_input_transcribed', payload: { interimTranscripts: 2, language: 'en' } });
    expect(messages(out)[0]).toMatchObject({ language: 'en', metadata: expect.objectContaining({ interimTranscripts: 2 }) });
  });

  it('flags an implausible latency (over 120 s) instead of averaging it in', () => {
    const m = mapper();
    const out = run(m, [
      userMessage('hi', T0),
      voice.createConversationItemAddedEvent(
        llm.ChatMessage.create({ role: 'assistant', content: 'hello', metrics: { e2eLatency: 600, startedSpeakingAt: sec(T0 + 600_000) } }),
        T0 + 600_000,
      ),
    ]);
    expect(messages(out)[1]).toMatchObject({ processingTimeMs: 600_000, implausible: true });
    expect(turns(out)[0]).toMatchObject({ implausible: true });
  });

  it('ends the call as failed when the session closes on an error, and ignores what comes after close', () => {
    const m = mapper();
    const error: Parameters<typeof voice.createErrorEvent>[0] = {
      type: 'llm_error',
      timestamp: T0,
      label: 'openai.LLM',
      error: new Error('upstream 500'),
      recoverable: false,
    };
    const out = run(m, [
      userMessage('hello', T0),
      voice.createErrorEvent(error, undefined, T0 + 10),
      voice.createCloseEvent(voice.CloseReason.ERROR, error, T0 + 20),
      voice.createUserStateChangedEvent('listening', 'away', T0 + 15_000),
    ]);
    expect(ofType(out, 'error_occurred')[0]!.data).toMatchObject({ errorType: 'llm_error', message: 'upstream 500', recoverable: false });
    expect(ofType(out, 'call_ended')[0]!.data).toMatchObject({ status: 'failed', reason: 'error', error: 'upstream 500' });
    expect(out.at(-1)!.type).toBe('call_ended');
    expect(m.map(voice.createAgentStateChangedEvent('speaking', 'listening') as SessionEventLike)).toEqual([]);
  });

  it('keeps sessions apart: two mappers never share a conversation or a turn', () => {
    const a = mapper({ callId: 'a', newId: () => `a-${Math.random()}` });
    const b = mapper({ callId: 'b', newId: () => `b-${Math.random()}` });
    const outA = run(a, [userMessage('from a', T0)]);
    const outB = run(b, [userMessage('from b', T0)]);
    expect(outA.every((e) => e.callId === 'a')).toBe(true);
    expect(outB.every((e) => e.callId === 'b')).toBe(true);
    expect(messages(outA)[0]!.conversationId).not.toBe(messages(outB)[0]!.conversationId);
  });
});
