import { createHash } from 'node:crypto';
import { telemetry } from '@livekit/agents';
import type { DataSource } from 'typeorm';
import { getCallDetail, type CallDetail, type CallMessage, type CallTurn } from '../queries/call-detail.js';
import { select } from '../queries/sql.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../plugin/plugin.js';

/** An OTLP `AnyValue` as OTLP/JSON writes it (64-bit integers as decimal strings). */
export type OtlpAnyValue =
  | { stringValue: string }
  | { intValue: string }
  | { doubleValue: number }
  | { boolValue: boolean }
  | { arrayValue: { values: OtlpAnyValue[] } };
export interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}
/** An OTLP span as OTLP/JSON writes it: ids in lowercase hex, times in ns as decimal strings. */
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpKeyValue[];
  status?: { code: number; message?: string };
}
export interface OtlpResourceSpans {
  resource: { attributes: OtlpKeyValue[] };
  scopeSpans: { scope: { name: string; version: string }; spans: OtlpSpan[] }[];
}
/** An OTLP `ExportTraceServiceRequest` in its OTLP/JSON form. */
export interface OtlpTraceRequest {
  resourceSpans: OtlpResourceSpans[];
}

/** OTLP `SpanKind` values. */
export const SPAN_KIND = { INTERNAL: 1, CLIENT: 3 } as const;
/** OTLP `Status.StatusCode` values. */
export const STATUS_CODE = { ERROR: 2 } as const;

const tt = telemetry.traceTypes;

/**
 * Every attribute key the export writes, with its one OTLP value type: a key never changes type
 * with its value (a cost of 0 is a `doubleValue` like any other cost). LiveKit's own `lk.*` names
 * (its tracing's `trace_types`) and the GenAI semantic-convention names where they exist, with
 * LiveKit's units (seconds); `livekit.*` for what only this package records.
 */
const ATTRIBUTE_TYPES = {
  'service.name': 'string',
  // the call
  'livekit.call.id': 'string',
  [tt.ATTR_ROOM_NAME]: 'string',
  [tt.ATTR_JOB_ID]: 'string',
  [tt.ATTR_AGENT_NAME]: 'string',
  'livekit.agents.version': 'string',
  'call.status': 'string',
  'call.end_reason': 'string',
  'call.cost_usd': 'double',
  'call.turns': 'int',
  // GenAI
  [tt.ATTR_GEN_AI_OPERATION_NAME]: 'string',
  [tt.ATTR_GEN_AI_PROVIDER_NAME]: 'string',
  [tt.ATTR_GEN_AI_AGENT_NAME]: 'string',
  [tt.ATTR_GEN_AI_CONVERSATION_ID]: 'string',
  [tt.ATTR_GEN_AI_REQUEST_MODEL]: 'string',
  [tt.ATTR_GEN_AI_RESPONSE_ID]: 'string',
  [tt.ATTR_GEN_AI_RESPONSE_FINISH_REASONS]: 'string[]',
  [tt.ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK]: 'double',
  [tt.ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 'int',
  [tt.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 'int',
  [tt.ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]: 'int',
  [tt.ATTR_GEN_AI_INPUT_MESSAGES]: 'string',
  [tt.ATTR_GEN_AI_OUTPUT_MESSAGES]: 'string',
  [tt.ATTR_GEN_AI_TOOL_NAME]: 'string',
  [tt.ATTR_GEN_AI_TOOL_CALL_ID]: 'string',
  [tt.ATTR_GEN_AI_TOOL_TYPE]: 'string',
  [tt.ATTR_GEN_AI_TOOL_CALL_ARGUMENTS]: 'string',
  [tt.ATTR_GEN_AI_TOOL_CALL_RESULT]: 'string',
  [tt.ATTR_ERROR_TYPE]: 'string',
  // LiveKit's turn, stage and tool attributes
  [tt.ATTR_AGENT_TURN_ID]: 'string',
  [tt.ATTR_SPEECH_INTERRUPTED]: 'bool',
  [tt.ATTR_E2E_LATENCY]: 'double',
  [tt.ATTR_END_OF_TURN_DELAY]: 'double',
  [tt.ATTR_TRANSCRIPTION_DELAY]: 'double',
  [tt.ATTR_TRANSCRIPT_CONFIDENCE]: 'double',
  [tt.ATTR_RESPONSE_TTFT]: 'double',
  [tt.ATTR_RESPONSE_TTFB]: 'double',
  [tt.ATTR_FUNCTION_TOOL_ID]: 'string',
  [tt.ATTR_FUNCTION_TOOL_NAME]: 'string',
  [tt.ATTR_FUNCTION_TOOL_IS_ERROR]: 'bool',
  // this package's own figures
  'livekit.turn.outcome': 'string',
  'livekit.turn.e2e_derived': 'bool',
  'livekit.turn.unattributed_ms': 'double',
  'livekit.turn.sla_violation': 'bool',
  'livekit.turn.cost_usd': 'double',
  'livekit.stage': 'string',
  'livekit.llm.cost_usd': 'double',
  'livekit.tool.duration_ms': 'double',
} as const satisfies Record<string, 'string' | 'int' | 'double' | 'bool' | 'string[]'>;

type AttributeTypes = typeof ATTRIBUTE_TYPES;
export type OtlpAttributeKey = keyof AttributeTypes;
type ValueOf<T> = T extends 'string' ? string : T extends 'int' | 'double' ? number : T extends 'bool' ? boolean : string[];

/** The OTLP value type of every attribute key the export writes (one per key). */
export const OTLP_ATTRIBUTE_TYPES: Readonly<Record<OtlpAttributeKey, 'string' | 'int' | 'double' | 'bool' | 'string[]'>> = ATTRIBUTE_TYPES;

/** `key` = `v` with the key's declared type; nothing for null / undefined (or a non-finite number). */
function attr<K extends OtlpAttributeKey>(key: K, v: ValueOf<AttributeTypes[K]> | null | undefined): OtlpKeyValue[] {
  if (v === null || v === undefined) return [];
  const type = ATTRIBUTE_TYPES[key];
  switch (type) {
    case 'string':
      return [{ key, value: { stringValue: String(v) } }];
    case 'bool':
      return [{ key, value: { boolValue: v === true } }];
    case 'string[]':
      return [{ key, value: { arrayValue: { values: (v as string[]).map((s) => ({ stringValue: s })) } } }];
    case 'int':
      return Number.isFinite(v) ? [{ key, value: { intValue: String(Math.round(v as number)) } }] : [];
    case 'double':
      return Number.isFinite(v) ? [{ key, value: { doubleValue: v as number } }] : [];
  }
}

const hex = (seed: string, bytes: number) =>
  createHash('sha256')
    .update(seed)
    .digest('hex')
    .slice(0, bytes * 2);
const nanos = (ms: number) => `${BigInt(Math.round(ms * 1000)) * 1000n}`;
const seconds = (ms: number | null) => (ms === null ? null : ms / 1000);

/** The GenAI registry's spelling of a LiveKit provider (LiveKit's own mapping); `unknown` when none is known, as LiveKit's base LLM reports. */
const providerName = (provider: string | null | undefined): string => tt.genAIProviderName(provider) ?? 'unknown';

export interface OtlpOptions {
  /** Put transcripts in the spans (`gen_ai.input.messages` / `gen_ai.output.messages`, tool arguments and results). Off by default: they are personal data. */
  withContent?: boolean;
}

/** One LLM (or realtime model) request of a call, as its `metrics_recorded` event has it. */
export interface OtlpModelCall {
  eventId: string;
  conversationId: string | null;
  kind: 'llm' | 'realtime';
  requestId: string | null;
  provider: string | null;
  model: string | null;
  /** When the request finished, ms UTC. */
  endedAt: number;
  durationMs: number | null;
  ttftMs: number | null;
  tokensInput: number | null;
  tokensCachedInput: number | null;
  tokensOutput: number | null;
  costUsd: number | null;
}

/** What happened within one turn, in time order: its model requests and tool calls. */
interface TurnWork {
  calls: OtlpModelCall[];
  tools: CallMessage[];
  /** When the turn began (its user message), ms UTC: nothing of it is drawn before. */
  begin: number;
}

const endOfTool = (m: CallMessage) => m.createdAt + Math.max(0, m.processingTimeMs ?? 0);
const startOfCall = (m: OtlpModelCall) => m.endedAt - Math.max(0, m.durationMs ?? m.ttftMs ?? 0);

/**
 * One call as an OTLP/JSON `ExportTraceServiceRequest`, with the OpenTelemetry GenAI semantic
 * conventions: one trace per call (ids derived from the call id, so a re-export is identical), a
 * root `call` span, an `invoke_agent {agent}` span per turn, and under it a `speech_to_text`
 * span (end of turn), a `chat {model}` span (kind CLIENT) per LLM request, an
 * `execute_tool {tool}` span per tool call (error status when the tool failed) and a
 * `text_to_speech` span (TTS time to first byte). Model requests come from `modelCalls` (the
 * call's `metrics_recorded` events, see {@link toOtlp}); a turn without any gets one `chat` span
 * from its LLM time to first token.
 */
export function callToOtlp(d: CallDetail, options: OtlpOptions = {}, modelCalls: readonly OtlpModelCall[] = []): OtlpTraceRequest {
  const c = d.call;
  const traceId = hex(`trace:${c.id}`, 16);
  const rootId = hex(`span:${c.id}`, 8);
  const messages = new Map(d.messages.map((m) => [m.id, m]));

  // A turn begins when its user message does (a turn's own start is when the answer's clock
  // started, after any tool round). Each model request and tool call belongs to the last turn of
  // its conversation that began before the request or call started (a request can end after the
  // next user message: LiveKit reports its usage when the stream closes, after the reply).
  const begins = new Map(
    d.turns.map((t) => [t.id, Math.min(t.startedAt, (t.userMessageId && messages.get(t.userMessageId)?.createdAt) || t.startedAt)]),
  );
  const work = new Map<string, TurnWork>(d.turns.map((t) => [t.id, { calls: [], tools: [], begin: begins.get(t.id)! }]));
  const loose: TurnWork = { calls: [], tools: [], begin: c.startedAt };
  const turnAt = (conversationId: string | null, at: number): TurnWork => {
    let best: CallTurn | null = null;
    for (const t of d.turns)
      if (
        (conversationId === null || t.conversationId === conversationId) &&
        begins.get(t.id)! <= at &&
        (!best || begins.get(t.id)! >= begins.get(best.id)!)
      )
        best = t;
    return best ? work.get(best.id)! : loose;
  };
  for (const m of [...modelCalls].sort((a, b) => startOfCall(a) - startOfCall(b))) turnAt(m.conversationId, startOfCall(m)).calls.push(m);
  for (const m of d.messages) if (m.role === 'tool') turnAt(m.conversationId, m.createdAt).tools.push(m);

  const spans: OtlpSpan[] = [];
  let lastAt = Math.max(c.startedAt, ...d.messages.map((m) => m.createdAt));
  const ctx: SpanContext = { d, traceId, options, messages };
  for (const t of d.turns) {
    const turnSpans = turnToSpans(ctx, t, rootId, work.get(t.id)!);
    for (const s of turnSpans) lastAt = Math.max(lastAt, Number(BigInt(s.endTimeUnixNano) / 1_000_000n));
    spans.push(...turnSpans);
  }
  // Requests and tools outside any turn (a greeting, say) hang off the call itself.
  const looseSpans = workSpans(ctx, rootId, `call:${c.id}`, loose, null);
  for (const s of looseSpans) lastAt = Math.max(lastAt, Number(BigInt(s.endTimeUnixNano) / 1_000_000n));
  spans.unshift({
    traceId,
    spanId: rootId,
    name: 'call',
    kind: SPAN_KIND.INTERNAL,
    startTimeUnixNano: nanos(c.startedAt),
    endTimeUnixNano: nanos(Math.max(c.endedAt ?? lastAt, lastAt)),
    attributes: [
      ...attr('livekit.call.id', c.id),
      ...attr(tt.ATTR_ROOM_NAME, c.livekitRoom),
      ...attr(tt.ATTR_JOB_ID, c.jobId),
      ...attr(tt.ATTR_AGENT_NAME, c.agentName),
      ...attr('livekit.agents.version', c.agentsVersion),
      ...attr('call.status', c.status),
      ...attr('call.end_reason', c.endReason),
      ...attr('call.cost_usd', c.costUsd),
      ...attr('call.turns', c.turns),
    ],
    ...(c.status === 'failed' ? { status: { code: STATUS_CODE.ERROR, message: c.error ?? 'call failed' } } : {}),
  });
  spans.push(...looseSpans);
  return {
    resourceSpans: [
      {
        resource: { attributes: [...attr('service.name', c.agentName ?? 'livekit-agent')] },
        scopeSpans: [{ scope: { name: PACKAGE_NAME, version: PACKAGE_VERSION }, spans }],
      },
    ],
  };
}

interface SpanContext {
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

function turnToSpans(ctx: SpanContext, t: CallTurn, parent: string, w: TurnWork): OtlpSpan[] {
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
function workSpans(ctx: SpanContext, parent: string, seed: string, w: TurnWork, turn: CallTurn | null): OtlpSpan[] {
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

const numOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const strOrNull = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

/** The LLM and realtime requests of one call, from its `metrics_recorded` events. */
export async function modelCallsOf(dataSource: DataSource, callId: string): Promise<OtlpModelCall[]> {
  const rows = await select<{ event_id: unknown; occurred_at: unknown; data: unknown }>(
    dataSource,
    `SELECT event_id, occurred_at, data FROM events WHERE call_id = ? AND type = ? ORDER BY position`,
    [callId, 'metrics_recorded'],
  );
  const out: OtlpModelCall[] = [];
  for (const r of rows) {
    let data: Record<string, unknown>;
    try {
      data = (typeof r.data === 'string' ? JSON.parse(r.data) : r.data) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (!data || (data['kind'] !== 'llm' && data['kind'] !== 'realtime')) continue;
    const raw = (data['raw'] ?? {}) as Record<string, unknown>;
    // LiveKit stamps its metrics when the request finished; the event's own time otherwise.
    const stamped = numOrNull(raw['timestamp']);
    const occurredAt = Number(r.occurred_at);
    out.push({
      eventId: String(r.event_id),
      conversationId: strOrNull(data['conversationId']),
      kind: data['kind'],
      requestId: strOrNull(data['requestId']),
      provider: strOrNull(data['provider']),
      model: strOrNull(data['model']),
      endedAt: stamped !== null && Math.abs(stamped - occurredAt) < 60_000 ? stamped : occurredAt,
      durationMs: numOrNull(data['durationMs']),
      ttftMs: numOrNull(data['latencyMs']),
      tokensInput: numOrNull(data['tokensInput']),
      tokensCachedInput: numOrNull(data['tokensCachedInput']),
      tokensOutput: numOrNull(data['tokensOutput']),
      costUsd: numOrNull(data['costUsd']),
    });
  }
  return out;
}

/** One call's trace, as {@link otlpRequests} yields it. */
export interface OtlpCallTrace {
  callId: string;
  request: OtlpTraceRequest;
}

/** The OTLP trace of every call that started since `since`, a call at a time, oldest first. */
export async function* otlpRequests(dataSource: DataSource, since: number, options: OtlpOptions = {}): AsyncGenerator<OtlpCallTrace> {
  let cursor: [number, string] = [since - 1, ''];
  for (;;) {
    const ids = await select<{ id: string; started_at: unknown }>(
      dataSource,
      `SELECT id, started_at FROM calls WHERE started_at >= ? AND (started_at > ? OR (started_at = ? AND id > ?))
       ORDER BY started_at, id LIMIT 100`,
      [since, cursor[0], cursor[0], cursor[1]],
    );
    for (const { id } of ids) {
      const detail = await getCallDetail(dataSource, id, { eventLimit: 1 });
      if (detail) yield { callId: id, request: callToOtlp(detail, options, await modelCallsOf(dataSource, id)) };
    }
    if (ids.length < 100) return;
    const last = ids[ids.length - 1]!;
    cursor = [Number(last.started_at), last.id];
  }
}

/**
 * OTLP/JSON traces of every call that started since `since`, one `ExportTraceServiceRequest`
 * per line (the OpenTelemetry file exporter's format), a call at a time.
 */
export async function* toOtlp(dataSource: DataSource, since: number, options: OtlpOptions = {}): AsyncGenerator<string> {
  for await (const { request } of otlpRequests(dataSource, since, options)) yield `${JSON.stringify(request)}\n`;
}
