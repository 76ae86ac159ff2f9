import { diffReleases, type DiffEstimate, type DiffResult, type DiffRow } from '../../queries/diff.js';
import { flag, parse, parseChoice, parseSince } from '../args.js';
import { COMMON_HELP, type Command } from '../command.js';
import { EXIT, UsageError } from '../errors.js';
import { json, oneLine, paintFor, table, terminalWidth, utc } from '../output.js';

export const diff: Command = {
  name: 'diff',
  summary: 'did the last deploy make calls worse? two releases side by side',
  help: `Usage: convlog diff --base <release> --head <release> [--since 7d] [--agent A]
                   [--by release|instructions|model] [--threshold-pct 10]
                   [--fail-on worse] [--require-significance] [--json]

Compares the calls of two releases side by side: per latency stage (EOU, transcription,
LLM TTFT, TTS TTFB, end to end, unattributed) p50 and p95, and the SLA violation,
interruption, tool error, failure and abandon rates, cost per turn and per minute and tokens
per turn, each with a 95% confidence interval from a bootstrap over calls (1000 resamples,
seeded: the same store gives the same intervals), and the calls and turns of each side.
Each row is "better", "worse" or "unclear": worse only when the interval of head - base
excludes zero and the change exceeds the threshold. Lower is better in every row.
  --base <key>          the side compared against (a release, see --by)
  --head <key>          the side under test
  --by <what>           release (default: calls stamped with each release), instructions
                        (conversations with each instructions hash) or model (turns served
                        by each LLM model, e.g. --base gpt-4o --head gpt-4o-mini)
  --since <when>        calls that started since a duration ago (7d, the default) or an ISO date
  --agent <name>        only conversations of this agent
  --threshold-pct <n>   a change of at most n percent is unclear (default 10)
  --fail-on worse       exit 4 when any row is worse, with one line per worse row on stderr
  --require-significance
                        exit 5 when a side has too few calls (under 10) to tell
  --seed <n>            PRNG seed of the resamples (default 1)

Exit codes: 0 compared (rows may be unclear, e.g. too few calls), 2 usage error,
4 a row is worse (with --fail-on worse), 5 too few calls (with --require-significance),
1 failure, 3 store not found.

${COMMON_HELP}`,
  async run(argv, ctx) {
    const args = parse(argv, {
      base: { type: 'string' },
      head: { type: 'string' },
      by: { type: 'string' },
      since: { type: 'string' },
      agent: { type: 'string' },
      'threshold-pct': { type: 'string' },
      'fail-on': { type: 'string' },
      'require-significance': { type: 'boolean' },
      seed: { type: 'string' },
    });
    const base = flag(args, 'base');
    const head = flag(args, 'head');
    if (base === undefined || base === '') throw new UsageError('--base is required: the release to compare against, e.g. --base v1.4.0');
    if (head === undefined || head === '') throw new UsageError('--head is required: the release under test, e.g. --head v1.5.0');
    const by = parseChoice('by', flag(args, 'by'), ['release', 'instructions', 'model'] as const) ?? 'release';
    const failOn = parseChoice('fail-on', flag(args, 'fail-on'), ['worse'] as const);
    const threshold = flag(args, 'threshold-pct');
    const thresholdPct = threshold === undefined ? 10 : Number(threshold);
    if (!Number.isFinite(thresholdPct) || thresholdPct < 0)
      throw new UsageError(`--threshold-pct must be a number of percent, 0 or more, got "${threshold}"`);
    const seedText = flag(args, 'seed');
    const seed = seedText === undefined ? 1 : Number(seedText);
    if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 32 - 1)
      throw new UsageError(`--seed must be a whole number from 0 to 4294967295, got "${seedText}"`);
    const now = Date.now();
    const since = parseSince(flag(args, 'since') ?? '7d', now);
    const agent = flag(args, 'agent');
    const { dataSource } = await ctx.openReader(args.values);
    const result = await diffReleases(dataSource, {
      base,
      head,
      by,
      since,
      until: now + 1,
      thresholdPct,
      seed,
      ...(agent === undefined ? {} : { agent }),
    });
    const worse = result.rows.filter((r) => r.verdict === 'worse');
    const exitCode =
      !result.significant && args.values['require-significance']
        ? EXIT.NOT_SIGNIFICANT
        : failOn === 'worse' && worse.length > 0
          ? EXIT.WORSE
          : EXIT.OK;
    if (args.values['json']) ctx.stdout.write(json({ ...result, exitCode }));
    else ctx.stdout.write(render(result, terminalWidth(ctx.stdout, ctx.env), paintFor(ctx.stdout, ctx.env)));
    if (exitCode === EXIT.WORSE)
      for (const r of worse)
        ctx.stderr.write(
          `worse: ${r.label} ${value(r.base.value, r.unit)} -> ${value(r.head.value, r.unit)} (${change(r)}, 95% CI of the difference ${interval(r.difference, r.unit)})\n`,
        );
    if (exitCode === EXIT.NOT_SIGNIFICANT) ctx.stderr.write(`not significant: ${result.reason ?? 'too few calls'}\n`);
    return exitCode;
  },
};

const value = (v: number | null, unit: DiffRow['unit']): string => {
  if (v === null) return '-';
  switch (unit) {
    case 'ms':
      return `${Math.round(v)} ms`;
    case 'ratio':
      return `${(v * 100).toFixed(1)}%`;
    case 'usd': {
      const digits = v !== 0 && Math.abs(v) < 0.01 ? 5 : 4;
      const text = Math.abs(v).toFixed(digits);
      return `${v < 0 && Number(text) !== 0 ? '-' : ''}$${text}`;
    }
    case 'tokens':
      return v.toFixed(1);
  }
};

const interval = (e: DiffEstimate, unit: DiffRow['unit']): string =>
  e.low === null || e.high === null ? '-' : `${value(e.low, unit)} .. ${value(e.high, unit)}`;

const change = (r: DiffRow): string => {
  if (r.changePct === null) return r.difference.value === null ? '-' : r.difference.value === 0 ? '0.0%' : 'from 0';
  const text = Math.abs(r.changePct).toFixed(1);
  return Number(text) === 0 ? '0.0%' : `${r.changePct > 0 ? '+' : '-'}${text}%`;
};

/** The comparison as a table, worse rows painted. */
export function render(d: DiffResult, width = 80, paint = paintFor({}, {})): string {
  const out: string[] = [];
  out.push(
    oneLine(
      `${d.by === 'release' ? 'Release' : d.by === 'model' ? 'LLM model' : 'Instructions'} ${d.base.key} (base) vs ${d.head.key} (head), calls since ${utc(d.since).slice(0, 16)} UTC${d.agent === null ? '' : `, agent ${d.agent}`}`,
    ),
  );
  out.push(`Base ${d.base.calls} calls, ${d.base.turns} turns; head ${d.head.calls} calls, ${d.head.turns} turns`);
  if (d.reason !== null) out.push(paint('warn', `Not significant: ${d.reason}`));
  out.push('');
  out.push(
    table<DiffRow>(
      d.rows,
      [
        { header: 'METRIC', value: (r) => r.label },
        { header: 'BASE', value: (r) => value(r.base.value, r.unit), align: 'right' },
        { header: 'BASE 95% CI', value: (r) => interval(r.base, r.unit), align: 'right', optional: 1 },
        { header: 'HEAD', value: (r) => value(r.head.value, r.unit), align: 'right' },
        { header: 'HEAD 95% CI', value: (r) => interval(r.head, r.unit), align: 'right', optional: 2 },
        { header: 'CHANGE', value: change, align: 'right' },
        { header: 'DIFF 95% CI', value: (r) => interval(r.difference, r.unit), align: 'right', optional: 3 },
        { header: 'VERDICT', value: (r) => r.verdict, tone: (r) => (r.verdict === 'worse' ? 'fail' : undefined) },
      ],
      width,
      paint,
    ).trimEnd(),
  );
  out.push(
    '',
    `Bootstrap over calls: ${d.resamples} resamples, seed ${d.seed}; worse = CI of head - base above 0 and change > ${d.thresholdPct}%.`,
  );
  return `${out.join('\n')}\n`;
}
