import { invalidArgument } from '../errors.js';
import { MAX_TIME_MS, timeMs } from './sql.js';

/** What two sides of a `diffReleases` are told apart by. */
export type DiffBy = 'release' | 'instructions' | 'model';

/** Options of `diffReleases`. */
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

const DAY_MS = 86_400_000;

/** Options checked, defaults filled in. */
export type Checked = Required<Omit<DiffOptions, 'agent'>> & { agent: string | null };

export function checkOptions(options: DiffOptions): Checked {
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
