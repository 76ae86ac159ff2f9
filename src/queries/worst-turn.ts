import type { DataSource } from 'typeorm';
import { MAX_PLAUSIBLE_MS } from '../projections/rules.js';
import { num, select, wholeNumber } from './sql.js';

/** The slowest plausible answer of a window, and the call it was in. */
export interface WorstTurn {
  callId: string;
  turnId: string;
  startedAt: number;
  e2eLatencyMs: number;
}

/**
 * The turn with the highest end-to-end latency among those that started at or after `from`
 * (ms UTC), leaving out implausible ones as `latencyPercentiles` does — so its latency is that
 * summary's `max`. Null when no turn measured it. With `release`, among that release's calls.
 */
export async function worstTurn(dataSource: DataSource, from: number, release: string | null = null): Promise<WorstTurn | null> {
  return (await slowestTurns(dataSource, from, 1, release))[0] ?? null;
}

/** The `limit` slowest plausible turns that started at or after `from`, slowest first (ties by id), of one release if given. */
export async function slowestTurns(dataSource: DataSource, from: number, limit = 10, release: string | null = null): Promise<WorstTurn[]> {
  const rows = await select<Record<string, unknown>>(
    dataSource,
    `SELECT id, call_id, started_at, e2e_latency_ms FROM turns
     WHERE started_at >= ? AND implausible = FALSE AND e2e_latency_ms IS NOT NULL AND e2e_latency_ms >= 0 AND e2e_latency_ms <= ?
       ${release === null ? '' : 'AND call_id IN (SELECT id FROM calls WHERE release = ?)'}
     ORDER BY e2e_latency_ms DESC, id LIMIT ${wholeNumber('limit', limit, 1, 1000)}`,
    [Math.floor(from), MAX_PLAUSIBLE_MS, ...(release === null ? [] : [release])],
  );
  return rows.map((r) => ({
    callId: String(r['call_id']),
    turnId: String(r['id']),
    startedAt: num(r['started_at'])!,
    e2eLatencyMs: num(r['e2e_latency_ms'])!,
  }));
}
