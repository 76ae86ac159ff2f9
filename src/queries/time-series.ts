import type { DataSource } from 'typeorm';
import { invalidArgument } from '../errors.js';
import { MAX_PLAUSIBLE_MS } from '../projections/rules.js';
import { dialectOf, num, percentileSql, select } from './sql.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** One time bucket `[start, start + bucketMs)`. Latencies in ms. */
export interface TimeBucket {
  start: number;
  calls: { total: number; completed: number; failed: number; abandoned: number; active: number };
  /** completed ÷ ended calls × 100 of the calls that started in the bucket; null when none ended. */
  successRate: number | null;
  /** End-to-end latency of the responses in the bucket: `turns` where recorded, else assistant response times. */
  latency: { responses: number; p50Ms: number | null; p95Ms: number | null };
  slaViolations: number;
}

/** Cost of the conversations that started on one UTC day, by component (USD). */
export interface DailyCost {
  day: number;
  llmUsd: number;
  sttUsd: number;
  ttsUsd: number;
  realtimeUsd: number;
  totalUsd: number;
}

export interface ComponentLatency {
  samples: number;
  p50Ms: number | null;
  p95Ms: number | null;
}

export interface TimeSeries {
  from: number;
  to: number;
  bucketMs: number;
  buckets: TimeBucket[];
  costByDay: DailyCost[];
  /** Percentiles per stage over the whole range, from plausible `turns`. */
  components: {
    endOfTurn: ComponentLatency;
    transcription: ComponentLatency;
    llmTtft: ComponentLatency;
    ttsTtfb: ComponentLatency;
    e2e: ComponentLatency;
  };
  /** The highest SLA threshold in force in the range (ms), for drawing; null when none was set. */
  slaThresholdMs: number | null;
}

/** A bucket width that gives at most 48 buckets: 5 min, 15 min, 1 h, 6 h or 1 day (1 h → 5 min, 24 h → 1 h, 7 d → 6 h, 30 d → 1 day). */
export function pickBucketMs(rangeMs: number): number {
  for (const b of [300_000, 900_000, HOUR, 6 * HOUR]) if (rangeMs / b <= 48) return b;
  return DAY;
}

const bucketExpr = (column: string) => `CAST((${column} - ?) / ? AS INTEGER)`;

/**
 * Calls, success rate, p50 / p95 end-to-end latency and SLA violations per time bucket, cost per
 * UTC day by component, and per-stage latency percentiles, for calls in `[from, to)`.
 *
 * @remarks
 * A response counts once: a turn's `e2e_latency_ms` when the turn is in `turns`, otherwise the
 * assistant message's processing time (messages written through the API have no turn). Values
 * outside 0–120 000 ms or marked implausible are left out. Buckets are aligned to `from`; empty
 * buckets are included so charts have a continuous axis.
 *
 * @throws ConversationLogError `INVALID_ARGUMENT` when the range is empty, reversed or too long (> 400 days)
 */
export async function getTimeSeries(dataSource: DataSource, options: { from: number; to: number; bucketMs?: number }): Promise<TimeSeries> {
  const { from, to } = options;
  if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from)
    throw invalidArgument('to', `the range must end after it starts, got ${from}–${to}.`);
  if (to - from > 400 * DAY) throw invalidArgument('from', 'the range may span 400 days at most.');
  const bucketMs = Math.trunc(options.bucketMs ?? pickBucketMs(to - from));
  if (!Number.isSafeInteger(bucketMs) || bucketMs < 60_000 || (to - from) / bucketMs > 2000)
    throw invalidArgument('bucketMs', `must be at least 60000 and give at most 2000 buckets, got ${bucketMs}.`);
  const d = dialectOf(dataSource);
  const start = Math.floor(from);
  const end = Math.ceil(to);

  const callRows = await select<{ b: unknown; status: string; n: unknown }>(
    dataSource,
    `SELECT ${bucketExpr('started_at')} AS b, status, COUNT(*) AS n FROM calls
     WHERE started_at >= ? AND started_at < ? GROUP BY 1, status`,
    [start, bucketMs, start, end],
  );
  const latencyRows = await select<Record<string, unknown>>(
    dataSource,
    `SELECT ${bucketExpr('t')} AS b, COUNT(*) AS n, ${percentileSql(d, 'v', 0.5)} AS p50,
       ${percentileSql(d, 'v', 0.95)} AS p95, SUM(sla) AS sla
     FROM (
       SELECT started_at AS t, e2e_latency_ms AS v, CASE WHEN sla_violation THEN 1 ELSE 0 END AS sla FROM turns
       WHERE started_at >= ? AND started_at < ? AND implausible = FALSE
         AND e2e_latency_ms >= 0 AND e2e_latency_ms <= ${MAX_PLAUSIBLE_MS}
       UNION ALL
       SELECT created_at AS t, processing_time_ms AS v, CASE WHEN sla_violation THEN 1 ELSE 0 END AS sla FROM messages
       WHERE role = 'assistant' AND created_at >= ? AND created_at < ? AND implausible = FALSE
         AND processing_time_ms >= 0 AND processing_time_ms <= ${MAX_PLAUSIBLE_MS}
         -- Replies a turn already counts are left out; looked up among their own call's turns.
         AND NOT EXISTS (SELECT 1 FROM turns t WHERE t.call_id = messages.call_id AND t.assistant_message_id = messages.id)
     ) r GROUP BY 1`,
    [start, bucketMs, start, end, start, end],
  );
  const dayStart = Math.floor(start / DAY) * DAY;
  const costRows = await select<Record<string, unknown>>(
    dataSource,
    `SELECT ${bucketExpr('started_at')} AS b, SUM(llm_cost_usd) AS llm, SUM(stt_cost_usd) AS stt,
       SUM(tts_cost_usd) AS tts, SUM(realtime_cost_usd) AS rt, SUM(total_cost_usd) AS total
     FROM conversation_metrics WHERE started_at >= ? AND started_at < ? GROUP BY 1`,
    [dayStart, DAY, start, end],
  );
  const stage = (column: string, alias: string) =>
    `COUNT(${column}) AS ${alias}_n, ${percentileSql(d, column, 0.5)} AS ${alias}_p50, ${percentileSql(d, column, 0.95)} AS ${alias}_p95`;
  const [comp] = await select<Record<string, unknown>>(
    dataSource,
    `SELECT ${stage('end_of_turn_delay_ms', 'eou')}, ${stage('transcription_delay_ms', 'stt')},
       ${stage('llm_ttft_ms', 'llm')}, ${stage('tts_ttfb_ms', 'tts')}, ${stage('e2e_latency_ms', 'e2e')}
     FROM turns WHERE started_at >= ? AND started_at < ? AND implausible = FALSE`,
    [start, end],
  );
  const [sla] = await select<{ t: unknown }>(
    dataSource,
    'SELECT MAX(sla_threshold_ms) AS t FROM conversation_metrics WHERE started_at >= ? AND started_at < ?',
    [start, end],
  );

  const count = Math.ceil((end - start) / bucketMs);
  const buckets: TimeBucket[] = Array.from({ length: count }, (_, i) => ({
    start: start + i * bucketMs,
    calls: { total: 0, completed: 0, failed: 0, abandoned: 0, active: 0 },
    successRate: null,
    latency: { responses: 0, p50Ms: null, p95Ms: null },
    slaViolations: 0,
  }));
  for (const r of callRows) {
    const b = buckets[Number(r.b)];
    if (b === undefined) continue;
    const n = Number(r.n);
    b.calls.total += n;
    if (r.status === 'completed' || r.status === 'failed' || r.status === 'abandoned' || r.status === 'active') b.calls[r.status] += n;
  }
  for (const b of buckets) {
    const ended = b.calls.completed + b.calls.failed + b.calls.abandoned;
    b.successRate = ended === 0 ? null : (b.calls.completed / ended) * 100;
  }
  for (const r of latencyRows) {
    const b = buckets[Number(r['b'])];
    if (b === undefined) continue;
    b.latency = { responses: Number(r['n']), p50Ms: num(r['p50']), p95Ms: num(r['p95']) };
    b.slaViolations = Number(r['sla'] ?? 0);
  }
  const costByDay: DailyCost[] = [];
  const byDay = new Map(costRows.map((r) => [Number(r['b']), r]));
  for (let day = dayStart; day < end; day += DAY) {
    const r = byDay.get((day - dayStart) / DAY);
    costByDay.push({
      day,
      llmUsd: Number(r?.['llm'] ?? 0),
      sttUsd: Number(r?.['stt'] ?? 0),
      ttsUsd: Number(r?.['tts'] ?? 0),
      realtimeUsd: Number(r?.['rt'] ?? 0),
      totalUsd: Number(r?.['total'] ?? 0),
    });
  }
  const component = (alias: string): ComponentLatency => {
    const samples = Number(comp?.[`${alias}_n`] ?? 0);
    return {
      samples,
      p50Ms: samples ? num(comp?.[`${alias}_p50`]) : null,
      p95Ms: samples ? num(comp?.[`${alias}_p95`]) : null,
    };
  };
  return {
    from: start,
    to: end,
    bucketMs,
    buckets,
    costByDay,
    components: {
      endOfTurn: component('eou'),
      transcription: component('stt'),
      llmTtft: component('llm'),
      ttsTtfb: component('tts'),
      e2e: component('e2e'),
    },
    slaThresholdMs: num(sla?.t),
  };
}
