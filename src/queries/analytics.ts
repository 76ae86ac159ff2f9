import type { DataSource } from 'typeorm';
import { invalidArgument } from '../errors.js';
import { MAX_PLAUSIBLE_MS } from '../projections/rules.js';
import { summarize, type PercentileSummary } from '../projections/percentile.js';
import { MAX_TIME_MS, num, select, timeMs, tokenCount, type TokenCount } from './sql.js';
import { releaseFilter } from './statistics.js';

/** The time window every analytics helper reads: the last `hours` hours (default 24) before `now`. */
export interface AnalyticsWindow {
  hours?: number;
  /** The end of the window (ms UTC, default: now). */
  now?: number;
  /** Only calls of this release (latencyPercentiles, responseLatencyHistogram, callsBy). */
  release?: string;
}

/** ` AND <column> IN (calls of the release)` and its parameter, or nothing. */
function ofRelease(window: AnalyticsWindow, column: string): [string, unknown[]] {
  const release = releaseFilter(window.release);
  return release === null ? ['', []] : [` AND ${column} IN (SELECT id FROM calls WHERE release = ?)`, [release]];
}

const DAY_MS = 86_400_000;

function since(window: AnalyticsWindow): number {
  const hours = window.hours ?? 24;
  if (typeof hours !== 'number' || !Number.isFinite(hours) || hours <= 0)
    throw invalidArgument('hours', `must be a positive number, got ${String(hours)}.`);
  return Math.max(-MAX_TIME_MS, timeMs('now', window.now ?? Date.now()) - Math.floor(hours * 3_600_000));
}

/** Latency components of a turn, as columns of the `turns` projection. */
export const LATENCY_COMPONENTS = {
  e2e: 'e2e_latency_ms',
  endOfTurn: 'end_of_turn_delay_ms',
  transcription: 'transcription_delay_ms',
  onUserTurnCompleted: 'on_user_turn_completed_delay_ms',
  llmTtft: 'llm_ttft_ms',
  ttsTtfb: 'tts_ttfb_ms',
  playback: 'playback_latency_ms',
  /** Measured from the call's recording (`convlog measure-audio`), not reported by the SDK. */
  heard: 'heard_latency_ms',
} as const;
export type LatencyComponent = keyof typeof LATENCY_COMPONENTS;

/**
 * Latency percentiles per component of the turn waterfall (ms): end to end, end-of-turn delay,
 * transcription delay, on-user-turn-completed delay, LLM time to first token, TTS time to first
 * byte and playback latency, and the end-to-end latency heard in the recordings (`heard`, from
 * the turns `convlog measure-audio` measured).
 *
 * @remarks
 * Reads the real columns of the `turns` projection for turns that started in the window. Turns
 * flagged implausible and values outside 0–120 s are left out. Each component's summary counts
 * only turns that measured it (`num`).
 */
export async function latencyPercentiles(
  dataSource: DataSource,
  window: AnalyticsWindow = {},
): Promise<Record<LatencyComponent, PercentileSummary>> {
  const cols = Object.values(LATENCY_COMPONENTS).join(', ');
  const [rel, relParams] = ofRelease(window, 'call_id');
  const rows = await select<Record<string, unknown>>(
    dataSource,
    `SELECT ${cols} FROM turns WHERE started_at >= ? AND implausible = FALSE${rel}`,
    [since(window), ...relParams],
  );
  const out = {} as Record<LatencyComponent, PercentileSummary>;
  for (const [name, col] of Object.entries(LATENCY_COMPONENTS) as Array<[LatencyComponent, string]>) {
    const values: number[] = [];
    for (const r of rows) {
      const v = num(r[col]);
      if (v !== null && v >= 0 && v <= MAX_PLAUSIBLE_MS) values.push(v);
    }
    out[name] = summarize(values);
  }
  return out;
}

/** Response-time histogram bucket: `[fromMs, toMs)` (`toMs` null for the open last bucket). */
export interface LatencyBucket {
  fromMs: number;
  toMs: number | null;
  count: number;
}

/**
 * A histogram of end-to-end response latency (assistant messages' response time, as in
 * `getCallStatistics`), in fixed buckets: 0–250, 250–500, … up to `maxMs`, and an open bucket.
 */
export async function responseLatencyHistogram(
  dataSource: DataSource,
  window: AnalyticsWindow & { bucketMs?: number; maxMs?: number } = {},
): Promise<LatencyBucket[]> {
  const bucketMs = window.bucketMs ?? 250;
  const maxMs = window.maxMs ?? 3000;
  if (typeof bucketMs !== 'number' || typeof maxMs !== 'number' || !(bucketMs > 0) || !(maxMs > bucketMs) || maxMs / bucketMs > 10_000)
    throw invalidArgument('bucketMs', 'must be positive, below maxMs, and give at most 10000 buckets.');
  const [rel, relParams] = ofRelease(window, 'call_id');
  const rows = await select<{ v: unknown }>(
    dataSource,
    `SELECT processing_time_ms AS v FROM messages WHERE role = 'assistant' AND created_at >= ? AND implausible = FALSE
       AND processing_time_ms IS NOT NULL AND processing_time_ms >= 0 AND processing_time_ms <= ?${rel}`,
    [since(window), MAX_PLAUSIBLE_MS, ...relParams],
  );
  const n = Math.ceil(maxMs / bucketMs);
  const buckets: LatencyBucket[] = Array.from({ length: n + 1 }, (_, i) => ({
    fromMs: i * bucketMs,
    toMs: i < n ? (i + 1) * bucketMs : null,
    count: 0,
  }));
  for (const r of rows) {
    const v = Number(r.v);
    buckets[Math.min(n, Math.floor(v / bucketMs))]!.count++;
  }
  return buckets;
}

/** LLM usage and cost of one model on one UTC day. */
export interface ModelDayCost {
  /** Start of the UTC day (ms). */
  day: number;
  model: string | null;
  replies: number;
  /** Exact: a number up to 2^53 − 1, past it a decimal string (see `TokenCount`). */
  tokensInput: TokenCount;
  tokensOutput: TokenCount;
  /** Sum of priced replies (USD); replies of a model without a price add nothing and are counted in `unpricedReplies`. */
  llmCostUsd: number;
  unpricedReplies: number;
}

/**
 * LLM cost by model and UTC day, from the assistant messages of the window (each reply carries
 * the model, tokens and cost of its own LLM calls).
 */
export async function costByModelAndDay(dataSource: DataSource, window: AnalyticsWindow = {}): Promise<ModelDayCost[]> {
  const rows = await select<Record<string, unknown>>(
    dataSource,
    `SELECT created_at - created_at % ${DAY_MS} AS day, llm_model AS model, COUNT(*) AS replies,
       CAST(SUM(COALESCE(llm_tokens_input, 0)) AS TEXT) AS tin, CAST(SUM(COALESCE(llm_tokens_output, 0)) AS TEXT) AS tout,
       SUM(COALESCE(llm_cost_usd, 0)) AS cost,
       SUM(CASE WHEN llm_cost_usd IS NULL AND llm_tokens_input IS NOT NULL THEN 1 ELSE 0 END) AS unpriced
     FROM messages WHERE role = 'assistant' AND created_at >= ?
     GROUP BY created_at - created_at % ${DAY_MS}, llm_model
     ORDER BY day, model`,
    [since(window)],
  );
  return rows.map((r) => ({
    day: Number(r['day']),
    model: r['model'] === null ? null : String(r['model']),
    replies: Number(r['replies']),
    tokensInput: tokenCount(r['tin']),
    tokensOutput: tokenCount(r['tout']),
    llmCostUsd: Number(r['cost']),
    unpricedReplies: Number(r['unpriced']),
  }));
}

/** Every component's cost on one UTC day (by when the conversation started). */
export interface DayCost {
  day: number;
  calls: number;
  turns: number;
  llmUsd: number;
  sttUsd: number;
  ttsUsd: number;
  realtimeUsd: number;
  totalUsd: number;
}

/** Cost per UTC day by component (LLM, STT, TTS, realtime), from `conversation_metrics`. */
export async function costByDay(dataSource: DataSource, window: AnalyticsWindow = {}): Promise<DayCost[]> {
  const rows = await select<Record<string, unknown>>(
    dataSource,
    `SELECT started_at - started_at % ${DAY_MS} AS day, COUNT(DISTINCT call_id) AS calls, SUM(turns) AS turns,
       SUM(llm_cost_usd) AS llm, SUM(stt_cost_usd) AS stt, SUM(tts_cost_usd) AS tts,
       SUM(realtime_cost_usd) AS rt, SUM(total_cost_usd) AS total
     FROM conversation_metrics WHERE started_at >= ?
     GROUP BY started_at - started_at % ${DAY_MS} ORDER BY day`,
    [since(window)],
  );
  return rows.map((r) => ({
    day: Number(r['day']),
    calls: Number(r['calls']),
    turns: Number(r['turns']),
    llmUsd: Number(r['llm']),
    sttUsd: Number(r['stt']),
    ttsUsd: Number(r['tts']),
    realtimeUsd: Number(r['rt']),
    totalUsd: Number(r['total']),
  }));
}

/** How often the user spoke over the agent. */
export interface InterruptionRate {
  /** Assistant replies in the window. */
  replies: number;
  /** Replies the user cut short (a session closing mid-reply is not an interruption). */
  interruptions: number;
  /** Interruptions LiveKit judged false (the agent resumed or went on). */
  falseInterruptions: number;
  /** `interruptions / replies`, null without replies. */
  rate: number | null;
}

/** Interruption rate over the conversations that started in the window. */
export async function interruptionRate(dataSource: DataSource, window: AnalyticsWindow = {}): Promise<InterruptionRate> {
  const [r] = await select<Record<string, unknown>>(
    dataSource,
    `SELECT COALESCE(SUM(turns), 0) AS replies, COALESCE(SUM(interruptions), 0) AS i, COALESCE(SUM(false_interruptions), 0) AS f
     FROM conversation_metrics WHERE started_at >= ?`,
    [since(window)],
  );
  const replies = Number(r?.['replies'] ?? 0);
  const interruptions = Number(r?.['i'] ?? 0);
  return { replies, interruptions, falseInterruptions: Number(r?.['f'] ?? 0), rate: replies > 0 ? interruptions / replies : null };
}

/** One tool's record: how often it ran, failed and how long it took (ms). */
export interface ToolCallStats {
  name: string;
  calls: number;
  errors: number;
  /** `(calls − errors) / calls`. */
  successRate: number;
  duration: PercentileSummary & { avg: number | null };
}

/** Tool-call success rate and duration per tool, for the tool calls of the window. */
export async function toolCallStats(dataSource: DataSource, window: AnalyticsWindow = {}): Promise<ToolCallStats[]> {
  const rows = await select<Record<string, unknown>>(
    dataSource,
    `SELECT tool_name AS name, tool_is_error AS err, processing_time_ms AS d FROM messages
     WHERE role = 'tool' AND created_at >= ? ORDER BY tool_name`,
    [since(window)],
  );
  const by = new Map<string, { calls: number; errors: number; durations: number[] }>();
  for (const r of rows) {
    const name = String(r['name'] ?? 'unknown');
    const t = by.get(name) ?? { calls: 0, errors: 0, durations: [] };
    t.calls++;
    if (r['err'] === true || Number(r['err']) === 1) t.errors++;
    const d = num(r['d']);
    if (d !== null && d >= 0 && d <= MAX_PLAUSIBLE_MS) t.durations.push(d);
    by.set(name, t);
  }
  return [...by.entries()].map(([name, t]) => ({
    name,
    calls: t.calls,
    errors: t.errors,
    successRate: (t.calls - t.errors) / t.calls,
    duration: {
      ...summarize(t.durations),
      avg: t.durations.length ? t.durations.reduce((a, b) => a + b, 0) / t.durations.length : null,
    },
  }));
}

/** Figures of one group of calls (a room, a model or a day). */
export interface CallGroupStats {
  key: string;
  calls: number;
  completed: number;
  failed: number;
  abandoned: number;
  turns: number;
  avgResponseTimeMs: number | null;
  /**
   * By model: the LLM cost of that model's replies; by room or day: the total (every component).
   * `costKind` says which. Null when the group has usage and none of it is priced (unknown).
   */
  costUsd: number | null;
  costKind: 'llm' | 'total';
  /**
   * Usage records (or replies, by model: with tokens but no price, or with no model reported)
   * with no known price: their cost is unknown, not zero.
   */
  unpricedUsage: number;
}

/**
 * Calls of the window grouped by LiveKit room, by UTC day (`YYYY-MM-DD`), by release (`(none)`
 * for calls recorded without one), by LLM model (the model of each call's replies; a call whose
 * replies used two models counts in both), by agent (the call's, else its first conversation's)
 * or by end reason (`(still active)` for calls not ended).
 */
export async function callsBy(
  dataSource: DataSource,
  by: 'room' | 'day' | 'model' | 'release' | 'agent' | 'endReason',
  window: AnalyticsWindow = {},
): Promise<CallGroupStats[]> {
  if (!['room', 'day', 'model', 'release', 'agent', 'endReason'].includes(by))
    throw invalidArgument('by', `must be room, day, model, release, agent or endReason, got ${String(by)}.`);
  const from = since(window);
  const release = releaseFilter(window.release);
  /** The release filter on the calls of `alias`. */
  const relOf = (alias: string) => (release === null ? '' : ` AND ${alias}.release = ?`);
  const rel = relOf('c');
  const relParams = release === null ? [] : [release];
  if (by === 'model') {
    const rows = await select<Record<string, unknown>>(
      dataSource,
      `SELECT COALESCE(m.llm_model, '(unknown)') AS k, COUNT(DISTINCT m.call_id) AS calls,
         COUNT(DISTINCT CASE WHEN c.status = 'completed' THEN c.id END) AS completed,
         COUNT(DISTINCT CASE WHEN c.status = 'failed' THEN c.id END) AS failed,
         COUNT(DISTINCT CASE WHEN c.status = 'abandoned' THEN c.id END) AS abandoned,
         COUNT(*) AS turns,
         AVG(CASE WHEN m.implausible = FALSE AND m.processing_time_ms >= 0 AND m.processing_time_ms <= ? THEN m.processing_time_ms END) AS avg_rt,
         SUM(COALESCE(m.llm_cost_usd, 0)) AS cost,
         -- Unpriced: a reply with tokens but no price, or one that reported no model (nothing to price it by).
         SUM(CASE WHEN m.llm_cost_usd IS NULL AND (m.llm_tokens_input IS NOT NULL OR m.llm_model IS NULL) THEN 1 ELSE 0 END) AS unpriced
       -- The window's calls first, then their messages by call (not every reply stored, then their
       -- calls); the || '' keeps SQLite from choosing the role index, which holds every reply of every call.
       FROM calls c CROSS JOIN messages m
       WHERE m.call_id = c.id AND (m.role || '') = 'assistant' AND c.started_at >= ?${rel}
       GROUP BY COALESCE(m.llm_model, '(unknown)') ORDER BY k`,
      [MAX_PLAUSIBLE_MS, from, ...relParams],
    );
    return rows.map((r) => groupRow(r, 'llm'));
  }
  const key =
    by === 'room'
      ? `COALESCE(c.livekit_room, '(none)')`
      : by === 'release'
        ? `COALESCE(c.release, '(none)')`
        : by === 'agent'
          ? `COALESCE(c.agent_name, (SELECT cv.agent_name FROM conversations cv WHERE cv.call_id = c.id AND cv.agent_name IS NOT NULL
            ORDER BY cv.started_at LIMIT 1), '(unnamed)')`
          : by === 'endReason'
            ? `CASE WHEN c.status = 'active' THEN '(still active)' ELSE COALESCE(c.end_reason, '(none given)') END`
            : `c.started_at - c.started_at % ${DAY_MS}`;
  const rows = await select<Record<string, unknown>>(
    dataSource,
    `SELECT ${key} AS k, COUNT(*) AS calls,
       SUM(CASE WHEN c.status = 'completed' THEN 1 ELSE 0 END) AS completed,
       SUM(CASE WHEN c.status = 'failed' THEN 1 ELSE 0 END) AS failed,
       SUM(CASE WHEN c.status = 'abandoned' THEN 1 ELSE 0 END) AS abandoned,
       SUM(COALESCE(m.turns, 0)) AS turns,
       SUM(m.rt_sum) / NULLIF(SUM(m.rt_n), 0) AS avg_rt,
       SUM(COALESCE(m.cost, 0)) AS cost, SUM(COALESCE(m.unpriced, 0)) AS unpriced
     FROM calls c LEFT JOIN (
       SELECT call_id, SUM(turns) AS turns, SUM(total_cost_usd) AS cost, SUM(unpriced_usage_count) AS unpriced,
         SUM(response_time_avg_ms * response_time_count) AS rt_sum, SUM(response_time_count) AS rt_n
       FROM conversation_metrics
       -- Summed for the window's calls only, not for every call stored.
       WHERE call_id IN (SELECT w.id FROM calls w WHERE w.started_at >= ?${relOf('w')})
       GROUP BY call_id) m ON m.call_id = c.id
     WHERE c.started_at >= ?${rel}
     GROUP BY ${key} ORDER BY k`,
    [from, ...relParams, from, ...relParams],
  );
  return rows.map((r) => {
    const g = groupRow(r, 'total');
    return by === 'day' ? { ...g, key: new Date(Number(r['k'])).toISOString().slice(0, 10) } : g;
  });
}

function groupRow(r: Record<string, unknown>, costKind: 'llm' | 'total'): CallGroupStats {
  const cost = Number(r['cost'] ?? 0);
  const unpricedUsage = Number(r['unpriced'] ?? 0);
  return {
    key: String(r['k']),
    calls: Number(r['calls']),
    completed: Number(r['completed']),
    failed: Number(r['failed']),
    abandoned: Number(r['abandoned']),
    turns: Number(r['turns']),
    avgResponseTimeMs: num(r['avg_rt']),
    costUsd: unpricedUsage > 0 && cost === 0 ? null : cost,
    costKind,
    unpricedUsage,
  };
}
