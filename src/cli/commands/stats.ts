import { callsBy, latencyPercentiles, responseLatencyHistogram, type LatencyComponent } from '../../queries/analytics.js';
import { flag, parse, parseChoice, parsePositive } from '../args.js';
import { COMMON_HELP, type Command } from '../command.js';
import { getAnalysisStatistics, type AnalysisStatistics } from '../../queries/call-analysis.js';
import { getCallStatistics, releaseFilter } from '../../queries/statistics.js';
import { worstTurn } from '../../queries/worst-turn.js';
import { json, ms, paintFor, pct, table, terminalWidth, usd } from '../output.js';

const COMPONENT_NAMES: Record<LatencyComponent, string> = {
  e2e: 'end to end',
  endOfTurn: 'end of turn (EOU)',
  transcription: 'transcription',
  onUserTurnCompleted: 'on user turn completed',
  llmTtft: 'LLM first token',
  ttsTtfb: 'TTS first byte',
  playback: 'playback',
  heard: 'heard (from the recordings)',
};

/** A cost, or `unknown` when there is usage and none of it is priced. */
const cost = (v: number | null): string => (v === null ? 'unknown' : usd(v));

export const stats: Command = {
  name: 'stats',
  summary: 'statistics, latency percentiles per component, a histogram',
  help: `Usage: convlog stats [--hours 24] [--by model|day|room|release] [--release R]

Prints getCallStatistics() for the last --hours (calls, success rate, response times, SLA
violations, cost, tokens, errors), latency percentiles per waterfall component (p50/p90/p95/
p99/max; "heard" is the end-to-end latency measured from the call recordings by
"convlog measure-audio", beside the reported "end to end"), and a histogram of end-to-end
response latency. --by adds a table grouped by LLM model, UTC day, LiveKit room or release.
The slowest answer names its call, for "convlog show".
--release keeps the calls of one release (as startCall({ release }) or the plugin stamped it).
When calls have a post-call analysis or tags: the success rate by verdict (pass ÷ calls with a
verdict), the agent's own outcomes, the analysis cost, and the same per tag.

${COMMON_HELP}`,
  async run(argv, ctx) {
    const args = parse(argv, { hours: { type: 'string' }, by: { type: 'string' }, release: { type: 'string' } });
    const release = flag(args, 'release');
    const hours = parsePositive('hours', flag(args, 'hours')) ?? 24;
    const by = parseChoice('by', flag(args, 'by'), ['model', 'day', 'room', 'release'] as const);
    const { dataSource: ds } = await ctx.openReader(args.values);
    const now = Date.now();
    const window = { hours, now, ...(release === undefined ? {} : { release }) };
    const statistics = await getCallStatistics(ds, hours, now, window);
    const latency = await latencyPercentiles(ds, window);
    const histogram = await responseLatencyHistogram(ds, window);
    const groups = by ? await callsBy(ds, by, window) : undefined;
    const worst = await worstTurn(ds, now - Math.floor(hours * 3_600_000), releaseFilter(release));
    const analysis = await getAnalysisStatistics(ds, {
      from: now - Math.floor(hours * 3_600_000),
      ...(release === undefined ? {} : { release }),
    });
    if (args.values['json']) {
      ctx.stdout.write(json({ statistics, latency, histogram, worst, analysis, ...(groups ? { by, groups } : {}) }));
      return 0;
    }
    const paint = paintFor(ctx.stdout, ctx.env);
    const width = terminalWidth(ctx.stdout, ctx.env);
    const s = statistics;
    const out: string[] = [];
    out.push(`Last ${hours} h${release === undefined ? '' : `, release ${release}`}`);
    out.push(
      `Calls      ${s.calls.total} (${s.calls.completed} completed, ${paint(s.calls.failed ? 'fail' : undefined, `${s.calls.failed} failed`)}, ${s.calls.abandoned} abandoned, ${s.calls.active} active)  success ${s.calls.ended === 0 ? '- (no call ended)' : `${s.calls.successRate.toFixed(1)}%`}`,
    );
    out.push(
      `Responses  ${s.performance.responses}  avg ${ms(s.performance.avgResponseTimeMs)}  p50 ${ms(s.performance.p50ResponseTimeMs)}  p95 ${ms(s.performance.p95ResponseTimeMs)}  p99 ${ms(s.performance.p99ResponseTimeMs)}`,
    );
    out.push(
      `SLA        ${paint(s.performance.slaViolations ? 'warn' : undefined, `${s.performance.slaViolations} over`)}  STT confidence ${s.performance.avgSttConfidence?.toFixed(3) ?? '-'}`,
    );
    out.push(
      `Cost       ${cost(s.costs.totalUsd)} = LLM ${usd(s.costs.llmUsd)} + STT ${usd(s.costs.sttUsd)} + TTS ${usd(s.costs.ttsUsd)}${s.costs.realtimeUsd ? ` + RT ${usd(s.costs.realtimeUsd)}` : ''}`,
    );
    out.push(
      `Tokens     in ${s.tokens.input} (cached ${s.tokens.cachedInput}), out ${s.tokens.output}; unpriced usage ${s.costs.unpricedUsage} (cost unknown, not in the sums)`,
    );
    out.push(
      `Errors     ${s.errors.total}${
        Object.keys(s.errors.byType).length
          ? ` (${Object.entries(s.errors.byType)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ')})`
          : ''
      }; dropped log events ${s.logging.droppedEvents}`,
    );
    if (worst) out.push(`Slowest    ${ms(worst.e2eLatencyMs)} end to end, in call ${worst.callId} (convlog show ${worst.callId})`);
    out.push('', 'Latency by component (ms)');
    const rows = (Object.keys(COMPONENT_NAMES) as LatencyComponent[]).map((k) => ({ k, v: latency[k] }));
    const r = (v: number | null) => (v === null ? '-' : String(Math.round(v)));
    out.push(
      table(rows, [
        { header: 'COMPONENT', value: (x) => COMPONENT_NAMES[x.k] },
        { header: 'N', value: (x) => String(x.v.num), align: 'right' },
        { header: 'P50', value: (x) => r(x.v.p50), align: 'right' },
        { header: 'P90', value: (x) => r(x.v.p90), align: 'right' },
        { header: 'P95', value: (x) => r(x.v.p95), align: 'right' },
        { header: 'P99', value: (x) => r(x.v.p99), align: 'right' },
        { header: 'MAX', value: (x) => r(x.v.max), align: 'right' },
      ]).trimEnd(),
    );
    out.push('', 'Response latency (end to end)');
    const most = Math.max(1, ...histogram.map((b) => b.count));
    const total = histogram.reduce((a, b) => a + b.count, 0);
    for (const b of histogram) {
      const label = b.toMs === null ? `>= ${b.fromMs}` : `${b.fromMs}-${b.toMs}`;
      const bar = '#'.repeat(Math.round((b.count / most) * 40));
      out.push(
        `${label.padStart(10)} ms ${String(b.count).padStart(6)} ${total ? pct(b.count / total).padStart(6) : '     -'} ${bar}`.trimEnd(),
      );
    }
    if (groups) {
      out.push('', `By ${by}`);
      out.push(
        table(
          groups,
          [
            { header: by!.toUpperCase(), value: (g) => g.key, max: 40, flex: true },
            { header: 'CALLS', value: (g) => String(g.calls), align: 'right' },
            { header: 'OK', value: (g) => String(g.completed), align: 'right' },
            { header: 'FAILED', value: (g) => String(g.failed), align: 'right' },
            { header: 'ABANDONED', value: (g) => String(g.abandoned), align: 'right' },
            { header: 'TURNS', value: (g) => String(g.turns), align: 'right' },
            { header: 'AVG RESP', value: (g) => ms(g.avgResponseTimeMs), align: 'right' },
            { header: by === 'model' ? 'LLM COST' : 'TOTAL COST', value: (g) => cost(g.costUsd), align: 'right' },
            { header: 'UNPRICED', value: (g) => String(g.unpricedUsage), align: 'right' },
          ],
          width,
        ).trimEnd(),
      );
      out.push(`Total cost (every component, all calls): ${cost(s.costs.totalUsd)}`);
    }
    const verdicts = verdictLines(analysis, width);
    if (verdicts.length) out.push('', ...verdicts);
    ctx.stdout.write(`${out.join('\n')}\n`);
    return 0;
  },
};

const rate = (v: number | null): string => (v === null ? '-' : `${v.toFixed(1)}%`);

/** The verdict line and the table by tag; nothing when no call of the window was analysed, tagged or given an outcome. */
function verdictLines(a: AnalysisStatistics, width: number): string[] {
  const o = a.overall;
  const rated = o.pass + o.fail + o.unclear;
  if (rated === 0 && a.byTag.length === 0 && a.analyses.failed === 0 && o.outcomeSuccess + o.outcomeFail === 0) return [];
  const out = [
    `Verdicts   ${rated} rated: ${o.pass} pass, ${o.fail} fail, ${o.unclear} unclear  success ${rate(o.successRate)}; ${o.notAnalysed} without a verdict (${a.analyses.failed} analyses failed); analysis cost ${a.analyses.costUsd === null ? '-' : usd(a.analyses.costUsd)}`,
    `Outcomes   ${o.outcomeSuccess} success, ${o.outcomeFail} fail (as the agent said)`,
  ];
  if (a.byTag.length === 0) return out;
  out.push(
    '',
    'By tag',
    table(
      a.byTag,
      [
        { header: 'TAG', value: (t) => t.tag, max: 40, flex: true },
        { header: 'CALLS', value: (t) => String(t.calls), align: 'right' },
        { header: 'PASS', value: (t) => String(t.pass), align: 'right' },
        { header: 'FAIL', value: (t) => String(t.fail), align: 'right' },
        { header: 'UNCLEAR', value: (t) => String(t.unclear), align: 'right' },
        { header: 'SUCCESS', value: (t) => rate(t.successRate), align: 'right' },
        { header: 'OUTCOME OK', value: (t) => String(t.outcomeSuccess), align: 'right' },
        { header: 'OUTCOME FAIL', value: (t) => String(t.outcomeFail), align: 'right' },
      ],
      width,
    ).trimEnd(),
  );
  return out;
}
