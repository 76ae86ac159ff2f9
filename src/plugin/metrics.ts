import type { JsonObject, MetricsKind, MetricsRecordedData } from '../events/types.js';
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
 * The data of a `metrics_recorded` event for one LiveKit metrics report (its `type` a string),
 * priced with `pricing`; the turn latencies it carries are noted in `turn`.
 */
export function metricsData(
  metrics: Record<string, unknown> & { type: string },
  conversationId: string,
  pricing: PricingTable,
  turn: TurnAccumulator,
): MetricsRecordedData {
  const kind = METRICS_KIND[metrics.type] ?? 'other';
  const meta = (metrics['metadata'] ?? {}) as Record<string, unknown>;
  const provider = str(meta['modelProvider']);
  const model = str(meta['modelName']);
  const speechId = str(metrics['speechId']);
  const d: MetricsRecordedData = {
    conversationId,
    kind,
    speechId,
    requestId: str(metrics['requestId']),
    provider,
    model,
    latencyMs: null,
    durationMs: latency(metrics['durationMs']),
    tokensInput: null,
    tokensCachedInput: null,
    tokensOutput: null,
    audioDurationMs: null,
    characters: null,
    costUsd: null,
    priceVersion: null,
    raw: toPlainObject(metrics),
  };
  switch (kind) {
    case 'llm':
      d.latencyMs = latency(metrics['ttftMs']);
      d.tokensInput = count(metrics['promptTokens']);
      d.tokensCachedInput = count(metrics['promptCachedTokens']);
      d.tokensOutput = count(metrics['completionTokens']);
      if (turn.llmTtftMs === null) turn.llmTtftMs = d.latencyMs;
      break;
    case 'realtime':
      d.latencyMs = latency(metrics['ttftMs']);
      d.tokensInput = count(metrics['inputTokens']);
      d.tokensCachedInput = count((metrics['inputTokenDetails'] as Record<string, unknown> | undefined)?.['cachedTokens']);
      d.tokensOutput = count(metrics['outputTokens']);
      break;
    case 'stt':
      d.latencyMs = latency(metrics['durationMs']);
      d.audioDurationMs = num(metrics['audioDurationMs']);
      break;
    case 'tts':
      d.latencyMs = latency(metrics['ttfbMs']);
      d.audioDurationMs = num(metrics['audioDurationMs']);
      d.characters = count(metrics['charactersCount']);
      if (turn.ttsTtfbMs === null) turn.ttsTtfbMs = d.latencyMs;
      break;
    case 'eou':
      d.latencyMs = latency(metrics['endOfUtteranceDelayMs']);
      turn.eouDelayMs = d.latencyMs;
      turn.transcriptionDelayMs = latency(metrics['transcriptionDelayMs']);
      turn.onUserTurnCompletedDelayMs = latency(metrics['onUserTurnCompletedDelayMs']);
      turn.lastSpeakingTimeMs = latency(metrics['lastSpeakingTimeMs']);
      break;
    default:
      break;
  }
  if (kind === 'llm' || kind === 'realtime' || kind === 'stt' || kind === 'tts') {
    // `d` itself, its kind narrowed (a `{ ...d, kind }` copy cost several µs in the listener).
    d.costUsd = costOf(pricing, d as MetricsRecordedData & { kind: UsageKind });
    d.priceVersion = pricing.version;
  }
  return d;
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
