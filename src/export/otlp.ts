import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { getCallDetail, type CallDetail, type CallTurn } from '../queries/call-detail.js';
import { select } from '../queries/sql.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../plugin/plugin.js';

type AnyValue = { stringValue: string } | { intValue: string } | { doubleValue: number } | { boolValue: boolean };
interface KeyValue {
  key: string;
  value: AnyValue;
}
interface Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: KeyValue[];
  status?: { code: number; message?: string };
}

const SPAN_KIND_INTERNAL = 1;
const STATUS_ERROR = 2;

const hex = (seed: string, bytes: number) =>
  createHash('sha256')
    .update(seed)
    .digest('hex')
    .slice(0, bytes * 2);
const nanos = (ms: number) => `${BigInt(Math.round(ms * 1000)) * 1000n}`;

function attr(key: string, v: string | number | boolean | null | undefined): KeyValue[] {
  if (v === null || v === undefined) return [];
  if (typeof v === 'string') return [{ key, value: { stringValue: v } }];
  if (typeof v === 'boolean') return [{ key, value: { boolValue: v } }];
  return [{ key, value: Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v } }];
}

export interface OtlpOptions {
  /** Put transcripts in the spans (`gen_ai.input.messages` / `gen_ai.output.messages`). Off by default: they are personal data. */
  withContent?: boolean;
}

/**
 * One call as an OTLP/JSON `ExportTraceServiceRequest`, with the OpenTelemetry GenAI semantic
 * conventions: one trace per call (ids derived from the call id, so a re-export is identical), a
 * root `call` span, an `invoke_agent` span per turn (`gen_ai.operation.name`, `gen_ai.agent.name`,
 * `gen_ai.conversation.id`), and under it the stage spans `speech_to_text` (end of turn),
 * `chat {model}` (LLM time to first token, `gen_ai.request.model`, `gen_ai.usage.*`) and
 * `text_to_speech` (TTS time to first byte), laid out as the waterfall adds up.
 */
export function callToOtlp(d: CallDetail, options: OtlpOptions = {}): object {
  const c = d.call;
  const traceId = hex(`trace:${c.id}`, 16);
  const rootId = hex(`span:${c.id}`, 8);
  const lastAt = Math.max(c.startedAt, ...d.messages.map((m) => m.createdAt));
  const spans: Span[] = [
    {
      traceId,
      spanId: rootId,
      name: 'call',
      kind: SPAN_KIND_INTERNAL,
      startTimeUnixNano: nanos(c.startedAt),
      endTimeUnixNano: nanos(c.endedAt ?? lastAt),
      attributes: [
        ...attr('livekit.call.id', c.id),
        ...attr('livekit.room.name', c.livekitRoom),
        ...attr('livekit.job.id', c.jobId),
        ...attr('livekit.agents.version', c.agentsVersion),
        ...attr('call.status', c.status),
        ...attr('call.end_reason', c.endReason),
        ...attr('call.cost_usd', c.costUsd),
        ...attr('call.turns', c.turns),
      ],
      ...(c.status === 'failed' ? { status: { code: STATUS_ERROR, message: c.error ?? 'call failed' } } : {}),
    },
  ];
  const messages = new Map(d.messages.map((m) => [m.id, m]));
  for (const t of d.turns) spans.push(...turnSpans(d, t, traceId, rootId, messages, options));
  return {
    resourceSpans: [
      {
        resource: { attributes: [...attr('service.name', c.agentName ?? 'livekit-agent')] },
        scopeSpans: [{ scope: { name: PACKAGE_NAME, version: PACKAGE_VERSION }, spans }],
      },
    ],
  };
}

function turnSpans(
  d: CallDetail,
  t: CallTurn,
  traceId: string,
  parent: string,
  messages: Map<string, CallDetail['messages'][number]>,
  options: OtlpOptions,
): Span[] {
  const conversation = d.conversations.find((x) => x.id === t.conversationId);
  const reply = t.assistantMessageId ? messages.get(t.assistantMessageId) : undefined;
  const user = t.userMessageId ? messages.get(t.userMessageId) : undefined;
  const start = t.startedAt;
  const end = start + (t.e2eLatencyMs !== null && t.e2eLatencyMs >= 0 ? t.e2eLatencyMs : 0);
  const turnId = hex(`span:${t.id}`, 8);
  const model = reply?.llmModel ?? conversation?.aiModel ?? null;
  const spans: Span[] = [
    {
      traceId,
      spanId: turnId,
      parentSpanId: parent,
      name: `invoke_agent${conversation?.agentName ? ` ${conversation.agentName}` : ''}`,
      kind: SPAN_KIND_INTERNAL,
      startTimeUnixNano: nanos(start),
      endTimeUnixNano: nanos(end),
      attributes: [
        ...attr('gen_ai.operation.name', 'invoke_agent'),
        ...attr('gen_ai.agent.name', conversation?.agentName ?? null),
        ...attr('gen_ai.conversation.id', t.conversationId),
        ...attr('livekit.turn.outcome', t.outcome),
        ...attr('livekit.turn.e2e_latency_ms', t.e2eLatencyMs),
        ...attr('livekit.turn.e2e_derived', t.e2eDerived),
        ...attr('livekit.turn.unattributed_ms', t.unattributedMs),
        ...attr('livekit.turn.sla_violation', t.slaViolation),
        ...attr('livekit.turn.cost_usd', t.costUsd),
        ...(options.withContent && user
          ? attr('gen_ai.input.messages', JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: user.content }] }]))
          : []),
        ...(options.withContent && reply
          ? attr('gen_ai.output.messages', JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: reply.content }] }]))
          : []),
      ],
      ...(t.outcome === 'failed' ? { status: { code: STATUS_ERROR, message: 'turn failed' } } : {}),
    },
  ];
  let at = start;
  const stage = (name: string, ms: number | null, attributes: KeyValue[]) => {
    if (ms === null || ms < 0) return;
    spans.push({
      traceId,
      spanId: hex(`span:${t.id}:${name}`, 8),
      parentSpanId: turnId,
      name,
      kind: SPAN_KIND_INTERNAL,
      startTimeUnixNano: nanos(at),
      endTimeUnixNano: nanos(at + ms),
      attributes,
    });
    at += ms;
  };
  stage('speech_to_text', t.endOfTurnDelayMs === null ? null : t.endOfTurnDelayMs + (t.onUserTurnCompletedDelayMs ?? 0), [
    ...attr('livekit.stage', 'end_of_turn'),
    ...attr('livekit.transcription_delay_ms', t.transcriptionDelayMs),
    ...attr('livekit.stt.confidence', user?.sttConfidence ?? null),
  ]);
  stage(`chat${model ? ` ${model}` : ''}`, t.llmTtftMs, [
    ...attr('gen_ai.operation.name', 'chat'),
    ...attr('gen_ai.request.model', model),
    ...attr('gen_ai.conversation.id', t.conversationId),
    ...attr('gen_ai.usage.input_tokens', reply?.llmTokensInput ?? null),
    ...attr('gen_ai.usage.output_tokens', reply?.llmTokensOutput ?? null),
    ...attr('livekit.llm.cost_usd', reply?.llmCostUsd ?? null),
  ]);
  stage('text_to_speech', t.ttsTtfbMs, [...attr('livekit.stage', 'tts_first_byte')]);
  return spans;
}

/**
 * OTLP/JSON traces of every call that started since `since`, one `ExportTraceServiceRequest`
 * per line (the OpenTelemetry file exporter's format), a call at a time.
 */
export async function* toOtlp(dataSource: DataSource, since: number, options: OtlpOptions = {}): AsyncGenerator<string> {
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
      if (detail) yield `${JSON.stringify(callToOtlp(detail, options))}\n`;
    }
    if (ids.length < 100) return;
    const last = ids[ids.length - 1]!;
    cursor = [Number(last.started_at), last.id];
  }
}
