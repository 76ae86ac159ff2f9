/** The spans under a call's root: each turn's `invoke_agent` span with its stages, and the `chat` and `execute_tool` spans of what a turn (or the call) did. */
import type { CallDetail, CallMessage, CallTurn } from '../queries/call-detail.js';
import { attr, hex, nanos, providerName, seconds, tt } from './otlp-attributes.js';
import { SPAN_KIND, STATUS_CODE, type OtlpKeyValue, type OtlpSpan } from './otlp-json.js';
import type { OtlpModelCall } from './otlp-model-calls.js';

export interface OtlpOptions {
  /** Put transcripts in the spans (`gen_ai.input.messages` / `gen_ai.output.messages`, tool arguments and results). Off by default: they are personal data. */
  withContent?: boolean;
}

/** What happened within one turn, in time order: its model requests and tool calls. */
export interface TurnWork {
  calls: OtlpModelCall[];
  tools: CallMessage[];
  /** When the turn began (its user message), ms UTC: nothing of it is drawn before. */
  begin: number;
}

const endOfTool = (m: CallMessage) => m.createdAt + Math.max(0, m.processingTimeMs ?? 0);
/** When a model request started: its end less its duration (or its time to first token). */
export const startOfCall = (m: OtlpModelCall) => m.endedAt - Math.max(0, m.durationMs ?? m.ttftMs ?? 0);

/** What the spans of one call are built from: the call, its trace id, the export's options and its messages by id. */
export interface SpanContext {
  d: CallDetail;
  traceId: string;
  options: OtlpOptions;
  messages: Map<string, CallMessage>;
}

const finishReasonOf = (t: CallTurn | null): string =>
  t && (t.outcome === 'interrupted' || t.outcome === 'failed') ? tt.GenAIFinishReason.ERROR : tt.GenAIFinishReason.STOP;

const outputMessages = (parts: object[], finishReason: string) =>
  JSON.stringify([{ role: 'assistant', parts, finish_reason: finishReason }]);

const maybeJson = (s: string): unknown => {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return s;
  }
};

export function turnToSpans(ctx: SpanContext, t: CallTurn, parent: string, w: TurnWork): OtlpSpan[] {
  const { d, traceId, options, messages } = ctx;
  const conversation = d.conversations.find((x) => x.id === t.conversationId);
  const reply = t.assistantMessageId ? messages.get(t.assistantMessageId) : undefined;
  const user = t.userMessageId ? messages.get(t.userMessageId) : undefined;
  const start = t.startedAt;
  const turnId = hex(`span:${t.id}`, 8);
  const model = reply?.llmModel ?? conversation?.aiModel ?? null;
  const agentName = conversation?.agentName ?? null;
  const provider = providerName(w.calls[0]?.provider ?? null);
  const finishReason = finishReasonOf(t);

  const children: OtlpSpan[] = [];
  let at = start;
  const stage = (name: string, ms: number | null, kind: number, attributes: OtlpKeyValue[]) => {
    if (ms === null || ms < 0) return;
    children.push({
      traceId,
      spanId: hex(`span:${t.id}:${name}`, 8),
      parentSpanId: turnId,
      name,
      kind,
      startTimeUnixNano: nanos(at),
      endTimeUnixNano: nanos(at + ms),
      attributes,
    });
    at += ms;
  };
  stage(
    'speech_to_text',
    t.endOfTurnDelayMs === null ? null : t.endOfTurnDelayMs + (t.onUserTurnCompletedDelayMs ?? 0),
    SPAN_KIND.INTERNAL,
    [
      ...attr('livekit.stage', 'end_of_turn'),
      ...attr(tt.ATTR_END_OF_TURN_DELAY, seconds(t.endOfTurnDelayMs)),
      ...attr(tt.ATTR_TRANSCRIPTION_DELAY, seconds(t.transcriptionDelayMs)),
      ...attr(tt.ATTR_TRANSCRIPT_CONFIDENCE, user?.sttConfidence ?? null),
    ],
  );
  if (w.calls.length === 0) {
    // No request recorded (older data, or a model without metrics): one chat span from the waterfall.
    stage(`chat${model ? ` ${model}` : ''}`, t.llmTtftMs, SPAN_KIND.CLIENT, [
      ...attr(tt.ATTR_GEN_AI_OPERATION_NAME, 'chat'),
      ...attr(tt.ATTR_GEN_AI_PROVIDER_NAME, provider),
      ...attr(tt.ATTR_GEN_AI_REQUEST_MODEL, model),
      ...attr(tt.ATTR_GEN_AI_CONVERSATION_ID, t.conversationId),
      ...attr(tt.ATTR_GEN_AI_USAGE_INPUT_TOKENS, reply?.llmTokensInput ?? null),
      ...attr(tt.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS, reply?.llmTokensOutput ?? null),
      ...attr(tt.ATTR_RESPONSE_TTFT, seconds(t.llmTtftMs)),
      ...attr('livekit.llm.cost_usd', reply?.llmCostUsd ?? null),
      ...(options.withContent && reply
        ? attr(tt.ATTR_GEN_AI_OUTPUT_MESSAGES, outputMessages([{ type: 'text', content: reply.content }], finishReason))
        : []),
    ]);
  } else children.push(...workSpans(ctx, turnId, t.id, w, t));
  stage('text_to_speech', t.ttsTtfbMs, SPAN_KIND.CLIENT, [
    ...attr('livekit.stage', 'tts_first_byte'),
    ...attr(tt.ATTR_RESPONSE_TTFB, seconds(t.ttsTtfbMs)),
  ]);

  // The turn's span covers its stages and everything it did.
  const e2eEnd = start + (t.e2eLatencyMs !== null && t.e2eLatencyMs >= 0 ? t.e2eLatencyMs : 0);
  const end = children.reduce((m, s) => (BigInt(s.endTimeUnixNano) > m ? BigInt(s.endTimeUnixNano) : m), BigInt(nanos(e2eEnd)));
  const begin = children.reduce((m, s) => (BigInt(s.startTimeUnixNano) < m ? BigInt(s.startTimeUnixNano) : m), BigInt(nanos(start)));
  const turn: OtlpSpan = {
    traceId,
    spanId: turnId,
    parentSpanId: parent,
    name: `invoke_agent${agentName ? ` ${agentName}` : ''}`,
    kind: SPAN_KIND.INTERNAL,
    startTimeUnixNano: `${begin}`,
    endTimeUnixNano: `${end}`,
    attributes: [
      ...attr(tt.ATTR_GEN_AI_OPERATION_NAME, 'invoke_agent'),
      ...attr(tt.ATTR_GEN_AI_PROVIDER_NAME, provider),
      ...attr(tt.ATTR_GEN_AI_AGENT_NAME, agentName),
      ...attr(tt.ATTR_GEN_AI_CONVERSATION_ID, t.conversationId),
      ...attr(tt.ATTR_GEN_AI_REQUEST_MODEL, w.calls[0]?.model ?? model),
      ...attr(tt.ATTR_AGENT_TURN_ID, t.id),
      ...attr(tt.ATTR_SPEECH_INTERRUPTED, t.outcome === 'interrupted'),
      ...attr(tt.ATTR_E2E_LATENCY, seconds(t.e2eLatencyMs)),
      ...attr('livekit.turn.outcome', t.outcome),
      ...attr('livekit.turn.e2e_derived', t.e2eDerived),
      ...attr('livekit.turn.unattributed_ms', t.unattributedMs),
      ...attr('livekit.turn.sla_violation', t.slaViolation),
      ...attr('livekit.turn.cost_usd', t.costUsd),
      ...(options.withContent && user
        ? attr(tt.ATTR_GEN_AI_INPUT_MESSAGES, JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: user.content }] }]))
        : []),
      ...(options.withContent && reply
        ? attr(tt.ATTR_GEN_AI_OUTPUT_MESSAGES, outputMessages([{ type: 'text', content: reply.content }], finishReason))
        : []),
    ],
    ...(t.outcome === 'failed' ? { status: { code: STATUS_CODE.ERROR, message: 'turn failed' } } : {}),
  };
  return [turn, ...children];
}

/**
 * The `chat` span of each model request and the `execute_tool` span of each tool call of one
 * turn (or of the call, outside any turn), at the times they happened and never before the turn began.
 */
export function workSpans(ctx: SpanContext, parent: string, seed: string, w: TurnWork, turn: CallTurn | null): OtlpSpan[] {
  const notBefore = w.begin;
  const { d, traceId, options, messages } = ctx;
  const reply = turn?.assistantMessageId ? messages.get(turn.assistantMessageId) : undefined;
  const spans: OtlpSpan[] = [];
  w.calls.forEach((m, i) => {
    const start = Math.max(notBefore, startOfCall(m));
    const next = w.calls[i + 1];
    // The tools this request asked for: those that started after it did and before the next request.
    const tools = w.tools.filter((x) => x.createdAt >= startOfCall(m) && (!next || x.createdAt < startOfCall(next)));
    const finish = tools.length > 0 ? tt.GenAIFinishReason.TOOL_CALL : finishReasonOf(turn);
    const parts: object[] =
      tools.length > 0
        ? tools.map((x) => ({
            type: 'tool_call',
            id: x.toolCallId,
            name: x.toolName ?? 'unknown',
            arguments: maybeJson(x.toolArguments ?? ''),
          }))
        : !next && reply
          ? [{ type: 'text', content: reply.content }]
          : [];
    const conversationId = m.conversationId ?? turn?.conversationId ?? null;
    spans.push({
      traceId,
      spanId: hex(`span:${seed}:chat:${m.eventId}`, 8),
      parentSpanId: parent,
      name: `chat${m.model ? ` ${m.model}` : ''}`,
      kind: SPAN_KIND.CLIENT,
      startTimeUnixNano: nanos(start),
      endTimeUnixNano: nanos(Math.max(start, m.endedAt)),
      attributes: [
        ...attr(tt.ATTR_GEN_AI_OPERATION_NAME, 'chat'),
        ...attr(tt.ATTR_GEN_AI_PROVIDER_NAME, providerName(m.provider)),
        ...attr(tt.ATTR_GEN_AI_REQUEST_MODEL, m.model),
        ...attr(tt.ATTR_GEN_AI_RESPONSE_ID, m.requestId),
        ...attr(tt.ATTR_GEN_AI_CONVERSATION_ID, conversationId),
        ...attr(tt.ATTR_GEN_AI_RESPONSE_FINISH_REASONS, [finish]),
        ...attr(tt.ATTR_GEN_AI_USAGE_INPUT_TOKENS, m.tokensInput),
        ...attr(tt.ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, m.tokensCachedInput),
        ...attr(tt.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS, m.tokensOutput),
        ...attr(tt.ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, seconds(m.ttftMs)),
        ...attr(tt.ATTR_RESPONSE_TTFT, seconds(m.ttftMs)),
        ...attr('livekit.llm.cost_usd', m.costUsd),
        ...(options.withContent && parts.length > 0 ? attr(tt.ATTR_GEN_AI_OUTPUT_MESSAGES, outputMessages(parts, finish)) : []),
      ],
    });
  });
  for (const x of w.tools) {
    const start = Math.max(notBefore, x.createdAt);
    const name = x.toolName ?? 'unknown';
    const agentName = d.conversations.find((c) => c.id === x.conversationId)?.agentName ?? null;
    spans.push({
      traceId,
      spanId: hex(`span:${seed}:tool:${x.id}`, 8),
      parentSpanId: parent,
      name: `execute_tool ${name}`,
      kind: SPAN_KIND.INTERNAL,
      startTimeUnixNano: nanos(start),
      endTimeUnixNano: nanos(Math.max(start, endOfTool(x))),
      attributes: [
        ...attr(tt.ATTR_GEN_AI_OPERATION_NAME, 'execute_tool'),
        ...attr(tt.ATTR_GEN_AI_TOOL_NAME, name),
        ...attr(tt.ATTR_GEN_AI_TOOL_CALL_ID, x.toolCallId),
        ...attr(tt.ATTR_GEN_AI_TOOL_TYPE, 'function'),
        ...attr(tt.ATTR_GEN_AI_AGENT_NAME, agentName),
        ...attr(tt.ATTR_GEN_AI_CONVERSATION_ID, x.conversationId),
        ...attr(tt.ATTR_FUNCTION_TOOL_ID, x.toolCallId),
        ...attr(tt.ATTR_FUNCTION_TOOL_NAME, name),
        ...attr(tt.ATTR_FUNCTION_TOOL_IS_ERROR, x.toolIsError === true),
        ...attr('livekit.tool.duration_ms', x.processingTimeMs),
        ...(x.toolIsError ? attr(tt.ATTR_ERROR_TYPE, 'tool_error') : []),
        ...(options.withContent ? attr(tt.ATTR_GEN_AI_TOOL_CALL_ARGUMENTS, x.toolArguments) : []),
        ...(options.withContent && !x.toolIsError ? attr(tt.ATTR_GEN_AI_TOOL_CALL_RESULT, x.content) : []),
      ],
      ...(x.toolIsError ? { status: { code: STATUS_CODE.ERROR, message: 'tool failed' } } : {}),
    });
  }
  return spans;
}
