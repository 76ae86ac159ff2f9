import type { DataSource } from 'typeorm';
import { MAX_PLAUSIBLE_MS } from '../projections/rules.js';
import { CallMatrix, WeightedValues } from './bootstrap.js';
import type { Checked } from './diff-options.js';
import { select, selectArrays } from './sql.js';

/** The stages compared: key, label, turns column. */
export const STAGES = [
  ['eou', 'EOU delay', 'end_of_turn_delay_ms'],
  ['transcription', 'transcription', 'transcription_delay_ms'],
  ['llm_ttft', 'LLM TTFT', 'llm_ttft_ms'],
  ['tts_ttfb', 'TTS TTFB', 'tts_ttfb_ms'],
  ['e2e', 'end to end', 'e2e_latency_ms'],
  ['unattributed', 'unattributed', 'unattributed_ms'],
] as const;
const E2E_STAGE = STAGES.findIndex(([metric]) => metric === 'e2e');
const UNATTRIBUTED_STAGE = STAGES.findIndex(([metric]) => metric === 'unattributed');

export const QUANTILES = [
  [0.5, 'p50'],
  [0.95, 'p95'],
] as const;

/** Ratio rows: numerator and denominator summed over the calls drawn. */
export const RATIOS = [
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
export const SUM_COLUMN = new Map(SUM_KEYS.map((k, j) => [k, j]));
export const TOTAL_COLUMN = (s: number) => SUM_KEYS.length + s;
export const BELOW_COLUMN = (s: number, qi: number) => SUM_KEYS.length + STAGES.length + s * QUANTILES.length + qi;
export const COLUMNS = SUM_KEYS.length + STAGES.length * (1 + QUANTILES.length);

/** A side loaded: per-call sums and counts (one matrix row a call) and per-stage turn values. */
export interface Sample {
  calls: number;
  turns: number;
  matrix: CallMatrix;
  stages: WeightedValues[];
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

export async function loadSample(ds: DataSource, o: Checked, key: string): Promise<Sample> {
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
  // Arrays, not objects (30 000 turns a side): the stage columns in STAGES' order, then the flags, then by model the cost and tokens.
  const turnRows = await selectArrays(
    ds,
    `SELECT t.call_id, ${STAGES.map(([, , column]) => `t.${column}`).join(', ')},
       (CASE WHEN t.implausible THEN 1 ELSE 0 END) + (CASE WHEN t.sla_violation THEN 2 ELSE 0 END)
         + (CASE WHEN t.outcome = 'interrupted' THEN 4 ELSE 0 END) AS flags
       ${byModel ? ', t.cost_usd, m.llm_tokens_input, m.llm_tokens_output' : ''}
     FROM ${
       // By release alone, a side's turns are found by their call ids: no join a turn.
       wholeCalls ? 'turns t' : 'turns t JOIN conversations cv ON cv.id = t.conversation_id JOIN calls c ON c.id = cv.call_id'
     }
       ${byModel ? 'LEFT JOIN messages m ON m.id = t.assistant_message_id' : ''}
     WHERE ${wholeCalls ? `t.call_id IN (SELECT c.id FROM calls c WHERE ${where})` : where}${byModel ? ' AND t.llm_model = ?' : ''}
     ORDER BY t.call_id, t.id`,
    byModel ? [...params, key] : params,
  );
  const FLAGS = 1 + STAGES.length;
  const stageCalls = STAGES.map(() => [] as number[]);
  const stageValues = STAGES.map(() => [] as number[]);
  let turns = 0;
  for (const r of turnRows) {
    const i = index.get(String(r[0]));
    if (i === undefined) continue;
    turns++;
    const flags = Number(r[FLAGS]);
    const implausible = (flags & 1) !== 0;
    sums.turns[i]!++;
    if ((flags & 4) !== 0) sums.interruptedTurns[i]!++;
    const e2e = nullable(r[1 + E2E_STAGE]);
    if (!implausible && e2e !== null && e2e >= 0 && e2e <= MAX_PLAUSIBLE_MS) {
      sums.e2eTurns[i]!++;
      if ((flags & 2) !== 0) sums.slaTurns[i]!++;
    }
    if (byModel) {
      sums.cost[i]! += n(r[FLAGS + 1]);
      sums.tokens[i]! += n(r[FLAGS + 2]) + n(r[FLAGS + 3]);
    }
    if (implausible) continue;
    for (let s = 0; s < STAGES.length; s++) {
      const v = nullable(r[1 + s]);
      if (v === null || !Number.isFinite(v)) continue;
      // Unattributed time may be slightly negative (parts measured apart); the others may not.
      if (s === UNATTRIBUTED_STAGE ? Math.abs(v) > MAX_PLAUSIBLE_MS : v < 0 || v > MAX_PLAUSIBLE_MS) continue;
      stageCalls[s]!.push(i);
      stageValues[s]!.push(v);
    }
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
