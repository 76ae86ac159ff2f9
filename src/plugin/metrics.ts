import { createMetricsRecordedEvent } from '../events/create.js';
import type { JsonObject, MetricsKind, MetricsRecordedData, NewEventOf } from '../events/types.js';
import { count, latency } from './coerce.js';
import { num, secToMs, str, toPlain, toPlainObject } from './plain.js';
import { costOf, type PricingTable, type UsageKind } from './pricing.js';
import type { ReplyUsage, TurnAccumulator } from './speeches.js';

const METRICS_KIND: Record<string, MetricsKind> = {
  llm_metrics: 'llm',
  stt_metrics: 'stt',
  tts_metrics: 'tts',
  eou_metrics: 'eou',
  vad_metrics: 'vad',
  realtime_model_metrics: 'realtime',
  interruption_metrics: 'interruption',
  eot_inference_metrics: 'eot_inference',
  avatar_metrics: 'avatar',
};

/**
 * The `metrics_recorded` event of one LiveKit metrics report (its `type` a string), priced with
 * `pricing`; the turn latencies it carries are noted in `turn`.
 */
export function metricsEvent(
  metrics: Record<string, unknown> & { type: string },
  callId: string,
  conversationId: string,
  pricing: PricingTable,
  turn: TurnAccumulator,
  at: number,
): NewEventOf<'metrics_recorded'> {
  const kind = METRICS_KIND[metrics.type] ?? 'other';
  const meta = (metrics['metadata'] ?? {}) as Record<string, unknown>;
  let latencyMs: number | null = null;
  let tokensInput: number | null = null;
  let tokensCachedInput: number | null = null;
  let tokensOutput: number | null = null;
  let audioDurationMs: number | null = null;
  let characters: number | null = null;
  switch (kind) {
    case 'llm':
      latencyMs = latency(metrics['ttftMs']);
      tokensInput = count(metrics['promptTokens']);
      tokensCachedInput = count(metrics['promptCachedTokens']);
      tokensOutput = count(metrics['completionTokens']);
      if (turn.llmTtftMs === null) turn.llmTtftMs = latencyMs;
      break;
    case 'realtime':
      latencyMs = latency(metrics['ttftMs']);
      tokensInput = count(metrics['inputTokens']);
      tokensCachedInput = count((metrics['inputTokenDetails'] as Record<string, unknown> | undefined)?.['cachedTokens']);
      tokensOutput = count(metrics['outputTokens']);
      break;
    case 'stt':
      latencyMs = latency(metrics['durationMs']);
      audioDurationMs = num(metrics['audioDurationMs']);
      break;
    case 'tts':
      latencyMs = latency(metrics['ttfbMs']);
      audioDurationMs = num(metrics['audioDurationMs']);
      characters = count(metrics['charactersCount']);
      if (turn.ttsTtfbMs === null) turn.ttsTtfbMs = latencyMs;
      break;
    case 'eou':
      latencyMs = latency(metrics['endOfUtteranceDelayMs']);
      turn.eouDelayMs = latencyMs;
      turn.transcriptionDelayMs = latency(metrics['transcriptionDelayMs']);
      turn.onUserTurnCompletedDelayMs = latency(metrics['onUserTurnCompletedDelayMs']);
      turn.lastSpeakingTimeMs = latency(metrics['lastSpeakingTimeMs']);
      break;
    default:
      break;
  }
  const event = createMetricsRecordedEvent({
    callId,
    occurredAt: at,
    conversationId,
    kind,
    speechId: str(metrics['speechId']),
    requestId: str(metrics['requestId']),
    provider: str(meta['modelProvider']),
    model: str(meta['modelName']),
    latencyMs,
    durationMs: latency(metrics['durationMs']),
    tokensInput,
    tokensCachedInput,
    tokensOutput,
    audioDurationMs,
    characters,
    raw: toPlainObject(metrics),
  });
  const d = event.data;
  if ((kind === 'llm' || kind === 'realtime') && turn.llmModel === null) turn.llmModel = d.model;
  else if (kind === 'tts' && turn.ttsModel === null) turn.ttsModel = d.model;
  if (kind === 'llm' || kind === 'realtime' || kind === 'stt' || kind === 'tts') {
    // Priced from the event's own usage (`d`, its kind narrowed: a `{ ...d, kind }` copy cost µs in the listener).
    d.costUsd = costOf(pricing, d as MetricsRecordedData & { kind: UsageKind });
    d.priceVersion = pricing.version;
  }
  return event;
}

/** Whether a metrics record's usage is charged to the reply it belongs to. */
export const chargesReply = (d: MetricsRecordedData): boolean => d.kind === 'llm' || d.kind === 'realtime' || d.kind === 'tts';

/** Adds one metrics record's usage to the reply it belongs to. */
export function chargeReply(u: ReplyUsage, d: MetricsRecordedData): void {
  if (d.costUsd !== null) u.costUsd = (u.costUsd ?? 0) + d.costUsd;
  if (d.kind === 'tts') return;
  u.calls++;
  u.model = d.model ?? u.model;
  u.tokensInput += d.tokensInput ?? 0;
  u.tokensOutput += d.tokensOutput ?? 0;
  // One unpriced call makes the LLM cost of the reply unknown, not smaller.
  u.llmCostUsd = d.costUsd === null || (u.calls > 1 && u.llmCostUsd === null) ? null : (u.llmCostUsd ?? 0) + d.costUsd;
}

/** `<key>Ms` for each metrics key, made once (no string built per message). */
const MS_KEYS = new Map<string, string>();
const msKey = (k: string): string => {
  let key = MS_KEYS.get(k);
  if (key === undefined) {
    key = `${k}Ms`;
    if (MS_KEYS.size < 256) MS_KEYS.set(k, key);
  }
  return key;
};

/** ChatMessage.metrics (seconds) as milliseconds, for the message's metadata. */
export function messageMetrics(m: Record<string, unknown>): JsonObject {
  const out: JsonObject = {};
  for (const k in m) {
    if (!Object.hasOwn(m, k) || k === '__proto__') continue;
    const v = m[k];
    if (k === 'providerRequestIds') out[k] = toPlain(v);
    else if (typeof v === 'number') out[msKey(k)] = secToMs(v);
  }
  return out;
}
