/**
 * The figures of a `conversation_metrics` row and the arithmetic that folds events into them:
 * counts and totals added, running means extended, response-time percentiles, in log order.
 */
import { CONVERSATION_METRICS, type ConversationMetricsRow } from '../../entities/tables.js';
import type { MessageAddedData, MetricsRecordedData, RecordedEvent } from '../events/types.js';
import { percentileOfSorted } from './percentile.js';
import { isPlausibleMs, isSlaViolation, responseTimeOf } from './rules.js';

/**
 * The figures of a conversation: every column of its `conversation_metrics` row (as
 * `ConversationMetricsEntity` declares it) but its id, call and start.
 */
export const FIGURES = CONVERSATION_METRICS.omit('conversationId', 'callId', 'startedAt');
/** A conversation's row as the projection folds it. */
export type Figures = Omit<ConversationMetricsRow, 'conversationId' | 'callId' | 'startedAt'>;
export type Figure = keyof Figures;

/** Running means: the mean column and its sample count. */
const MEANS = {
  stt: ['sttLatencyAvgMs', 'sttLatencyCount'],
  llm: ['llmLatencyAvgMs', 'llmLatencyCount'],
  tts: ['ttsLatencyAvgMs', 'ttsLatencyCount'],
  eou: ['eouDelayAvgMs', 'eouDelayCount'],
  sttConfidence: ['sttConfidenceAvg', 'sttConfidenceCount'],
  relevance: ['relevanceAvg', 'relevanceCount'],
  satisfaction: ['satisfactionAvg', 'satisfactionCount'],
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
  row.slaViolations = n(row, 'slaViolations') + (isSlaViolation(d) ? 1 : 0);
  row.slaThresholdMs = d.slaThresholdMs ?? row.slaThresholdMs;
  row.llmTokensInput = n(row, 'llmTokensInput') + (d.usageCounted ? (d.llmTokensInput ?? 0) : 0);
  row.llmTokensOutput = n(row, 'llmTokensOutput') + (d.usageCounted ? (d.llmTokensOutput ?? 0) : 0);
  row.llmCostUsd = n(row, 'llmCostUsd') + cost;
  row.totalCostUsd = n(row, 'totalCostUsd') + cost;
  // Tokens counted with no cost given: usage of unknown price, as for metrics_recorded.
  const tokens = (d.llmTokensInput ?? 0) + (d.llmTokensOutput ?? 0);
  row.unpricedUsageCount = n(row, 'unpricedUsageCount') + (d.usageCounted && d.llmCostUsd === null && tokens > 0 ? 1 : 0);
  row.updatedAt = at;
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
  row.llmTokensInput = n(row, 'llmTokensInput') + (countsTokens ? (d.tokensInput ?? 0) : 0);
  row.llmTokensCached = n(row, 'llmTokensCached') + (countsTokens ? (d.tokensCachedInput ?? 0) : 0);
  row.llmTokensOutput = n(row, 'llmTokensOutput') + (countsTokens ? (d.tokensOutput ?? 0) : 0);
  row.llmCostUsd = n(row, 'llmCostUsd') + (d.kind === 'llm' ? cost : 0);
  row.sttCostUsd = n(row, 'sttCostUsd') + (d.kind === 'stt' ? cost : 0);
  row.ttsCostUsd = n(row, 'ttsCostUsd') + (d.kind === 'tts' ? cost : 0);
  row.realtimeCostUsd = n(row, 'realtimeCostUsd') + (d.kind === 'realtime' ? cost : 0);
  row.totalCostUsd = n(row, 'totalCostUsd') + cost;
  row.unpricedUsageCount = n(row, 'unpricedUsageCount') + (d.costUsd === null && hasUsage ? 1 : 0);
  row.updatedAt = at;
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
      row.toolCalls = n(row, 'toolCalls') + 1;
      row.toolErrors = n(row, 'toolErrors') + (event.data.isError ? 1 : 0);
      row.updatedAt = at;
      return false;
    case 'metrics_recorded':
      applyMetrics(row, event.data, at);
      return false;
    case 'error_occurred':
      row.errorCount = n(row, 'errorCount') + 1;
      row.updatedAt = at;
      return false;
    case 'session_event':
      row.falseInterruptions = n(row, 'falseInterruptions') + 1;
      row.updatedAt = at;
      return false;
    case 'quality_scored':
      if (event.data.relevanceScore !== null) addSample(row, 'relevance', event.data.relevanceScore);
      if (event.data.satisfactionScore !== null) addSample(row, 'satisfaction', event.data.satisfactionScore);
      return false;
    default:
      return false;
  }
}

/** A conversation's row at its start: NULL where a mean, percentile or threshold has nothing yet (a nullable column), 0 elsewhere. */
export function newRow(at: number): Figures {
  const row: Record<string, number | null> = {};
  for (const c of FIGURES.columns) row[c.property] = c.nullable ? null : 0;
  return { ...(row as Figures), updatedAt: at };
}

/** A stored row as numbers (PostgreSQL returns bigint columns as strings). */
export const parseRow = (stored: Readonly<Record<string, unknown>>): Figures => FIGURES.read(stored);

/** Response time = processing time of plausible assistant messages: count, mean, p50, p95 (linear interpolation), max. */
export function setResponseTimes(row: Figures, sorted: readonly number[]): void {
  const sum = sorted.reduce((a, b) => a + b, 0);
  row.responseTimeCount = sorted.length;
  row.responseTimeAvgMs = sorted.length > 0 ? sum / sorted.length : null;
  row.responseTimeP50Ms = percentileOfSorted(sorted, 50);
  row.responseTimeP95Ms = percentileOfSorted(sorted, 95);
  row.responseTimeMaxMs = sorted[sorted.length - 1] ?? null;
}
