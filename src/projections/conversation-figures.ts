/**
 * The figures of a `conversation_metrics` row and the arithmetic that folds events into them:
 * counts and totals added, running means extended, response-time percentiles, in log order.
 */
import type { MessageAddedData, MetricsRecordedData, RecordedEvent } from '../events/types.js';
import { percentileOfSorted } from './percentile.js';
import type { Column } from './projection.js';
import { isPlausibleMs, isSlaViolation, responseTimeOf } from './rules.js';

/** The columns a conversation's figures live in (all but its id, call and start). */
export const FIGURES = [
  'turns',
  'response_time_count',
  'response_time_avg_ms',
  'response_time_p50_ms',
  'response_time_p95_ms',
  'response_time_max_ms',
  'stt_latency_count',
  'stt_latency_avg_ms',
  'llm_latency_count',
  'llm_latency_avg_ms',
  'tts_latency_count',
  'tts_latency_avg_ms',
  'eou_delay_count',
  'eou_delay_avg_ms',
  'llm_tokens_input',
  'llm_tokens_cached',
  'llm_tokens_output',
  'llm_cost_usd',
  'stt_cost_usd',
  'tts_cost_usd',
  'realtime_cost_usd',
  'total_cost_usd',
  'unpriced_usage_count',
  'sla_threshold_ms',
  'sla_violations',
  'error_count',
  'interruptions',
  'false_interruptions',
  'tool_calls',
  'tool_errors',
  'stt_confidence_count',
  'stt_confidence_avg',
  'relevance_count',
  'relevance_avg',
  'satisfaction_count',
  'satisfaction_avg',
  'updated_at',
] as const;

export type Figure = (typeof FIGURES)[number];

/** Figures held in integer columns (the rest are double precision). */
const INTEGER: ReadonlySet<Figure> = new Set<Figure>([
  'turns',
  'response_time_count',
  'stt_latency_count',
  'llm_latency_count',
  'tts_latency_count',
  'eou_delay_count',
  'unpriced_usage_count',
  'sla_violations',
  'error_count',
  'interruptions',
  'false_interruptions',
  'tool_calls',
  'tool_errors',
  'stt_confidence_count',
  'relevance_count',
  'satisfaction_count',
]);
const BIGINT: ReadonlySet<Figure> = new Set<Figure>(['llm_tokens_input', 'llm_tokens_cached', 'llm_tokens_output', 'updated_at']);
export const FIGURE_COLUMNS: readonly Column[] = FIGURES.map((name) => ({
  name,
  pgType: INTEGER.has(name) ? 'integer' : BIGINT.has(name) ? 'bigint' : 'double precision',
}));
/** A conversation's row as the projection folds it: every figure column, null where the column is. */
export type Figures = Record<Figure, number | null>;

/** Columns that start NULL (means and percentiles of no sample, no threshold yet); the rest start at 0. */
const NULLABLE = new Set<Figure>([
  'response_time_avg_ms',
  'response_time_p50_ms',
  'response_time_p95_ms',
  'response_time_max_ms',
  'stt_latency_avg_ms',
  'llm_latency_avg_ms',
  'tts_latency_avg_ms',
  'eou_delay_avg_ms',
  'sla_threshold_ms',
  'stt_confidence_avg',
  'relevance_avg',
  'satisfaction_avg',
]);

/** Running means: the mean column and its sample count. */
const MEANS = {
  stt: ['stt_latency_avg_ms', 'stt_latency_count'],
  llm: ['llm_latency_avg_ms', 'llm_latency_count'],
  tts: ['tts_latency_avg_ms', 'tts_latency_count'],
  eou: ['eou_delay_avg_ms', 'eou_delay_count'],
  sttConfidence: ['stt_confidence_avg', 'stt_confidence_count'],
  relevance: ['relevance_avg', 'relevance_count'],
  satisfaction: ['satisfaction_avg', 'satisfaction_count'],
} as const satisfies Record<string, readonly [Figure, Figure]>;

const LATENCY_MEAN: Partial<Record<MetricsRecordedData['kind'], keyof typeof MEANS>> = { stt: 'stt', llm: 'llm', tts: 'tts', eou: 'eou' };
const BILLED_KINDS = new Set(['llm', 'stt', 'tts', 'realtime']);

/** A copy of `sorted` with `x` in its place (the order `ORDER BY processing_time_ms` gives). */
export function withSample(sorted: readonly number[], x: number): number[] {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  const out = sorted.slice();
  out.splice(lo, 0, x);
  return out;
}

const n = (row: Figures, f: Figure): number => row[f] ?? 0;

/** One more sample in a running mean, computed as the SQL `(COALESCE(avg, 0) * count + x) / (count + 1)` would. */
function addSample(row: Figures, mean: keyof typeof MEANS, x: number): void {
  const [avg, count] = MEANS[mean];
  const c = n(row, count);
  row[avg] = ((row[avg] ?? 0) * c + x) / (c + 1);
  row[count] = c + 1;
}

function applyMessage(row: Figures, d: MessageAddedData, at: number): boolean {
  const assistant = d.role === 'assistant';
  const cost = d.usageCounted ? (d.llmCostUsd ?? 0) : 0;
  row.turns = n(row, 'turns') + (assistant ? 1 : 0);
  row.interruptions = n(row, 'interruptions') + (assistant && d.interrupted && d.interruptedBy !== 'session_close' ? 1 : 0);
  row.sla_violations = n(row, 'sla_violations') + (isSlaViolation(d) ? 1 : 0);
  row.sla_threshold_ms = d.slaThresholdMs ?? row.sla_threshold_ms;
  row.llm_tokens_input = n(row, 'llm_tokens_input') + (d.usageCounted ? (d.llmTokensInput ?? 0) : 0);
  row.llm_tokens_output = n(row, 'llm_tokens_output') + (d.usageCounted ? (d.llmTokensOutput ?? 0) : 0);
  row.llm_cost_usd = n(row, 'llm_cost_usd') + cost;
  row.total_cost_usd = n(row, 'total_cost_usd') + cost;
  // Tokens counted with no cost given: usage of unknown price, as for metrics_recorded.
  const tokens = (d.llmTokensInput ?? 0) + (d.llmTokensOutput ?? 0);
  row.unpriced_usage_count = n(row, 'unpriced_usage_count') + (d.usageCounted && d.llmCostUsd === null && tokens > 0 ? 1 : 0);
  row.updated_at = at;
  if (d.role === 'user' && d.sttConfidence !== null) addSample(row, 'sttConfidence', d.sttConfidence);
  return responseTimeOf(d) !== null;
}

function applyMetrics(row: Figures, d: MetricsRecordedData, at: number): void {
  const mean = LATENCY_MEAN[d.kind];
  if (mean !== undefined && isPlausibleMs(d.latencyMs)) addSample(row, mean, d.latencyMs);
  if (!BILLED_KINDS.has(d.kind)) return;
  const hasUsage = (d.tokensInput ?? 0) + (d.tokensOutput ?? 0) + (d.audioDurationMs ?? 0) + (d.characters ?? 0) > 0;
  const cost = d.costUsd ?? 0;
  const countsTokens = d.kind === 'llm' || d.kind === 'realtime';
  row.llm_tokens_input = n(row, 'llm_tokens_input') + (countsTokens ? (d.tokensInput ?? 0) : 0);
  row.llm_tokens_cached = n(row, 'llm_tokens_cached') + (countsTokens ? (d.tokensCachedInput ?? 0) : 0);
  row.llm_tokens_output = n(row, 'llm_tokens_output') + (countsTokens ? (d.tokensOutput ?? 0) : 0);
  row.llm_cost_usd = n(row, 'llm_cost_usd') + (d.kind === 'llm' ? cost : 0);
  row.stt_cost_usd = n(row, 'stt_cost_usd') + (d.kind === 'stt' ? cost : 0);
  row.tts_cost_usd = n(row, 'tts_cost_usd') + (d.kind === 'tts' ? cost : 0);
  row.realtime_cost_usd = n(row, 'realtime_cost_usd') + (d.kind === 'realtime' ? cost : 0);
  row.total_cost_usd = n(row, 'total_cost_usd') + cost;
  row.unpriced_usage_count = n(row, 'unpriced_usage_count') + (d.costUsd === null && hasUsage ? 1 : 0);
  row.updated_at = at;
}

/** The conversation an event adds to, or null. */
export function conversationOf(event: RecordedEvent): string | null {
  switch (event.type) {
    case 'conversation_started':
    case 'message_added':
    case 'tool_executed':
    case 'quality_scored':
      return event.data.conversationId;
    case 'metrics_recorded':
    case 'error_occurred':
      return event.data.conversationId;
    case 'session_event':
      return event.data.name === 'agent_false_interruption' ? event.data.conversationId : null;
    default:
      return null;
  }
}

/**
 * Applies one event to its conversation's row, as the per-event SQL updates did: counts and
 * totals added, running means extended, in log order (so the floating-point sums are the same
 * whatever the batch boundaries). Returns true when the conversation's response times changed.
 */
export function apply(row: Figures, event: RecordedEvent): boolean {
  const at = event.occurredAt;
  switch (event.type) {
    case 'message_added':
      return applyMessage(row, event.data, at);
    case 'tool_executed':
      row.tool_calls = n(row, 'tool_calls') + 1;
      row.tool_errors = n(row, 'tool_errors') + (event.data.isError ? 1 : 0);
      row.updated_at = at;
      return false;
    case 'metrics_recorded':
      applyMetrics(row, event.data, at);
      return false;
    case 'error_occurred':
      row.error_count = n(row, 'error_count') + 1;
      row.updated_at = at;
      return false;
    case 'session_event':
      row.false_interruptions = n(row, 'false_interruptions') + 1;
      row.updated_at = at;
      return false;
    case 'quality_scored':
      if (event.data.relevanceScore !== null) addSample(row, 'relevance', event.data.relevanceScore);
      if (event.data.satisfactionScore !== null) addSample(row, 'satisfaction', event.data.satisfactionScore);
      return false;
    default:
      return false;
  }
}

/** A conversation's row at its start: NULL where a mean, percentile or threshold has nothing yet, 0 elsewhere. */
export function newRow(at: number): Figures {
  const row = {} as Figures;
  for (const f of FIGURES) row[f] = NULLABLE.has(f) ? null : 0;
  row.updated_at = at;
  return row;
}

/** A stored row as numbers (PostgreSQL returns bigint columns as strings). */
export function parseRow(stored: Record<string, unknown>): Figures {
  const row = {} as Figures;
  for (const f of FIGURES) {
    const v = stored[f];
    row[f] = v === null || v === undefined ? null : Number(v);
  }
  return row;
}

/** Response time = processing time of plausible assistant messages: count, mean, p50, p95 (linear interpolation), max. */
export function setResponseTimes(row: Figures, sorted: readonly number[]): void {
  const sum = sorted.reduce((a, b) => a + b, 0);
  row.response_time_count = sorted.length;
  row.response_time_avg_ms = sorted.length > 0 ? sum / sorted.length : null;
  row.response_time_p50_ms = percentileOfSorted(sorted, 50);
  row.response_time_p95_ms = percentileOfSorted(sorted, 95);
  row.response_time_max_ms = sorted[sorted.length - 1] ?? null;
}
