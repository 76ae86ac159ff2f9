import type {
  CallStartedData,
  EndedCallStatus,
  MessageAddedData,
  MetricsKind,
  NewEvent,
  NewEventOf,
  TurnCompletedData,
} from '../../src/events/types.js';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';

/** Event factories for fixtures: every field explicit, times chosen by the test. */

export const SLA_MS = 1500;
export const XSS_SCRIPT = '<script>window.__xss=1</script>';
export const XSS_IMG = '<img src=x onerror="window.__xss=1">';

export const createCallStartedEvent = (callId: string, at: number, data: Partial<CallStartedData> = {}): NewEventOf<'call_started'> => ({
  type: 'call_started',
  callId,
  occurredAt: at,
  data: { callerNumber: null, livekitRoom: null, jobId: null, agentId: null, agentName: null, agentsVersion: null, metadata: null, ...data },
});

export const createConversationStartedEvent = (callId: string, conversationId: string, at: number, aiModel = 'gpt-4o-mini'): NewEvent => ({
  type: 'conversation_started',
  callId,
  occurredAt: at,
  data: { conversationId, aiModel, systemPrompt: 'You are a helpful assistant.', agentName: 'support-agent', metadata: null },
});

export const createMessageAddedEvent = (
  conversationId: string,
  messageId: string,
  role: 'user' | 'assistant',
  content: string,
  at: number,
  extra: Partial<MessageAddedData> = {},
): NewEvent => ({
  type: 'message_added',
  callId: null,
  occurredAt: at,
  data: {
    messageId,
    conversationId,
    role,
    content,
    createdAt: at,
    sttConfidence: role === 'user' ? 0.93 : null,
    processingTimeMs: null,
    llmModel: null,
    llmTokensInput: null,
    llmTokensOutput: null,
    llmCostUsd: null,
    usageCounted: false,
    interrupted: false,
    language: role === 'user' ? 'en' : null,
    itemId: null,
    slaThresholdMs: SLA_MS,
    implausible: false,
    metadata: null,
    ...extra,
  },
});

export const createToolExecutedEvent = (
  conversationId: string,
  messageId: string,
  name: string,
  args: string,
  output: string,
  at: number,
  isError = false,
): NewEvent => ({
  type: 'tool_executed',
  callId: null,
  occurredAt: at,
  data: { messageId, conversationId, toolCallId: `tc-${messageId}`, name, arguments: args, output, isError, durationMs: 212, createdAt: at },
});

export const createTurnCompletedEvent = (
  conversationId: string,
  turnId: string,
  at: number,
  waterfall: Partial<TurnCompletedData>,
): NewEvent => ({
  type: 'turn_completed',
  callId: null,
  occurredAt: at,
  data: {
    conversationId,
    turnId,
    userMessageId: null,
    assistantMessageId: null,
    startedAt: at,
    endOfTurnDelayMs: null,
    transcriptionDelayMs: null,
    onUserTurnCompletedDelayMs: null,
    llmTtftMs: null,
    ttsTtfbMs: null,
    playbackLatencyMs: null,
    e2eLatencyMs: null,
    e2eDerived: false,
    unattributedMs: null,
    outcome: 'completed',
    implausible: false,
    slaThresholdMs: SLA_MS,
    costUsd: null,
    ...waterfall,
  },
});

export const createMetricsRecordedEvent = (conversationId: string, kind: MetricsKind, at: number, costUsd: number, latencyMs: number): NewEvent => ({
  type: 'metrics_recorded',
  callId: null,
  occurredAt: at,
  data: {
    conversationId,
    kind,
    speechId: null,
    requestId: null,
    provider: 'test',
    model: kind === 'llm' ? 'gpt-4o-mini' : kind === 'stt' ? 'nova-3' : 'sonic-2',
    latencyMs,
    durationMs: null,
    tokensInput: kind === 'llm' ? 420 : null,
    tokensCachedInput: kind === 'llm' ? 0 : null,
    tokensOutput: kind === 'llm' ? 60 : null,
    audioDurationMs: kind === 'stt' ? 4000 : null,
    characters: kind === 'tts' ? 80 : null,
    costUsd,
    priceVersion: 'test',
    raw: {},
  },
});

export const createCallEndedEvent = (callId: string, at: number, status: EndedCallStatus = 'completed', reason: string | null = null, error: string | null = null): NewEvent => ({
  type: 'call_ended',
  callId,
  occurredAt: at,
  data: { status, reason, error },
});

export interface Seeded {
  now: number;
  xssCallId: string;
  failedCallId: string;
  activeCallId: string;
  /** Calls in the store. */
  total: number;
  bulk: number;
}

/**
 * A store with one call full of hostile text (transcript, tool arguments and output), one
 * failed call, one active call and `bulk` ordinary calls spread over the last 24 hours, plus
 * two calls on earlier days, so every page and chart has something to show.
 */
export async function seedStore(logger: ConversationLogger, now = Date.now(), bulk = 30): Promise<Seeded> {
  const events: NewEvent[] = [];
  const push = (...e: NewEvent[]) => events.push(...e);

  // The call a person would open: a chat with hostile text, tool calls, waterfalls, an interruption and an error.
  const x = 'call-xss';
  const t0 = now - 30 * 60_000;
  push(createCallStartedEvent(x, t0, { livekitRoom: 'room-helpdesk-1', callerNumber: '+15550100', agentName: 'support-agent' }));
  push(createConversationStartedEvent(x, 'conv-xss', t0 + 100));
  push(createMessageAddedEvent('conv-xss', 'm-xss-u1', 'user', `Hi, my order ${XSS_SCRIPT} is late`, t0 + 1_000));
  push(
    createMessageAddedEvent('conv-xss', 'm-xss-a1', 'assistant', `Sorry about that! ${XSS_IMG} Let me check your order.`, t0 + 3_000, {
      processingTimeMs: 1_180,
      llmModel: 'gpt-4o-mini',
      llmTokensInput: 420,
      llmTokensOutput: 60,
      llmCostUsd: 0.0021,
    }),
  );
  push(
    createTurnCompletedEvent('conv-xss', 'turn-xss-1', t0 + 1_800, {
      userMessageId: 'm-xss-u1',
      assistantMessageId: 'm-xss-a1',
      endOfTurnDelayMs: 420,
      transcriptionDelayMs: 310,
      llmTtftMs: 510,
      ttsTtfbMs: 250,
      e2eLatencyMs: 1_180,
      costUsd: 0.0031,
    }),
  );
  push(
    createToolExecutedEvent(
      'conv-xss',
      'm-xss-t1',
      'lookup_order',
      JSON.stringify({ orderId: 'A-1042', note: XSS_IMG }),
      JSON.stringify({ status: 'shipped', carrier: XSS_SCRIPT }),
      t0 + 3_500,
    ),
  );
  push(createMessageAddedEvent('conv-xss', 'm-xss-u2', 'user', 'Can you send it faster?', t0 + 8_000));
  push(
    createMessageAddedEvent('conv-xss', 'm-xss-a2', 'assistant', 'I can upgrade the shipping to express for', t0 + 11_000, {
      processingTimeMs: 2_350,
      llmModel: 'gpt-4o-mini',
      interrupted: true,
    }),
  );
  push(
    createTurnCompletedEvent('conv-xss', 'turn-xss-2', t0 + 8_700, {
      userMessageId: 'm-xss-u2',
      assistantMessageId: 'm-xss-a2',
      endOfTurnDelayMs: 640,
      transcriptionDelayMs: 380,
      onUserTurnCompletedDelayMs: 120,
      llmTtftMs: 1_190,
      ttsTtfbMs: 400,
      e2eLatencyMs: 2_350,
      outcome: 'interrupted',
    }),
  );
  push(createToolExecutedEvent('conv-xss', 'm-xss-t2', 'upgrade_shipping', '{"orderId":"A-1042"}', 'carrier API unavailable', t0 + 12_000, true));
  push(createMetricsRecordedEvent('conv-xss', 'llm', t0 + 3_000, 0.0021, 510));
  push(createMetricsRecordedEvent('conv-xss', 'stt', t0 + 3_000, 0.0008, 310));
  push(createMetricsRecordedEvent('conv-xss', 'tts', t0 + 3_000, 0.0012, 250));
  push({
    type: 'error_occurred',
    callId: null,
    occurredAt: t0 + 12_100,
    data: { conversationId: 'conv-xss', source: 'tts', errorType: 'APITimeoutError', message: `TTS request timed out ${XSS_SCRIPT}`, recoverable: false },
  });
  push(createCallEndedEvent(x, t0 + 95_000, 'completed', 'user hung up'));

  // A failed call.
  const f = 'call-failed-1';
  const f0 = now - 3 * 3_600_000;
  push(createCallStartedEvent(f, f0, { livekitRoom: 'room-sales-7' }));
  push(createConversationStartedEvent(f, 'conv-failed', f0 + 50));
  push(createMessageAddedEvent('conv-failed', 'm-f-u1', 'user', 'Hello? Anyone there?', f0 + 1_000));
  push(createCallEndedEvent(f, f0 + 20_000, 'failed', 'sip timeout', 'SIP 408 from carrier'));

  // An active call.
  const a = 'call-active-1';
  push(createCallStartedEvent(a, now - 120_000, { livekitRoom: 'room-live' }));
  push(createConversationStartedEvent(a, 'conv-active', now - 119_000));
  push(createMessageAddedEvent('conv-active', 'm-a-u1', 'user', 'I would like to book a table.', now - 110_000));

  // Ordinary calls over the last 24 hours and on two earlier days.
  const starts = Array.from({ length: bulk }, (_, i) => now - 60 * 60_000 - i * Math.floor((22 * 3_600_000) / bulk));
  starts.push(now - 2 * 86_400_000 - 3_600_000, now - 4 * 86_400_000);
  starts.forEach((s, i) => {
    const id = `call-bulk-${String(i).padStart(2, '0')}`;
    const conv = `conv-bulk-${i}`;
    const e2e = 700 + ((i * 173) % 1400);
    push(createCallStartedEvent(id, s, { livekitRoom: `room-${i % 3 === 0 ? 'support' : 'sales'}-${i % 5}` }));
    push(createConversationStartedEvent(id, conv, s + 10, i % 2 ? 'gpt-4o' : 'gpt-4o-mini'));
    const turns = 1 + (i % 4);
    for (let k = 0; k < turns; k++) {
      const at = s + 2_000 + k * 6_000;
      push(createMessageAddedEvent(conv, `m-b${i}-u${k}`, 'user', `Question ${k + 1} of call ${i}`, at));
      push(createMessageAddedEvent(conv, `m-b${i}-a${k}`, 'assistant', `Answer ${k + 1} of call ${i}`, at + 1_500, { processingTimeMs: e2e + k * 90 }));
      push(
        createTurnCompletedEvent(conv, `turn-b${i}-${k}`, at + 800, {
          assistantMessageId: `m-b${i}-a${k}`,
          endOfTurnDelayMs: 300 + k * 20,
          transcriptionDelayMs: 200,
          llmTtftMs: e2e - 550 + k * 50,
          ttsTtfbMs: 250 + k * 20,
          e2eLatencyMs: e2e + k * 90,
        }),
      );
    }
    push(createMetricsRecordedEvent(conv, 'llm', s + 3_000, 0.001 * (1 + (i % 3)), 400));
    push(createMetricsRecordedEvent(conv, 'stt', s + 3_000, 0.0006, 200));
    push(createMetricsRecordedEvent(conv, 'tts', s + 3_000, 0.0009, 250));
    const status: EndedCallStatus = i % 7 === 3 ? 'abandoned' : i % 9 === 5 ? 'failed' : 'completed';
    push(createCallEndedEvent(id, s + 30_000 + i * 1_000, status, status === 'completed' ? 'user hung up' : 'no answer'));
  });

  // Enqueued in order (append() queues synchronously); each promise settles when its batch commits.
  await Promise.all(events.map((e) => logger.append(e)));
  return { now, xssCallId: x, failedCallId: f, activeCallId: a, total: starts.length + 3, bulk: starts.length };
}
