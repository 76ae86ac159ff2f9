import type { DataSource } from 'typeorm';
import { quantileOfFinite, seededRandom } from './bootstrap.js';
import { checkOptions, type Checked, type DiffBy, type DiffOptions } from './diff-options.js';
import { BELOW_COLUMN, COLUMNS, loadSample, QUANTILES, RATIOS, STAGES, SUM_COLUMN, TOTAL_COLUMN, type Sample } from './diff-sample.js';

export type { DiffBy, DiffOptions } from './diff-options.js';

/** A statistic of one side: its value on the sample and its 95% bootstrap interval. */
export interface DiffEstimate {
  value: number | null;
  low: number | null;
  high: number | null;
}

export type DiffVerdict = 'better' | 'worse' | 'unclear';

/** One compared statistic. Every row is "lower is better". */
export interface DiffRow {
  /** Stable key, e.g. `llm_ttft_p95`, `cost_per_turn`. */
  metric: string;
  /** For people, e.g. `LLM TTFT p95`. */
  label: string;
  unit: 'ms' | 'ratio' | 'usd' | 'tokens';
  base: DiffEstimate;
  head: DiffEstimate;
  /** head − base, with the 95% bootstrap interval of the difference. */
  difference: DiffEstimate;
  /** (head − base) ÷ base × 100; null when base is 0 or either side has no value. */
  changePct: number | null;
  /**
   * `worse`: the interval of the difference lies above zero and the change exceeds the threshold;
   * `better`: below zero and beyond the threshold; `unclear` otherwise (or with too few calls).
   */
  verdict: DiffVerdict;
}

/** One side's sample. */
export interface DiffSide {
  key: string;
  calls: number;
  turns: number;
}

/** What {@link diffReleases} returns. */
export interface DiffResult {
  by: DiffBy;
  since: number;
  until: number;
  agent: string | null;
  thresholdPct: number;
  resamples: number;
  seed: number;
  minCalls: number;
  base: DiffSide;
  head: DiffSide;
  /** False when a side has fewer than `minCalls` calls: then every row is `unclear`. */
  significant: boolean;
  /** Why the result is not significant, when it is not. */
  reason: string | null;
  rows: DiffRow[];
}

/**
 * Compares two releases (or instructions hashes, or LLM models) side by side: per latency stage
 * (EOU, transcription, LLM TTFT, TTS TTFB, end to end, unattributed) p50 and p95, and the SLA
 * violation, interruption, tool error, failure and abandon rates, cost per turn and per minute and
 * tokens per turn, each with a 95% confidence interval, and says of each row whether head is
 * `better`, `worse` or `unclear`.
 *
 * @remarks
 * Intervals come from a bootstrap over calls (turns of one call are not independent): calls are
 * resampled with replacement, `resamples` times with a seeded PRNG, and every statistic is
 * recomputed over the turns of the calls drawn; the difference's interval from the differences of
 * paired resamples of each side. A row is `worse` only when the interval of head − base excludes
 * zero and the change exceeds `thresholdPct`. With fewer than `minCalls` calls on a side, every
 * row is `unclear` and `significant` is false. Latencies leave out implausible turns (as
 * `latencyPercentiles`); rates and costs count every turn. Costs are the conversations' total cost
 * (by release or instructions) or the turns' own cost (by model).
 *
 * @example
 * ```ts
 * const diff = await diffReleases(await logger.dataSource(), { base: 'v1.4.0', head: 'v1.5.0' });
 * for (const row of diff.rows.filter((r) => r.verdict === 'worse')) console.log(row.label, row.changePct);
 * ```
 *
 * @throws ConversationLogError `INVALID_ARGUMENT` for a bad option
 */
export async function diffReleases(dataSource: DataSource, options: DiffOptions): Promise<DiffResult> {
  const o = checkOptions(options);
  const [base, head] = [await loadSample(dataSource, o, o.base), await loadSample(dataSource, o, o.head)];
  const tooFew = base.calls < o.minCalls || head.calls < o.minCalls;
  const reason = tooFew
    ? `too few calls to tell (base ${base.calls}, head ${head.calls}; at least ${o.minCalls} a side): every row is unclear`
    : null;
  const rows = compare(base, head, o, !tooFew);
  return {
    by: o.by,
    since: o.since,
    until: o.until,
    agent: o.agent,
    thresholdPct: o.thresholdPct,
    resamples: o.resamples,
    seed: o.seed,
    minCalls: o.minCalls,
    base: { key: o.base, calls: base.calls, turns: base.turns },
    head: { key: o.head, calls: head.calls, turns: head.turns },
    significant: !tooFew,
    reason,
    rows,
  };
}

/** A statistic of a sample, given the column sums and the weights of its calls drawn (all ones: the sample itself). */
type Statistic = (sample: Sample, sums: Float64Array, weights: Uint32Array) => number;

function statistics(): Array<{ metric: string; label: string; unit: DiffRow['unit']; stat: Statistic }> {
  const out: Array<{ metric: string; label: string; unit: DiffRow['unit']; stat: Statistic }> = [];
  STAGES.forEach(([metric, label], s) => {
    QUANTILES.forEach(([q, name], qi) =>
      out.push({
        metric: `${metric}_${name}`,
        label: `${label} ${name}`,
        unit: 'ms',
        stat: (x, sums, w) => x.stages[s]!.weightedPercentile(q, w, sums[TOTAL_COLUMN(s)]!, sums[BELOW_COLUMN(s, qi)]!),
      }),
    );
  });
  for (const [metric, label, unit, num, den] of RATIOS) {
    const n = SUM_COLUMN.get(num)!;
    const d = SUM_COLUMN.get(den)!;
    out.push({ metric, label, unit, stat: (_x, sums) => (sums[d] === 0 ? Number.NaN : sums[n]! / sums[d]!) });
  }
  return out;
}

function compare(base: Sample, head: Sample, o: Checked, significant: boolean): DiffRow[] {
  const stats = statistics();
  const B = o.resamples;
  const dist = stats.map(() => ({ base: new Float64Array(B), head: new Float64Array(B) }));
  const random = seededRandom(o.seed);
  const wBase = new Uint32Array(base.calls);
  const wHead = new Uint32Array(head.calls);
  const sBase = new Float64Array(COLUMNS);
  const sHead = new Float64Array(COLUMNS);
  for (let b = 0; b < B; b++) {
    // One draw of each side's calls per resample, shared by every statistic.
    base.matrix.resample(sBase, wBase, random);
    head.matrix.resample(sHead, wHead, random);
    for (let k = 0; k < stats.length; k++) {
      dist[k]!.base[b] = base.calls === 0 ? Number.NaN : stats[k]!.stat(base, sBase, wBase);
      dist[k]!.head[b] = head.calls === 0 ? Number.NaN : stats[k]!.stat(head, sHead, wHead);
    }
  }
  base.matrix.sample(sBase, wBase);
  head.matrix.sample(sHead, wHead);
  return stats.map((s, k) => {
    const bv = base.calls === 0 ? null : finiteOrNull(s.stat(base, sBase, wBase));
    const hv = head.calls === 0 ? null : finiteOrNull(s.stat(head, sHead, wHead));
    const d = dist[k]!;
    const diffs = d.head.map((h, b) => h - d.base[b]!);
    const difference: DiffEstimate = {
      value: bv === null || hv === null ? null : hv - bv,
      low: quantileOfFinite(diffs, 0.025),
      high: quantileOfFinite(diffs, 0.975),
    };
    const changePct = bv === null || hv === null || bv === 0 ? null : ((hv - bv) / Math.abs(bv)) * 100;
    return {
      metric: s.metric,
      label: s.label,
      unit: s.unit,
      base: { value: bv, low: quantileOfFinite(d.base, 0.025), high: quantileOfFinite(d.base, 0.975) },
      head: { value: hv, low: quantileOfFinite(d.head, 0.025), high: quantileOfFinite(d.head, 0.975) },
      difference,
      changePct,
      verdict: significant ? verdictOf(bv, hv, difference, o.thresholdPct) : 'unclear',
    };
  });
}

const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** Lower is better: worse when the difference's interval is above zero and the change beyond the threshold. */
function verdictOf(base: number | null, head: number | null, d: DiffEstimate, thresholdPct: number): DiffVerdict {
  if (base === null || head === null || d.low === null || d.high === null) return 'unclear';
  // From zero, any change is beyond every threshold.
  const beyond = base === 0 ? head !== 0 : (Math.abs(head - base) / Math.abs(base)) * 100 > thresholdPct;
  if (!beyond) return 'unclear';
  if (d.low > 0 && head > base) return 'worse';
  if (d.high < 0 && head < base) return 'better';
  return 'unclear';
}
