import type { MessageAddedData, MetricsRecordedData, RecordedEvent } from '../events/types.js';
import { percentileOfSorted } from './percentile.js';
import { StaleProjectionMemory, type Column, type Projection } from './projection.js';
import { isPlausibleMs, isSlaViolation, responseTimeOf } from './rules.js';

/** The columns a conversation's figures live in (all but its id, call and start). */
const FIGURES = [
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

type Figure = (typeof FIGURES)[number];

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
const KEY: Column = { name: 'conversation_id', pgType: 'varchar' };
const FIGURE_COLUMNS: readonly Column[] = FIGURES.map((name) => ({
  name,
  pgType: INTEGER.has(name) ? 'integer' : BIGINT.has(name) ? 'bigint' : 'double precision',
}));
/** A conversation's row as the projection folds it: every figure column, null where the column is. */
type Figures = Record<Figure, number | null>;

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

const INSERT_COLUMNS = ['conversation_id', 'call_id', 'started_at', ...FIGURES] as const;
const SELECT = `SELECT conversation_id, ${FIGURES.join(', ')} FROM conversation_metrics WHERE conversation_id = ?`;
/**
 * PostgreSQL: the row stays locked until the batch commits, so two writers adding to one
 * conversation (say, a quality score logged by another process) apply one after the other and
 * neither's figures are lost. SQLite's write transaction already excludes every other writer.
 */
const SELECT_FOR_UPDATE = `SELECT conversation_id, xmin::text AS row_version, ${FIGURES.join(', ')} FROM conversation_metrics WHERE conversation_id = ? ORDER BY conversation_id FOR UPDATE`;
// `COALESCE(role, '')` (role is NOT NULL) keeps SQLite on the conversation's index: with a plain
// `role = 'assistant'` it picks ix_messages_role_created and reads every assistant message in the store.
const RESPONSE_TIMES = `SELECT conversation_id, processing_time_ms AS v FROM messages WHERE conversation_id = ? AND COALESCE(role, '') = 'assistant'
  AND implausible = FALSE AND processing_time_ms IS NOT NULL AND processing_time_ms >= 0 AND processing_time_ms <= 120000
  ORDER BY processing_time_ms`;

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

/** One conversation being folded: its row, whether it is new in this batch, whether its response times changed. */
interface Folding {
  callId: string | null;
  startedAt: number;
  row: Figures;
  isNew: boolean;
  responseTimes: boolean;
  /** Its response times in ascending order, when known without reading `messages`. */
  times: number[] | null;
  /** PostgreSQL: the row's version as read or remembered (its `xmin`); null on SQLite and for a new row. */
  version: string | null;
}

/** What the projection keeps of a conversation between batches (see ProjectionContext.memory). */
interface Remembered {
  row: Figures;
  times: number[] | null;
  version: string | null;
}

const memoryKey = (conversationId: string) => `conversation_metrics:${conversationId}`;

/** A copy of `sorted` with `x` in its place (the order `ORDER BY processing_time_ms` gives). */
function withSample(sorted: readonly number[], x: number): number[] {
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
function conversationOf(event: RecordedEvent): string | null {
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
function apply(row: Figures, event: RecordedEvent): boolean {
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

function newRow(at: number): Figures {
  const row = {} as Figures;
  for (const f of FIGURES) row[f] = NULLABLE.has(f) ? null : 0;
  row.updated_at = at;
  return row;
}

/** A stored row as numbers (PostgreSQL returns bigint columns as strings). */
function parseRow(stored: Record<string, unknown>): Figures {
  const row = {} as Figures;
  for (const f of FIGURES) {
    const v = stored[f];
    row[f] = v === null || v === undefined ? null : Number(v);
  }
  return row;
}

/** Response time = processing time of plausible assistant messages: count, mean, p50, p95 (linear interpolation), max. */
function setResponseTimes(row: Figures, sorted: readonly number[]): void {
  const sum = sorted.reduce((a, b) => a + b, 0);
  row.response_time_count = sorted.length;
  row.response_time_avg_ms = sorted.length > 0 ? sum / sorted.length : null;
  row.response_time_p50_ms = percentileOfSorted(sorted, 50);
  row.response_time_p95_ms = percentileOfSorted(sorted, 95);
  row.response_time_max_ms = sorted[sorted.length - 1] ?? null;
}

/**
 * `conversation_metrics`: per-conversation figures kept current in the append transaction.
 *
 * @remarks
 * Turns = assistant messages. Response time = processing time of plausible assistant messages
 * (avg / p50 / p95 by linear interpolation / max, recomputed from `messages`). Token and cost
 * totals add message usage (when `usageCounted`) and `metrics_recorded` usage; an unknown price
 * adds nothing to the cost and one to `unpriced_usage_count`.
 *
 * A batch is folded per conversation: its row is read once (all reads sent together), every
 * event applied in log order in JavaScript with the arithmetic SQL would use, and the row
 * written once — an INSERT for a conversation started in the batch, else an UPDATE. Where the
 * writer offers a memory, the row and its sorted response times are kept between batches
 * instead of read again; the result is the same (the rebuild test compares a live store, written
 * with the memory, with a replay, written without it). On SQLite the writer offers it only when
 * nobody else wrote since; on PostgreSQL each kept row carries its version (`xmin`) and the
 * UPDATE applies only where it is unchanged — a row another process changed is not overwritten:
 * the batch is run again, reading and locking the row ({@link StaleProjectionMemory}).
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
  async handle(events, ctx) {
    const { memory } = ctx;
    // PostgreSQL: rows kept in memory are written back only if nobody changed them since.
    const versioned = memory && ctx.dialect === 'postgres' ? ctx.versioned : undefined;
    if (memory && ctx.dialect === 'postgres' && !versioned)
      throw new Error('conversation_metrics: a memory on PostgreSQL needs versioned writes');
    const folding = new Map<string, Folding | null>();
    const missing: string[] = [];
    for (const event of events) {
      const id = conversationOf(event);
      if (id === null || folding.has(id)) continue;
      if (event.type === 'conversation_started') {
        const row = newRow(event.occurredAt);
        folding.set(id, {
          callId: event.callId,
          startedAt: event.occurredAt,
          row,
          isNew: true,
          responseTimes: false,
          times: [],
          version: null,
        });
        continue;
      }
      const known = memory?.get<Remembered>(memoryKey(id));
      if (known && (versioned === undefined || known.version !== null))
        folding.set(id, {
          callId: null,
          startedAt: 0,
          row: { ...known.row },
          isNew: false,
          responseTimes: false,
          times: known.times,
          version: known.version,
        });
      else {
        folding.set(id, null);
        missing.push(id);
      }
    }
    // Rows of conversations started before this batch, read together (one round trip when
    // pipelined), in id order (two writers locking rows in one order cannot deadlock).
    missing.sort();
    const select = ctx.dialect === 'postgres' ? SELECT_FOR_UPDATE : SELECT;
    const stored = await ctx.queryByKeys<Record<string, unknown>>(select, 'conversation_id', missing);
    missing.forEach((id) => {
      const found = stored.get(id)?.[0];
      // No row (removed by retention): the events change nothing, as an UPDATE of no row would.
      if (found)
        folding.set(id, {
          callId: null,
          startedAt: 0,
          row: parseRow(found),
          isNew: false,
          responseTimes: false,
          times: null,
          version: found['row_version'] === undefined ? null : String(found['row_version']),
        });
    });
    for (const event of events) {
      if (event.type === 'conversation_started') continue;
      const id = conversationOf(event);
      const f = id === null ? undefined : folding.get(id);
      if (!f || !apply(f.row, event)) continue;
      f.responseTimes = true;
      if (f.times !== null && event.type === 'message_added') f.times = withSample(f.times, responseTimeOf(event.data)!);
    }
    const changed = [...folding].filter((e): e is [string, Folding] => e[1] !== null);
    // Response times not known from memory are read back from `messages` (this batch's included).
    const unknown = changed.filter(([, f]) => f.responseTimes && f.times === null);
    const read = await ctx.queryByKeys<{ v: unknown }>(
      RESPONSE_TIMES,
      'conversation_id',
      unknown.map(([id]) => id),
    );
    for (const [id, f] of unknown) f.times = (read.get(id) ?? []).map((r) => Number(r.v));
    const inserts: unknown[][] = [];
    const updates: unknown[][] = [];
    for (const [id, f] of changed) {
      if (f.responseTimes) setResponseTimes(f.row, f.times!);
      const figures = FIGURES.map((c) => f.row[c]);
      if (f.isNew) inserts.push([id, f.callId, f.startedAt, ...figures]);
      else updates.push(versioned ? [id, f.version, ...figures] : [id, ...figures]);
    }
    // Each row's version after this batch's write (PostgreSQL with a memory; none otherwise).
    const versions = new Map<string, string>();
    if (!versioned) {
      if (inserts.length > 0) await ctx.insert('conversation_metrics', INSERT_COLUMNS, inserts);
      if (updates.length > 0) await ctx.update('conversation_metrics', KEY, FIGURE_COLUMNS, updates, 'set');
    } else {
      if (inserts.length > 0)
        for (const [k, v] of await versioned.insert('conversation_metrics', INSERT_COLUMNS, 'conversation_id', inserts)) versions.set(k, v);
      if (updates.length > 0) {
        const updated = await versioned.update('conversation_metrics', KEY, FIGURE_COLUMNS, updates);
        // A row another transaction changed (or removed) since it was read or remembered.
        if (updated.size !== updates.length) throw new StaleProjectionMemory('conversation_metrics', updates.length - updated.size);
        for (const [k, v] of updated) versions.set(k, v);
      }
    }
    if (memory)
      for (const [id, f] of changed)
        memory.set(memoryKey(id), { row: f.row, times: f.times, version: versions.get(id) ?? null } satisfies Remembered);
  },
};
