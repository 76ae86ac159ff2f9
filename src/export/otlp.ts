import type { DataSource } from 'typeorm';
import { getCallDetail, type CallDetail, type CallTurn } from '../queries/call-detail.js';
import { select } from '../queries/sql.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../plugin/plugin.js';
import { attr, hex, nanos, tt } from './otlp-attributes.js';
import { SPAN_KIND, STATUS_CODE, type OtlpSpan, type OtlpTraceRequest } from './otlp-json.js';
import { modelCallsOf, type OtlpModelCall } from './otlp-model-calls.js';
import { startOfCall, turnToSpans, workSpans, type OtlpOptions, type SpanContext, type TurnWork } from './otlp-spans.js';

export type { OtlpAnyValue, OtlpKeyValue, OtlpResourceSpans, OtlpSpan, OtlpTraceRequest } from './otlp-json.js';
export { SPAN_KIND, STATUS_CODE } from './otlp-json.js';
export { OTLP_ATTRIBUTE_TYPES, type OtlpAttributeKey } from './otlp-attributes.js';
export { modelCallsOf, type OtlpModelCall } from './otlp-model-calls.js';
export type { OtlpOptions } from './otlp-spans.js';

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
