import type { DataSource } from 'typeorm';
import { invalidArgument } from '../errors.js';
import { MAX_PLAUSIBLE_MS } from '../projections/rules.js';
import { CallMatrix, quantileOfFinite, seededRandom, WeightedValues } from './bootstrap.js';
import { MAX_TIME_MS, select, timeMs } from './sql.js';

/** What two sides of a {@link diffReleases} are told apart by. */
export type DiffBy = 'release' | 'instructions' | 'model';

/** Options of {@link diffReleases}. */
export interface DiffOptions {
  /** The side compared against: a release, an instructions hash or an LLM model (see `by`). */
  base: string;
  /** The side under test. */
  head: string;
  /**
   * `release` (default): calls stamped with each release. `instructions`: conversations whose
   * agent's instructions hash is each. `model`: turns served by each LLM model.
   */
  by?: DiffBy;
  /** Calls that started at or after this time (ms UTC); default: 7 days before `until`. */
  since?: number;
  /** Calls that started before this time (ms UTC); default: now. */
  until?: number;
  /** Only conversations of this agent (its name, or the call's agent name). */
  agent?: string;
  /** A row is better or worse only if it changed by more than this percentage (default 10). */
  thresholdPct?: number;
  /** Bootstrap resamples (default 1000, 100–100 000). */
  resamples?: number;
  /** PRNG seed of the resamples (default 1): the same store and seed give the same intervals. */
  seed?: number;
  /** Fewer calls than this on either side and every row is unclear (default 10). */
  minCalls?: number;
}

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

const STAGES = [
  ['eou', 'EOU delay', 'end_of_turn_delay_ms'],
  ['transcription', 'transcription', 'transcription_delay_ms'],
  ['llm_ttft', 'LLM TTFT', 'llm_ttft_ms'],
  ['tts_ttfb', 'TTS TTFB', 'tts_ttfb_ms'],
  ['e2e', 'end to end', 'e2e_latency_ms'],
  ['unattributed', 'unattributed', 'unattributed_ms'],
] as const;

const QUANTILES = [
  [0.5, 'p50'],
  [0.95, 'p95'],
] as const;

/** Ratio rows: numerator and denominator summed over the calls drawn. */
const RATIOS = [
  ['sla_violation_rate', 'SLA violation rate', 'ratio', 'slaTurns', 'e2eTurns'],
  ['interruption_rate', 'interruption rate', 'ratio', 'interruptedTurns', 'turns'],
  ['tool_error_rate', 'tool error rate', 'ratio', 'toolErrors', 'toolCalls'],
  ['failure_rate', 'failure rate', 'ratio', 'failed', 'ended'],
  ['abandon_rate', 'abandon rate', 'ratio', 'abandoned', 'ended'],
  ['cost_per_turn', 'cost per turn', 'usd', 'cost', 'turns'],
  ['cost_per_minute', 'cost per minute', 'usd', 'timedCost', 'minutes'],
  ['tokens_per_turn', 'tokens per turn', 'tokens', 'tokens', 'turns'],
] as const;

type SumKey = (typeof RATIOS)[number][3] | (typeof RATIOS)[number][4];
const SUM_KEYS: readonly SumKey[] = [...new Set(RATIOS.flatMap((r) => [r[3], r[4]]))];

/** Columns of a side's {@link CallMatrix}: the sums, then each stage's value count, then per stage and quantile the values below its anchor. */
const SUM_COLUMN = new Map(SUM_KEYS.map((k, j) => [k, j]));
const TOTAL_COLUMN = (s: number) => SUM_KEYS.length + s;
const BELOW_COLUMN = (s: number, qi: number) => SUM_KEYS.length + STAGES.length + s * QUANTILES.length + qi;
const COLUMNS = SUM_KEYS.length + STAGES.length * (1 + QUANTILES.length);

/** A side loaded: per-call sums and counts (one matrix row a call) and per-stage turn values. */
interface Sample {
  calls: number;
  turns: number;
  matrix: CallMatrix;
  stages: WeightedValues[];
}

const DAY_MS = 86_400_000;

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

type Checked = Required<Omit<DiffOptions, 'agent'>> & { agent: string | null };

function checkOptions(options: DiffOptions): Checked {
  if (options === null || typeof options !== 'object') throw invalidArgument('options', 'must be an object with base and head.');
  const key = (field: 'base' | 'head'): string => {
    const v = options[field];
    if (typeof v !== 'string' || v === '' || v.length > 255)
      throw invalidArgument(field, `must be a release, instructions hash or model name of 1–255 characters; pass --${field} <name>.`);
    return v;
  };
  const by = options.by ?? 'release';
  if (by !== 'release' && by !== 'instructions' && by !== 'model')
    throw invalidArgument('by', `must be release, instructions or model, got ${String(by)}.`);
  const until = options.until === undefined ? Date.now() : timeMs('until', options.until);
  const since = options.since === undefined ? Math.max(-MAX_TIME_MS, until - 7 * DAY_MS) : timeMs('since', options.since);
  const agent = options.agent ?? null;
  if (agent !== null && (typeof agent !== 'string' || agent === '' || agent.length > 255))
    throw invalidArgument('agent', 'must be an agent name of 1–255 characters.');
  const number = (field: string, v: unknown, fallback: number, min: number, max: number, whole: boolean): number => {
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (whole && !Number.isInteger(v)))
      throw invalidArgument(field, `must be a ${whole ? 'whole ' : ''}number from ${min} to ${max}, got ${String(v)}.`);
    return v;
  };
  return {
    base: key('base'),
    head: key('head'),
    by,
    since,
    until,
    agent,
    thresholdPct: number('thresholdPct', options.thresholdPct, 10, 0, 1e6, false),
    resamples: number('resamples', options.resamples, 1000, 100, 100_000, true),
    seed: number('seed', options.seed, 1, 0, 2 ** 32 - 1, true),
    minCalls: number('minCalls', options.minCalls, 10, 1, 1e9, true),
  };
}

/**
 * The conversations of a side: `cv` joined with its call `c`, in the window, of the agent. One
 * parameter per `?`, in the order of the returned list.
 */
function conversationsOf(o: Checked, key: string): [string, unknown[]] {
  const cond =
    o.by === 'release'
      ? 'c.release = ?'
      : o.by === 'instructions'
        ? 'cv.instructions_hash = ?'
        : 'EXISTS (SELECT 1 FROM turns t2 WHERE t2.conversation_id = cv.id AND t2.llm_model = ?)';
  const agent = o.agent === null ? '' : ' AND COALESCE(cv.agent_name, c.agent_name) = ?';
  return [
    `${cond} AND c.started_at >= ? AND c.started_at < ?${agent}`,
    [key, Math.floor(o.since), Math.ceil(o.until), ...(o.agent === null ? [] : [o.agent])],
  ];
}

const n = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const nullable = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

async function loadSample(ds: DataSource, o: Checked, key: string): Promise<Sample> {
  const [where, params] = conversationsOf(o, key);
  // Calls: by release without an agent, every call of the release (one without a conversation fails too).
  // Calls and turns in a fixed order: the resamples, and so the intervals, do not depend on the plan.
  const wholeCalls = o.by === 'release' && o.agent === null;
  const callRows = wholeCalls
    ? await select<Record<string, unknown>>(
        ds,
        'SELECT c.id, c.status, c.duration_ms FROM calls c WHERE c.release = ? AND c.started_at >= ? AND c.started_at < ? ORDER BY c.id',
        params,
      )
    : await select<Record<string, unknown>>(
        ds,
        `SELECT c.id, c.status, c.duration_ms FROM calls c
           WHERE EXISTS (SELECT 1 FROM conversations cv WHERE cv.call_id = c.id AND ${where}) ORDER BY c.id`,
        params,
      );
  const index = new Map<string, number>();
  const calls = callRows.length;
  const sums = Object.fromEntries(SUM_KEYS.map((k) => [k, new Float64Array(calls)])) as Record<SumKey, Float64Array>;
  const duration = new Float64Array(calls).fill(Number.NaN);
  callRows.forEach((r, i) => {
    index.set(String(r['id']), i);
    const status = String(r['status']);
    if (status !== 'active') sums.ended[i] = 1;
    if (status === 'failed') sums.failed[i] = 1;
    if (status === 'abandoned') sums.abandoned[i] = 1;
    const d = nullable(r['duration_ms']);
    if (d !== null && d > 0) {
      duration[i] = d;
      sums.minutes[i] = d / 60_000;
    }
  });

  const byModel = o.by === 'model';
  const turnRows = await select<Record<string, unknown>>(
    ds,
    `SELECT t.call_id, t.end_of_turn_delay_ms, t.transcription_delay_ms, t.llm_ttft_ms, t.tts_ttfb_ms, t.e2e_latency_ms,
       t.unattributed_ms, t.implausible, t.sla_violation, t.outcome, t.cost_usd
       ${byModel ? ', m.llm_tokens_input, m.llm_tokens_output' : ''}
     FROM ${
       // By release alone, a call's turns are found by its id: one index lookup a turn fewer.
       wholeCalls
         ? 'calls c JOIN turns t ON t.call_id = c.id'
         : 'turns t JOIN conversations cv ON cv.id = t.conversation_id JOIN calls c ON c.id = cv.call_id'
     }
       ${byModel ? 'LEFT JOIN messages m ON m.id = t.assistant_message_id' : ''}
     WHERE ${where}${byModel ? ' AND t.llm_model = ?' : ''}
     ORDER BY t.call_id, t.id`,
    byModel ? [...params, key] : params,
  );
  const stageCalls = STAGES.map(() => [] as number[]);
  const stageValues = STAGES.map(() => [] as number[]);
  let turns = 0;
  for (const r of turnRows) {
    const i = index.get(String(r['call_id']));
    if (i === undefined) continue;
    turns++;
    sums.turns[i]!++;
    if (r['outcome'] === 'interrupted') sums.interruptedTurns[i]!++;
    const implausible = r['implausible'] === true || r['implausible'] === 1;
    const e2e = nullable(r['e2e_latency_ms']);
    if (!implausible && e2e !== null && e2e >= 0 && e2e <= MAX_PLAUSIBLE_MS) {
      sums.e2eTurns[i]!++;
      if (r['sla_violation'] === true || r['sla_violation'] === 1) sums.slaTurns[i]!++;
    }
    if (byModel) {
      sums.cost[i]! += n(r['cost_usd']);
      sums.tokens[i]! += n(r['llm_tokens_input']) + n(r['llm_tokens_output']);
    }
    if (implausible) continue;
    STAGES.forEach(([, , column], s) => {
      const v = nullable(r[column]);
      if (v === null || !Number.isFinite(v)) return;
      // Unattributed time may be slightly negative (parts measured apart); the others may not.
      if (column === 'unattributed_ms' ? Math.abs(v) > MAX_PLAUSIBLE_MS : v < 0 || v > MAX_PLAUSIBLE_MS) return;
      stageCalls[s]!.push(i);
      stageValues[s]!.push(v);
    });
  }

  const metricRows = await select<Record<string, unknown>>(
    ds,
    `SELECT cm.call_id, SUM(cm.total_cost_usd) AS cost, SUM(cm.llm_tokens_input) AS tin, SUM(cm.llm_tokens_output) AS tout,
       SUM(cm.tool_calls) AS tools, SUM(cm.tool_errors) AS tool_errors
     FROM conversation_metrics cm JOIN conversations cv ON cv.id = cm.conversation_id JOIN calls c ON c.id = cv.call_id
     WHERE ${where} GROUP BY cm.call_id`,
    params,
  );
  for (const r of metricRows) {
    const i = index.get(String(r['call_id']));
    if (i === undefined) continue;
    sums.toolCalls[i] = n(r['tools']);
    sums.toolErrors[i] = n(r['tool_errors']);
    if (!byModel) {
      sums.cost[i] = n(r['cost']);
      sums.tokens[i] = n(r['tin']) + n(r['tout']);
    }
  }
  for (let i = 0; i < calls; i++) if (!Number.isNaN(duration[i]!)) sums.timedCost[i] = sums.cost[i]!;

  const stages = STAGES.map((_, s) => new WeightedValues(stageCalls[s]!, stageValues[s]!));
  const matrix = new CallMatrix(calls, COLUMNS);
  for (const [k, j] of SUM_COLUMN) for (let i = 0; i < calls; i++) matrix.set(i, j, sums[k][i]!);
  stages.forEach((stage, s) => {
    for (const c of stageCalls[s]!) matrix.add(c, TOTAL_COLUMN(s), 1);
    QUANTILES.forEach(([q], qi) => stage.forEachBelow(stage.anchor(q), (c) => matrix.add(c, BELOW_COLUMN(s, qi), 1)));
  });
  return { calls, turns, matrix, stages };
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
