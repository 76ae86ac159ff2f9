import type { MetricsRecordedData, RecordedEvent } from '../events/types.js';
import { percentileOfSorted } from '../queries/percentile.js';
import type { Projection, ProjectionContext } from './projection.js';
import { isPlausibleMs, isSlaViolation, responseTimeOf } from './rules.js';

const INSERT = `INSERT INTO conversation_metrics (conversation_id, call_id, started_at, updated_at) VALUES (?, ?, ?, ?)`;

/** Running mean in SQL: `col_avg` over `col_count` samples, one more sample `?`. */
const avgUpdate = (name: string, avg = `${name}_avg`) =>
  `${avg} = (COALESCE(${avg}, 0) * ${name}_count + ?) / (${name}_count + 1), ${name}_count = ${name}_count + 1`;

const MESSAGE = `UPDATE conversation_metrics SET turns = turns + ?, interruptions = interruptions + ?,
  sla_violations = sla_violations + ?, sla_threshold_ms = COALESCE(?, sla_threshold_ms),
  llm_tokens_input = llm_tokens_input + ?, llm_tokens_output = llm_tokens_output + ?,
  llm_cost_usd = llm_cost_usd + ?, total_cost_usd = total_cost_usd + ?, updated_at = ? WHERE conversation_id = ?`;
const STT_CONFIDENCE = `UPDATE conversation_metrics SET ${avgUpdate('stt_confidence')} WHERE conversation_id = ?`;
// `COALESCE(role, '')` (role is NOT NULL) keeps SQLite on the conversation's index: with a plain
// `role = 'assistant'` it picks ix_messages_role_created and reads every assistant message in the store.
const RESPONSE_TIMES = `SELECT processing_time_ms AS v FROM messages WHERE conversation_id = ? AND COALESCE(role, '') = 'assistant'
  AND implausible = FALSE AND processing_time_ms IS NOT NULL AND processing_time_ms >= 0 AND processing_time_ms <= 120000
  ORDER BY processing_time_ms`;
const SET_RESPONSE = `UPDATE conversation_metrics SET response_time_count = ?, response_time_avg_ms = ?,
  response_time_p50_ms = ?, response_time_p95_ms = ?, response_time_max_ms = ? WHERE conversation_id = ?`;
const TOOL = `UPDATE conversation_metrics SET tool_calls = tool_calls + 1, tool_errors = tool_errors + ?, updated_at = ?
  WHERE conversation_id = ?`;
const LATENCY: Record<string, string> = {
  stt: `UPDATE conversation_metrics SET ${avgUpdate('stt_latency', 'stt_latency_avg_ms')} WHERE conversation_id = ?`,
  llm: `UPDATE conversation_metrics SET ${avgUpdate('llm_latency', 'llm_latency_avg_ms')} WHERE conversation_id = ?`,
  tts: `UPDATE conversation_metrics SET ${avgUpdate('tts_latency', 'tts_latency_avg_ms')} WHERE conversation_id = ?`,
  eou: `UPDATE conversation_metrics SET ${avgUpdate('eou_delay', 'eou_delay_avg_ms')} WHERE conversation_id = ?`,
};
const USAGE = `UPDATE conversation_metrics SET llm_tokens_input = llm_tokens_input + ?,
  llm_tokens_cached = llm_tokens_cached + ?, llm_tokens_output = llm_tokens_output + ?,
  llm_cost_usd = llm_cost_usd + ?, stt_cost_usd = stt_cost_usd + ?, tts_cost_usd = tts_cost_usd + ?,
  realtime_cost_usd = realtime_cost_usd + ?, total_cost_usd = total_cost_usd + ?,
  unpriced_usage_count = unpriced_usage_count + ?, updated_at = ? WHERE conversation_id = ?`;
const ERROR = `UPDATE conversation_metrics SET error_count = error_count + 1, updated_at = ? WHERE conversation_id = ?`;
const FALSE_INTERRUPTION = `UPDATE conversation_metrics SET false_interruptions = false_interruptions + 1,
  updated_at = ? WHERE conversation_id = ?`;
const RELEVANCE = `UPDATE conversation_metrics SET ${avgUpdate('relevance')} WHERE conversation_id = ?`;
const SATISFACTION = `UPDATE conversation_metrics SET ${avgUpdate('satisfaction')} WHERE conversation_id = ?`;

const BILLED_KINDS = new Set(['llm', 'stt', 'tts', 'realtime']);

async function applyMetrics(event: RecordedEvent, d: MetricsRecordedData, ctx: ProjectionContext): Promise<void> {
  const id = d.conversationId;
  if (id === null) return;
  const latencySql = LATENCY[d.kind];
  if (latencySql && isPlausibleMs(d.latencyMs)) await ctx.exec(latencySql, [d.latencyMs, id]);
  if (!BILLED_KINDS.has(d.kind)) return;
  const hasUsage =
    (d.tokensInput ?? 0) + (d.tokensOutput ?? 0) + (d.audioDurationMs ?? 0) + (d.characters ?? 0) > 0;
  const cost = d.costUsd ?? 0;
  const countsTokens = d.kind === 'llm' || d.kind === 'realtime';
  await ctx.exec(USAGE, [
    countsTokens ? (d.tokensInput ?? 0) : 0,
    countsTokens ? (d.tokensCachedInput ?? 0) : 0,
    countsTokens ? (d.tokensOutput ?? 0) : 0,
    d.kind === 'llm' ? cost : 0,
    d.kind === 'stt' ? cost : 0,
    d.kind === 'tts' ? cost : 0,
    d.kind === 'realtime' ? cost : 0,
    cost,
    d.costUsd === null && hasUsage ? 1 : 0,
    event.occurredAt,
    id,
  ]);
}

/**
 * `conversation_metrics`: per-conversation figures kept current in the append transaction.
 *
 * @remarks
 * Turns = assistant messages. Response time = processing time of plausible assistant messages
 * (avg / p50 / p95 by linear interpolation / max, recomputed from `messages`). Token and cost
 * totals add message usage (when `usageCounted`) and `metrics_recorded` usage; an unknown price
 * adds nothing to the cost and one to `unpriced_usage_count`.
 */
export const conversationMetricsProjection: Projection = {
  name: 'conversation_metrics',
  table: 'conversation_metrics',
  canHandle: [
    'conversation_started',
    'message_added',
    'tool_executed',
    'metrics_recorded',
    'error_occurred',
    'session_event',
    'quality_scored',
  ],
  async handle(event, ctx) {
    switch (event.type) {
      case 'conversation_started':
        await ctx.exec(INSERT, [event.data.conversationId, event.callId, event.occurredAt, event.occurredAt]);
        return;
      case 'message_added': {
        const d = event.data;
        const id = d.conversationId;
        const assistant = d.role === 'assistant';
        const cost = d.usageCounted ? (d.llmCostUsd ?? 0) : 0;
        await ctx.exec(MESSAGE, [
          assistant ? 1 : 0,
          assistant && d.interrupted && d.interruptedBy !== 'session_close' ? 1 : 0,
          isSlaViolation(d) ? 1 : 0,
          d.slaThresholdMs,
          d.usageCounted ? (d.llmTokensInput ?? 0) : 0,
          d.usageCounted ? (d.llmTokensOutput ?? 0) : 0,
          cost,
          cost,
          event.occurredAt,
          id,
        ]);
        if (d.role === 'user' && d.sttConfidence !== null) await ctx.exec(STT_CONFIDENCE, [d.sttConfidence, id]);
        if (responseTimeOf(d) !== null) {
          const rows = await ctx.query<{ v: number }>(RESPONSE_TIMES, [id]);
          const sorted = rows.map((r) => Number(r.v));
          const sum = sorted.reduce((a, b) => a + b, 0);
          await ctx.exec(SET_RESPONSE, [
            sorted.length,
            sum / sorted.length,
            percentileOfSorted(sorted, 50),
            percentileOfSorted(sorted, 95),
            sorted[sorted.length - 1],
            id,
          ]);
        }
        return;
      }
      case 'tool_executed':
        await ctx.exec(TOOL, [event.data.isError ? 1 : 0, event.occurredAt, event.data.conversationId]);
        return;
      case 'metrics_recorded':
        await applyMetrics(event, event.data, ctx);
        return;
      case 'error_occurred':
        if (event.data.conversationId !== null)
          await ctx.exec(ERROR, [event.occurredAt, event.data.conversationId]);
        return;
      case 'session_event':
        if (event.data.name === 'agent_false_interruption' && event.data.conversationId !== null)
          await ctx.exec(FALSE_INTERRUPTION, [event.occurredAt, event.data.conversationId]);
        return;
      case 'quality_scored': {
        const d = event.data;
        if (d.relevanceScore !== null) await ctx.exec(RELEVANCE, [d.relevanceScore, d.conversationId]);
        if (d.satisfactionScore !== null) await ctx.exec(SATISFACTION, [d.satisfactionScore, d.conversationId]);
        return;
      }
      default:
        return;
    }
  },
};
