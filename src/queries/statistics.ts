import type { DataSource } from 'typeorm';
import { invalidArgument } from '../errors.js';
import { MAX_PLAUSIBLE_MS } from '../projections/rules.js';
import { dialectOf, MAX_TIME_MS, num, percentileSql, select, timeMs, tokenCount, type TokenCount } from './sql.js';

/**
 * Call statistics over a time window.
 *
 * @remarks Definitions:
 * - The window is the last `hours` hours. Calls count when they *started* in it; responses,
 *   errors and drops when they *happened* in it; costs and tokens belong to conversations that
 *   started in it.
 * - `successRate` = completed ÷ ended calls (completed + failed + abandoned) × 100, always a
 *   number: 0 when no call in the window has ended, which `ended === 0` says (so
 *   `successRate.toFixed(1)` never throws). Active calls are not counted against it.
 * - A response is an assistant message with a plausible processing time (0–120 000 ms); for the
 *   LiveKit plugin that is the turn's end-to-end latency. Averages and percentiles (linear
 *   interpolation, as `percentile_cont`) are over responses; null when there are none.
 * - `slaViolations`: responses slower than the SLA threshold in force when they were logged.
 * - `avgSttConfidence`: mean confidence of user messages that have one.
 * - `errors`: system events of severity ERROR or CRITICAL, plus session errors of any severity,
 *   by event type, each counted once: a call that failed *because of* a recorded error counts
 *   that error, not also its `call_failed` row (a failed call with no recorded error counts one).
 * - `costs.totalUsd`: the sum of every known cost, or null when the window has usage and none of
 *   it has a price (unknown, never shown as $0); `costs.unpricedUsage` counts the usage records
 *   with no price apart. `performance.totalCostUsd` is the same known sum as a number (0 when
 *   unknown), the shape the original description reads.
 * - `logging.droppedEvents`: events the writers had to drop (queue full), as recorded in the store.
 */
export interface CallStatistics {
  windowHours: number;
  since: number;
  calls: {
    total: number;
    completed: number;
    failed: number;
    abandoned: number;
    active: number;
    /** Calls that have ended (completed + failed + abandoned); 0 means `successRate` has nothing to rate. */
    ended: number;
    /** completed ÷ ended × 100; 0 when `ended` is 0. */
    successRate: number;
  };
  performance: {
    responses: number;
    avgResponseTimeMs: number | null;
    p50ResponseTimeMs: number | null;
    p95ResponseTimeMs: number | null;
    p99ResponseTimeMs: number | null;
    slaViolations: number;
    avgSttConfidence: number | null;
    /** The known cost (USD) as a number, 0 when unknown: the description's shape; prefer `costs.totalUsd`. */
    totalCostUsd: number;
  };
  costs: {
    llmUsd: number;
    sttUsd: number;
    ttsUsd: number;
    realtimeUsd: number;
    /** Sum of the known costs; null when there is usage and none of it is priced. */
    totalUsd: number | null;
    /** Usage records with no known price: their cost is unknown, not zero. */
    unpricedUsage: number;
  };
  /** Token totals, exact: a number up to `Number.MAX_SAFE_INTEGER`, past it the decimal digits as a string. */
  tokens: { input: TokenCount; cachedInput: TokenCount; output: TokenCount };
  errors: { total: number; byType: Record<string, number> };
  logging: { droppedEvents: number };
}

/**
 * Statistics of the last `hours` (see {@link CallStatistics}); with `options.release`, of the
 * calls of that release only (their messages, costs and events).
 */
export async function getCallStatistics(
  dataSource: DataSource,
  hours = 24,
  now = Date.now(),
  options: { release?: string } = {},
): Promise<CallStatistics> {
  if (typeof hours !== 'number' || !Number.isFinite(hours) || hours <= 0)
    throw invalidArgument('hours', `must be a positive number, got ${String(hours)}.`);
  const d = dialectOf(dataSource);
  const since = Math.max(-MAX_TIME_MS, timeMs('now', now) - Math.floor(hours * 3_600_000));
  const release = releaseFilter(options.release);
  // Rows of the release's calls only: one bound parameter more per query.
  const ofCalls = (column: string) => (release === null ? '' : ` AND ${column} IN (SELECT id FROM calls WHERE release = ?)`);
  const r = release === null ? [] : [release];

  const statusRows = await select<{ status: string; n: unknown }>(
    dataSource,
    `SELECT status, COUNT(*) AS n FROM calls WHERE started_at >= ?${release === null ? '' : ' AND release = ?'} GROUP BY status`,
    [since, ...r],
  );
  const by = Object.fromEntries(statusRows.map((r) => [r.status, Number(r.n)]));
  const completed = by['completed'] ?? 0;
  const failed = by['failed'] ?? 0;
  const abandoned = by['abandoned'] ?? 0;
  const active = by['active'] ?? 0;
  const ended = completed + failed + abandoned;

  const [perf] = await select<Record<string, unknown>>(
    dataSource,
    `SELECT COUNT(*) AS n, AVG(processing_time_ms) AS avg,
       ${percentileSql(d, 'processing_time_ms', 0.5)} AS p50,
       ${percentileSql(d, 'processing_time_ms', 0.95)} AS p95,
       ${percentileSql(d, 'processing_time_ms', 0.99)} AS p99,
       SUM(CASE WHEN sla_violation THEN 1 ELSE 0 END) AS sla
     FROM messages WHERE role = 'assistant' AND created_at >= ? AND implausible = FALSE
       AND processing_time_ms IS NOT NULL AND processing_time_ms >= 0 AND processing_time_ms <= ?${ofCalls('call_id')}`,
    [since, MAX_PLAUSIBLE_MS, ...r],
  );
  const [conf] = await select<{ c: unknown }>(
    dataSource,
    `SELECT AVG(stt_confidence) AS c FROM messages WHERE role = 'user' AND created_at >= ? AND stt_confidence IS NOT NULL${ofCalls('call_id')}`,
    [since, ...r],
  );
  const [cost] = await select<Record<string, unknown>>(
    dataSource,
    `SELECT COALESCE(SUM(llm_cost_usd), 0) AS llm, COALESCE(SUM(stt_cost_usd), 0) AS stt,
       COALESCE(SUM(tts_cost_usd), 0) AS tts, COALESCE(SUM(realtime_cost_usd), 0) AS rt,
       COALESCE(SUM(total_cost_usd), 0) AS total, COALESCE(SUM(unpriced_usage_count), 0) AS unpriced,
       CAST(COALESCE(SUM(llm_tokens_input), 0) AS TEXT) AS tin,
       CAST(COALESCE(SUM(llm_tokens_cached), 0) AS TEXT) AS tcached,
       CAST(COALESCE(SUM(llm_tokens_output), 0) AS TEXT) AS tout
     FROM conversation_metrics WHERE started_at >= ?${ofCalls('call_id')}`,
    [since, ...r],
  );
  const errorRows = await select<{ event_type: string; n: unknown }>(
    dataSource,
    `SELECT event_type, COUNT(*) AS n FROM system_events s
     WHERE created_at >= ? AND (severity IN ('ERROR', 'CRITICAL') OR event_type = 'error')
       AND NOT (event_type = 'call_failed' AND EXISTS (
         SELECT 1 FROM system_events e WHERE e.call_id = s.call_id AND e.event_type = 'error'))${ofCalls('s.call_id')}
     GROUP BY event_type`,
    [since, ...r],
  );
  const [drops] = await select<{ n: unknown }>(
    dataSource,
    `SELECT COALESCE(SUM(count), 0) AS n FROM system_events WHERE event_type = 'events_dropped' AND created_at >= ?${ofCalls('call_id')}`,
    [since, ...r],
  );
  const byType = Object.fromEntries(errorRows.map((r) => [r.event_type, Number(r.n)]));
  const responses = Number(perf?.['n'] ?? 0);
  const knownUsd = Number(cost?.['total'] ?? 0);
  const unpricedUsage = Number(cost?.['unpriced'] ?? 0);
  return {
    windowHours: hours,
    since,
    calls: {
      total: Object.values(by).reduce((a, b) => a + b, 0),
      completed,
      failed,
      abandoned,
      active,
      ended,
      successRate: ended === 0 ? 0 : (completed / ended) * 100,
    },
    performance: {
      responses,
      avgResponseTimeMs: responses ? num(perf?.['avg']) : null,
      p50ResponseTimeMs: responses ? num(perf?.['p50']) : null,
      p95ResponseTimeMs: responses ? num(perf?.['p95']) : null,
      p99ResponseTimeMs: responses ? num(perf?.['p99']) : null,
      slaViolations: Number(perf?.['sla'] ?? 0),
      avgSttConfidence: num(conf?.c),
      totalCostUsd: knownUsd,
    },
    costs: {
      llmUsd: Number(cost?.['llm'] ?? 0),
      sttUsd: Number(cost?.['stt'] ?? 0),
      ttsUsd: Number(cost?.['tts'] ?? 0),
      realtimeUsd: Number(cost?.['rt'] ?? 0),
      totalUsd: unpricedUsage > 0 && knownUsd === 0 ? null : knownUsd,
      unpricedUsage,
    },
    tokens: {
      input: tokenCount(cost?.['tin']),
      cachedInput: tokenCount(cost?.['tcached']),
      output: tokenCount(cost?.['tout']),
    },
    errors: { total: Object.values(byType).reduce((a, b) => a + b, 0), byType },
    logging: { droppedEvents: Number(drops?.n ?? 0) },
  };
}

/**
 * A release to filter by, or null for none.
 *
 * @throws ConversationLogError `INVALID_ARGUMENT` for anything but a name of 1–255 characters
 */
export function releaseFilter(release: unknown): string | null {
  if (release === undefined || release === null) return null;
  if (typeof release !== 'string' || release === '' || release.length > 255)
    throw invalidArgument(
      'release',
      `must be a release name of 1–255 characters, got ${typeof release === 'string' ? `${release.length} characters` : typeof release}.`,
    );
  return release;
}
