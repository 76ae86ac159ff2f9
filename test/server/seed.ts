import {
  createCallEndedEvent,
  createCallStartedEvent,
  createConversationStartedEvent,
  createErrorOccurredEvent,
  createMessageAddedEvent,
  createMetricsRecordedEvent,
  createToolExecutedEvent,
  createTurnCompletedEvent,
} from '../../src/events/create.js';
import type {
  CallStartedData,
  EndedCallStatus,
  MessageAddedData,
  MetricsKind,
  NewEvent,
  TurnCompletedData,
} from '../../src/events/types.js';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';

/** Fixture events, built by the package's event factories with the fixtures' own figures; times chosen by the test. */

export const SLA_MS = 1500;
export const XSS_SCRIPT = '<script>window.__xss=1</script>';
export const XSS_IMG = '<img src=x onerror="window.__xss=1">';

export const callStarted = (callId: string, at: number, data: Partial<CallStartedData> = {}): NewEvent =>
  createCallStartedEvent({ callId, occurredAt: at, ...data });

export const conversationStarted = (callId: string, conversationId: string, at: number, aiModel = 'gpt-4o-mini'): NewEvent =>
  createConversationStartedEvent({
    callId,
    occurredAt: at,
    conversationId,
    aiModel,
    systemPrompt: 'You are a helpful assistant.',
    agentName: 'support-agent',
  });

/** A message at `at`; a user's with the fixtures' STT figures (confidence 0.93, English). */
export const messageAdded = (
  conversationId: string,
  messageId: string,
  role: 'user' | 'assistant',
  content: string,
  at: number,
  extra: Partial<MessageAddedData> = {},
): NewEvent =>
  createMessageAddedEvent({
    occurredAt: at,
    messageId,
    conversationId,
    role,
    content,
    createdAt: at,
    sttConfidence: role === 'user' ? 0.93 : null,
    usageCounted: false,
    language: role === 'user' ? 'en' : null,
    slaThresholdMs: SLA_MS,
    ...extra,
  });

export const toolExecuted = (
  conversationId: string,
  messageId: string,
  name: string,
  args: string,
  output: string,
  at: number,
  isError = false,
): NewEvent =>
  createToolExecutedEvent({
    occurredAt: at,
    messageId,
    conversationId,
    toolCallId: `tc-${messageId}`,
    name,
    arguments: args,
    output,
    isError,
    durationMs: 212,
    createdAt: at,
  });

export const turnCompleted = (conversationId: string, turnId: string, at: number, waterfall: Partial<TurnCompletedData>): NewEvent =>
  createTurnCompletedEvent({ occurredAt: at, conversationId, turnId, startedAt: at, slaThresholdMs: SLA_MS, ...waterfall });

export const metricsRecorded = (conversationId: string, kind: MetricsKind, at: number, costUsd: number, latencyMs: number): NewEvent =>
  createMetricsRecordedEvent({
    occurredAt: at,
    conversationId,
    kind,
    provider: 'test',
    model: kind === 'llm' ? 'gpt-4o-mini' : kind === 'stt' ? 'nova-3' : 'sonic-2',
    latencyMs,
    tokensInput: kind === 'llm' ? 420 : null,
    tokensCachedInput: kind === 'llm' ? 0 : null,
    tokensOutput: kind === 'llm' ? 60 : null,
    audioDurationMs: kind === 'stt' ? 4000 : null,
    characters: kind === 'tts' ? 80 : null,
    costUsd,
    priceVersion: 'test',
  });

export const callEnded = (
  callId: string,
  at: number,
  status: EndedCallStatus = 'completed',
  reason: string | null = null,
  error: string | null = null,
): NewEvent => createCallEndedEvent({ callId, occurredAt: at, status, reason, error });

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
  push(callStarted(x, t0, { livekitRoom: 'room-helpdesk-1', callerNumber: '+15550100', agentName: 'support-agent' }));
  push(conversationStarted(x, 'conv-xss', t0 + 100));
  push(messageAdded('conv-xss', 'm-xss-u1', 'user', `Hi, my order ${XSS_SCRIPT} is late`, t0 + 1_000));
  push(
    messageAdded('conv-xss', 'm-xss-a1', 'assistant', `Sorry about that! ${XSS_IMG} Let me check your order.`, t0 + 3_000, {
      processingTimeMs: 1_180,
      llmModel: 'gpt-4o-mini',
      llmTokensInput: 420,
      llmTokensOutput: 60,
      llmCostUsd: 0.0021,
    }),
  );
  push(
    turnCompleted('conv-xss', 'turn-xss-1', t0 + 1_800, {
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
    toolExecuted(
      'conv-xss',
      'm-xss-t1',
      'lookup_order',
      JSON.stringify({ orderId: 'A-1042', note: XSS_IMG }),
      JSON.stringify({ status: 'shipped', carrier: XSS_SCRIPT }),
      t0 + 3_500,
    ),
  );
  push(messageAdded('conv-xss', 'm-xss-u2', 'user', 'Can you send it faster?', t0 + 8_000));
  push(
    messageAdded('conv-xss', 'm-xss-a2', 'assistant', 'I can upgrade the shipping to express for', t0 + 11_000, {
      processingTimeMs: 2_350,
      llmModel: 'gpt-4o-mini',
      interrupted: true,
    }),
  );
  push(
    turnCompleted('conv-xss', 'turn-xss-2', t0 + 8_700, {
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
  push(toolExecuted('conv-xss', 'm-xss-t2', 'upgrade_shipping', '{"orderId":"A-1042"}', 'carrier API unavailable', t0 + 12_000, true));
  push(metricsRecorded('conv-xss', 'llm', t0 + 3_000, 0.0021, 510));
  push(metricsRecorded('conv-xss', 'stt', t0 + 3_000, 0.0008, 310));
  push(metricsRecorded('conv-xss', 'tts', t0 + 3_000, 0.0012, 250));
  push(
    createErrorOccurredEvent({
      occurredAt: t0 + 12_100,
      conversationId: 'conv-xss',
      source: 'tts',
      errorType: 'APITimeoutError',
      message: `TTS request timed out ${XSS_SCRIPT}`,
    }),
  );
  push(callEnded(x, t0 + 95_000, 'completed', 'user hung up'));

  // A failed call.
  const f = 'call-failed-1';
  const f0 = now - 3 * 3_600_000;
  push(callStarted(f, f0, { livekitRoom: 'room-sales-7' }));
  push(conversationStarted(f, 'conv-failed', f0 + 50));
  push(messageAdded('conv-failed', 'm-f-u1', 'user', 'Hello? Anyone there?', f0 + 1_000));
  push(callEnded(f, f0 + 20_000, 'failed', 'sip timeout', 'SIP 408 from carrier'));

  // An active call.
  const a = 'call-active-1';
  push(callStarted(a, now - 120_000, { livekitRoom: 'room-live' }));
  push(conversationStarted(a, 'conv-active', now - 119_000));
  push(messageAdded('conv-active', 'm-a-u1', 'user', 'I would like to book a table.', now - 110_000));

  // Ordinary calls over the last 24 hours and on two earlier days.
  const starts = Array.from({ length: bulk }, (_, i) => now - 60 * 60_000 - i * Math.floor((22 * 3_600_000) / bulk));
  starts.push(now - 2 * 86_400_000 - 3_600_000, now - 4 * 86_400_000);
  starts.forEach((s, i) => {
    const id = `call-bulk-${String(i).padStart(2, '0')}`;
    const conv = `conv-bulk-${i}`;
    const e2e = 700 + ((i * 173) % 1400);
    push(callStarted(id, s, { livekitRoom: `room-${i % 3 === 0 ? 'support' : 'sales'}-${i % 5}` }));
    push(conversationStarted(id, conv, s + 10, i % 2 ? 'gpt-4o' : 'gpt-4o-mini'));
    const turns = 1 + (i % 4);
    for (let k = 0; k < turns; k++) {
      const at = s + 2_000 + k * 6_000;
      push(messageAdded(conv, `m-b${i}-u${k}`, 'user', `Question ${k + 1} of call ${i}`, at));
      push(
        messageAdded(conv, `m-b${i}-a${k}`, 'assistant', `Answer ${k + 1} of call ${i}`, at + 1_500, { processingTimeMs: e2e + k * 90 }),
      );
      push(
        turnCompleted(conv, `turn-b${i}-${k}`, at + 800, {
          assistantMessageId: `m-b${i}-a${k}`,
          endOfTurnDelayMs: 300 + k * 20,
          transcriptionDelayMs: 200,
          llmTtftMs: e2e - 550 + k * 50,
          ttsTtfbMs: 250 + k * 20,
          e2eLatencyMs: e2e + k * 90,
        }),
      );
    }
    push(metricsRecorded(conv, 'llm', s + 3_000, 0.001 * (1 + (i % 3)), 400));
    push(metricsRecorded(conv, 'stt', s + 3_000, 0.0006, 200));
    push(metricsRecorded(conv, 'tts', s + 3_000, 0.0009, 250));
    const status: EndedCallStatus = i % 7 === 3 ? 'abandoned' : i % 9 === 5 ? 'failed' : 'completed';
    push(callEnded(id, s + 30_000 + i * 1_000, status, status === 'completed' ? 'user hung up' : 'no answer'));
  });

  // Enqueued in order (append() queues synchronously); each promise settles when its batch commits.
  await Promise.all(events.map((e) => logger.append(e)));
  return { now, xssCallId: x, failedCallId: f, activeCallId: a, total: starts.length + 3, bulk: starts.length };
}
