import type { DataSource } from 'typeorm';
import type { AnalysisVerdict, CallOutcome, JsonValue } from '../events/types.js';
import { boolOrNull, json, MAX_TIME_MS, num, select, str, timeMs } from './sql.js';
import { releaseFilter } from './statistics.js';

/** A call's post-call analysis as stored (`call_analyses`): completed, or why it failed. */
export interface CallAnalysis {
  status: 'completed' | 'failed';
  summary: string | null;
  verdict: AnalysisVerdict | null;
  verdictReason: string | null;
  /** The fields extracted (as given when invalid); null without a schema. */
  fields: JsonValue;
  /** Whether the fields match the schema; null without a schema. */
  fieldsValid: boolean | null;
  fieldsErrors: string[] | null;
  /** The LLM's raw answer, kept when something in it was invalid. */
  rawOutput: string | null;
  /** Why the analysis failed (`failed` only), and what kind of failure (`timeout`, `llm_error`, …). */
  error: string | null;
  errorType: string | null;
  provider: string | null;
  model: string | null;
  tokensInput: number | null;
  tokensOutput: number | null;
  /** USD from the pricing table; null when the model's price is unknown. */
  costUsd: number | null;
  priceVersion: string | null;
  attempts: number;
  durationMs: number | null;
  /** When the analysis was stored (ms UTC). */
  analyzedAt: number;
}

/** The agent's own outcome of a call (`handle.outcome()`). */
export interface CallOutcomeRecord {
  outcome: CallOutcome;
  reason: string | null;
}

/** The stored analysis of a call, or null when it has none. */
export async function getCallAnalysis(dataSource: DataSource, callId: string): Promise<CallAnalysis | null> {
  const [r] = await select<Record<string, unknown>>(dataSource, 'SELECT * FROM call_analyses WHERE call_id = ?', [callId]);
  if (r === undefined) return null;
  const errors = json(r['fields_errors']);
  return {
    status: r['status'] === 'completed' ? 'completed' : 'failed',
    summary: str(r['summary']),
    verdict: str(r['verdict']) as AnalysisVerdict | null,
    verdictReason: str(r['verdict_reason']),
    fields: json(r['fields']),
    fieldsValid: boolOrNull(r['fields_valid']),
    fieldsErrors: Array.isArray(errors) ? errors.map(String) : null,
    rawOutput: str(r['raw_output']),
    error: str(r['error']),
    errorType: str(r['error_type']),
    provider: str(r['provider']),
    model: str(r['model']),
    tokensInput: num(r['tokens_input']),
    tokensOutput: num(r['tokens_output']),
    costUsd: num(r['cost_usd']),
    priceVersion: str(r['price_version']),
    attempts: Number(r['attempts'] ?? 1),
    durationMs: num(r['duration_ms']),
    analyzedAt: Number(r['analyzed_at']),
  };
}

/** The tags of each call asked for, sorted; calls without a tag are left out. */
export async function getCallTags(dataSource: DataSource, callIds: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (let i = 0; i < callIds.length; i += 500) {
    const chunk = callIds.slice(i, i + 500);
    const rows = await select<{ call_id: string; tag: string }>(
      dataSource,
      `SELECT call_id, tag FROM call_tags WHERE call_id IN (${chunk.map(() => '?').join(', ')}) ORDER BY call_id, tag`,
      chunk,
    );
    for (const r of rows) {
      const tags = out.get(r.call_id);
      if (tags) tags.push(r.tag);
      else out.set(r.call_id, [r.tag]);
    }
  }
  return out;
}

/** The agent's outcome of a call, or null when it gave none. */
export async function getCallOutcome(dataSource: DataSource, callId: string): Promise<CallOutcomeRecord | null> {
  const [r] = await select<{ outcome: string | null; outcome_reason: string | null }>(
    dataSource,
    'SELECT outcome, outcome_reason FROM calls WHERE id = ?',
    [callId],
  );
  if (!r || r.outcome === null) return null;
  return { outcome: r.outcome as CallOutcome, reason: r.outcome_reason ?? null };
}

/** Calls of one group by their analysis verdict and the agent's outcome. */
export interface VerdictCounts {
  /** Calls in the group (analysed or not). */
  calls: number;
  pass: number;
  fail: number;
  unclear: number;
  /** Calls whose analysis failed, or that have none yet. */
  notAnalysed: number;
  /** pass ÷ (pass + fail + unclear) × 100; null when no call of the group has a verdict. */
  successRate: number | null;
  /** The agent's own outcomes (`handle.outcome()`). */
  outcomeSuccess: number;
  outcomeFail: number;
}

/** Success rate by analysis verdict, overall and per tag, for calls that started in a window. */
export interface AnalysisStatistics {
  since: number;
  overall: VerdictCounts;
  /** One entry per tag, most calls first. */
  byTag: Array<VerdictCounts & { tag: string }>;
  /** Analyses and their cost (USD; null when none of it is priced). */
  analyses: { completed: number; failed: number; costUsd: number | null };
}

const counts = (r: Record<string, unknown>): VerdictCounts => {
  const pass = Number(r['pass'] ?? 0);
  const fail = Number(r['fail'] ?? 0);
  const unclear = Number(r['unclear'] ?? 0);
  const calls = Number(r['calls'] ?? 0);
  const rated = pass + fail + unclear;
  return {
    calls,
    pass,
    fail,
    unclear,
    notAnalysed: calls - rated,
    successRate: rated === 0 ? null : (pass / rated) * 100,
    outcomeSuccess: Number(r['outcome_success'] ?? 0),
    outcomeFail: Number(r['outcome_fail'] ?? 0),
  };
};

const COUNTS = `COUNT(*) AS calls,
  SUM(CASE WHEN a.verdict = 'pass' THEN 1 ELSE 0 END) AS pass,
  SUM(CASE WHEN a.verdict = 'fail' THEN 1 ELSE 0 END) AS fail,
  SUM(CASE WHEN a.verdict = 'unclear' THEN 1 ELSE 0 END) AS unclear,
  SUM(CASE WHEN c.outcome = 'success' THEN 1 ELSE 0 END) AS outcome_success,
  SUM(CASE WHEN c.outcome = 'fail' THEN 1 ELSE 0 END) AS outcome_fail`;

/**
 * Verdicts and outcomes of the calls that started since `from` (of one release, if given):
 * overall and per tag (a call with two tags counts in both).
 */
export async function getAnalysisStatistics(
  dataSource: DataSource,
  window: { from: number; release?: string },
): Promise<AnalysisStatistics> {
  const since = Math.max(-MAX_TIME_MS, timeMs('from', window.from));
  const release = releaseFilter(window.release);
  const where = `c.started_at >= ?${release === null ? '' : ' AND c.release = ?'}`;
  const params = release === null ? [since] : [since, release];
  const [overall] = await select<Record<string, unknown>>(
    dataSource,
    `SELECT ${COUNTS} FROM calls c LEFT JOIN call_analyses a ON a.call_id = c.id WHERE ${where}`,
    params,
  );
  const tags = await select<Record<string, unknown>>(
    dataSource,
    `SELECT t.tag, ${COUNTS} FROM call_tags t JOIN calls c ON c.id = t.call_id LEFT JOIN call_analyses a ON a.call_id = c.id
     WHERE ${where} GROUP BY t.tag ORDER BY COUNT(*) DESC, t.tag LIMIT 100`,
    params,
  );
  const [runs] = await select<Record<string, unknown>>(
    dataSource,
    `SELECT SUM(CASE WHEN a.status = 'completed' THEN 1 ELSE 0 END) AS completed,
       SUM(CASE WHEN a.status = 'failed' THEN 1 ELSE 0 END) AS failed, SUM(a.cost_usd) AS cost
     FROM call_analyses a JOIN calls c ON c.id = a.call_id WHERE ${where}`,
    params,
  );
  return {
    since,
    overall: counts(overall ?? {}),
    byTag: tags.map((r) => ({ tag: String(r['tag']), ...counts(r) })),
    analyses: { completed: Number(runs?.['completed'] ?? 0), failed: Number(runs?.['failed'] ?? 0), costUsd: num(runs?.['cost']) },
  };
}
