/**
 * Percentile of sorted values by linear interpolation between closest ranks — the definition of
 * PostgreSQL's `percentile_cont` and SQLite's `percentile()`, so every dialect agrees.
 *
 * @param sorted ascending values, at least one
 * @param p percentile in [0, 100]
 */
export function percentileOfSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('percentile of no values');
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a + (b - a) * (rank - lo);
}

/** The summary every percentile helper returns (ms); all null when there are no values. */
export interface PercentileSummary {
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
  min: number | null;
  max: number | null;
  num: number;
}

export function summarize(values: readonly number[]): PercentileSummary {
  if (values.length === 0) return { p50: null, p90: null, p95: null, p99: null, min: null, max: null, num: 0 };
  const sorted = [...values].sort((x, y) => x - y);
  return {
    p50: percentileOfSorted(sorted, 50),
    p90: percentileOfSorted(sorted, 90),
    p95: percentileOfSorted(sorted, 95),
    p99: percentileOfSorted(sorted, 99),
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    num: sorted.length,
  };
}
