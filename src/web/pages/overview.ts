import type { CallGroupStats, InterruptionRate, LatencyComponent, ToolCallStats } from '../../queries/analytics.js';
import type { AnalysisStatistics, VerdictCounts } from '../../queries/call-analysis.js';
import type { WorstTurn } from '../../queries/worst-turn.js';
import type { PercentileSummary } from '../../projections/percentile.js';
import type { CallStatistics } from '../../queries/statistics.js';
import type { TimeSeries } from '../../queries/time-series.js';
import { getJson } from '../api-client.js';
import { clockLabel, dayLabel, type TimeZoneChoice } from '../axes.js';
import { COLOURS, timeChart } from '../charts.js';
import { h, link, type DomElement } from '../dom.js';
import { fmtInt, fmtMs, fmtPct, fmtUsd, callHref } from '../format.js';
import { emptyStoreHint } from './calls.js';

interface OverviewAnswer {
  range: string | null;
  statistics: CallStatistics;
  series: TimeSeries;
  /** Calls active now, whatever the range; `stale` of them silent for over 10 minutes. */
  activeNow: { calls: number; stale: number };
  latency: Record<LatencyComponent, PercentileSummary>;
  slowestTurns: WorstTurn[];
  endReasons: CallGroupStats[];
  byAgent: CallGroupStats[];
  byModel: CallGroupStats[];
  /** Calls by the agent's release (`(none)` for calls without one). */
  byRelease: CallGroupStats[];
  tools: ToolCallStats[];
  interruptions: InterruptionRate;
  /** Calls in the whole store, whatever the range (0: nothing recorded yet). */
  storeCalls: number;
  /** Post-call analysis verdicts and the agent's outcomes, overall and by tag. */
  analysis: AnalysisStatistics;
}

export const RANGE_CHOICES = ['1h', '6h', '24h', '7d', '30d'] as const;

const BUCKET_NAMES: Record<number, string> = {
  300_000: '5 minutes',
  900_000: '15 minutes',
  3_600_000: 'hour',
  21_600_000: '6 hours',
  86_400_000: 'day',
};

/** A figure; with `href`, a link to the calls behind it. */
const card = (label: string, value: string, bad = false, href?: string) => {
  const body = [h('div', { class: 'label' }, label), h('div', { class: bad ? 'value bad' : 'value' }, value)];
  return href
    ? h('a', { class: 'card link', attrs: { href, 'data-card': label } }, ...body)
    : h('div', { class: 'card', attrs: { 'data-card': label } }, ...body);
};

const table = (head: ReadonlyArray<string | [string, 'num']>, rows: DomElement[], testId: string) =>
  h(
    'table',
    { class: 'data', attrs: { 'data-testid': testId } },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        head.map((x) => (typeof x === 'string' ? h('th', {}, x) : h('th', { class: 'num' }, x[0]))),
      ),
    ),
    h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { class: 'muted', attrs: { colspan: head.length } }, 'None in this range.'))),
  );

const num = (text: string) => h('td', { class: 'num' }, text);
const successOf = (g: CallGroupStats) => {
  const ended = g.completed + g.failed + g.abandoned;
  return ended ? (100 * g.completed) / ended : null;
};
const costOf = (g: CallGroupStats) => (g.costUsd === null ? 'unknown' : `${fmtUsd(g.costUsd)}${g.unpricedUsage > 0 ? ' + unpriced' : ''}`);

const groupTable = (
  groups: readonly CallGroupStats[],
  keyLabel: string,
  costLabel: string,
  testId: string,
  href: (key: string) => string | null = () => null,
) =>
  table(
    [keyLabel, ['Calls', 'num'], ['Success', 'num'], ['Avg response', 'num'], [costLabel, 'num']],
    groups.map((g) => {
      const to = href(g.key);
      return h(
        'tr',
        {},
        h('td', {}, to === null ? g.key : link(to, g.key)),
        num(fmtInt(g.calls)),
        num(fmtPct(successOf(g))),
        num(fmtMs(g.avgResponseTimeMs)),
        num(costOf(g)),
      );
    }),
    testId,
  );

const panel = (title: string, ...body: DomElement[]) => h('section', { class: 'panel' }, h('h2', {}, title), ...body);

/** Success by the analysis's verdict (pass ÷ calls with a verdict) and the agent's outcomes: all calls, then each tag. */
const verdictTable = (a: AnalysisStatistics) => {
  const row = (label: DomElement | string, v: VerdictCounts) =>
    h(
      'tr',
      {},
      h('td', {}, label),
      num(fmtInt(v.calls)),
      num(fmtInt(v.pass)),
      num(fmtInt(v.fail)),
      num(fmtInt(v.unclear)),
      num(fmtPct(v.successRate)),
      num(`${fmtInt(v.outcomeSuccess)} / ${fmtInt(v.outcomeFail)}`),
    );
  const rated = a.overall.pass + a.overall.fail + a.overall.unclear;
  return table(
    ['Calls of', ['Calls', 'num'], ['Pass', 'num'], ['Fail', 'num'], ['Unclear', 'num'], ['Success', 'num'], ['Agent ok / fail', 'num']],
    rated === 0 && a.byTag.length === 0 && a.overall.outcomeSuccess + a.overall.outcomeFail === 0
      ? []
      : [row('all calls', a.overall), ...a.byTag.map((t) => row(link(`/calls?tag=${encodeURIComponent(t.tag)}`, `tag ${t.tag}`), t))],
    'verdicts',
  );
};

/** Overview: figures for a time range and charts of calls, success rate, latency, SLA violations and cost. */
export async function renderOverview(root: DomElement, query: URLSearchParams): Promise<void> {
  const range = (RANGE_CHOICES as readonly string[]).includes(query.get('range') ?? '') ? query.get('range')! : '24h';
  const data = await getJson<OverviewAnswer>(`/api/overview?range=${range}`);
  const { statistics: st, series } = data;
  const tz: TimeZoneChoice = query.get('tz') === 'local' ? 'local' : 'utc';
  const xs = series.buckets.map((b) => b.start);
  const bucketMs = series.bucketMs;
  const bucketName = BUCKET_NAMES[series.bucketMs] ?? `${Math.round(series.bucketMs / 60_000)} minutes`;
  const sla = series.slaThresholdMs;
  const here = (params: Record<string, string>) => {
    const q = new URLSearchParams({ range, ...(tz === 'local' ? { tz } : {}), ...params });
    if (q.get('tz') === 'utc') q.delete('tz');
    return `/?${q.toString()}`;
  };

  const since = (RANGE_CHOICES as readonly string[]).includes(range) ? range : '24h';
  const calls = (params: Record<string, string>) => `/calls?${new URLSearchParams({ since, ...params }).toString()}`;
  const empty =
    data.storeCalls === 0
      ? h('div', { class: 'panel empty-state', attrs: { 'data-testid': 'empty-state' } }, h('p', {}, ...emptyStoreHint()))
      : st.calls.total === 0
        ? h(
            'div',
            { class: 'panel empty-state', attrs: { 'data-testid': 'empty-state' } },
            h('p', {}, `No calls started in the last ${range}. `, link(here({ range: '30d' }), 'Look at the last 30 days'), '.'),
          )
        : null;
  const stage = (label: string, c: PercentileSummary) =>
    h('tr', {}, h('td', {}, label), num(fmtMs(c.p50)), num(fmtMs(c.p95)), num(fmtMs(c.p99)), num(fmtMs(c.max)), num(fmtInt(c.num)));

  root.replaceChildren(
    h(
      'div',
      { class: 'toolbar' },
      h('h1', {}, 'Overview'),
      h(
        'div',
        { class: 'seg', attrs: { role: 'group', 'aria-label': 'Time range' } },
        RANGE_CHOICES.map((r) => {
          const a = link(here({ range: r }), `Last ${r}`);
          if (r === range) a.classList.add('active');
          return a;
        }),
      ),
      h(
        'div',
        { class: 'seg', attrs: { role: 'group', 'aria-label': 'Time zone' } },
        (['utc', 'local'] as const).map((z) => {
          const a = link(here({ tz: z }), z === 'utc' ? 'UTC' : 'Local time');
          if (z === tz) a.classList.add('active');
          return a;
        }),
      ),
    ),
    ...(empty ? [empty] : []),
    h(
      'div',
      { class: 'cards' },
      card('Calls', fmtInt(st.calls.total), false, calls({})),
      card(
        'Success rate',
        fmtPct(st.calls.ended ? st.calls.successRate : null),
        st.calls.ended > 0 && st.calls.successRate < 90,
        calls({ status: 'failed' }),
      ),
      card('p50 response', fmtMs(st.performance.p50ResponseTimeMs), false, calls({ sort: 'latency' })),
      card(
        'p95 response',
        fmtMs(st.performance.p95ResponseTimeMs),
        sla !== null && (st.performance.p95ResponseTimeMs ?? 0) > sla,
        calls({ sort: 'latency' }),
      ),
      card('p99 turn', fmtMs(data.latency.e2e.p99), sla !== null && (data.latency.e2e.p99 ?? 0) > sla, calls({ sort: 'latency' })),
      card(
        'SLA violations',
        fmtInt(st.performance.slaViolations),
        st.performance.slaViolations > 0,
        calls(sla === null ? { sort: 'latency' } : { sort: 'latency', minWorstLatencyMs: String(sla) }),
      ),
      card('Cost', st.costs.totalUsd === null ? 'unknown' : fmtUsd(st.costs.totalUsd), false, calls({ sort: 'cost' })),
      card('Errors', fmtInt(st.errors.total), st.errors.total > 0, calls({ status: 'failed' })),
      card('Interruptions', data.interruptions.rate === null ? '—' : fmtPct(100 * data.interruptions.rate), false),
      card(
        'Active now',
        data.activeNow.stale > 0 ? `${fmtInt(data.activeNow.calls)} (${fmtInt(data.activeNow.stale)} stale)` : fmtInt(data.activeNow.calls),
        data.activeNow.stale > 0,
        '/live',
      ),
    ),
    h(
      'div',
      { class: 'grid2' },
      panel(
        `Calls per ${bucketName}`,
        timeChart({
          title: `Calls per ${bucketName}`,
          kind: 'bars',
          xs,
          bucketMs,
          tz,
          y: 'count',
          series: (['completed', 'failed', 'abandoned', 'active'] as const).map((k) => ({
            label: k,
            colour: COLOURS[k],
            values: series.buckets.map((b) => b.calls[k]),
          })),
        }),
      ),
      panel(
        'Success rate',
        timeChart({
          title: 'Success rate',
          kind: 'lines',
          xs,
          bucketMs,
          tz,
          y: 'pct',
          series: [{ label: 'success rate', colour: COLOURS.rate, values: series.buckets.map((b) => b.successRate) }],
        }),
      ),
      panel(
        'End-to-end latency (p50 / p95)',
        timeChart({
          title: 'End-to-end latency p50 and p95',
          kind: 'lines',
          xs,
          bucketMs,
          tz,
          y: 'ms',
          threshold: sla === null ? null : { value: sla, label: `SLA ${fmtMs(sla)}` },
          series: [
            { label: 'p50', colour: COLOURS.p50, values: series.buckets.map((b) => b.latency.p50Ms) },
            { label: 'p95', colour: COLOURS.p95, values: series.buckets.map((b) => b.latency.p95Ms) },
          ],
        }),
      ),
      panel(
        `SLA violations per ${bucketName}`,
        timeChart({
          title: `SLA violations per ${bucketName}`,
          kind: 'bars',
          xs,
          bucketMs,
          tz,
          y: 'count',
          series: [{ label: 'SLA violations', colour: COLOURS.sla, values: series.buckets.map((b) => b.slaViolations) }],
        }),
      ),
      panel(
        'Cost per day by component (UTC days)',
        timeChart({
          title: 'Cost per day by component',
          kind: 'bars',
          xs: series.costByDay.map((d) => d.day),
          bucketMs: 86_400_000,
          tz: 'utc',
          y: 'usd',
          series: [
            { label: 'LLM', colour: COLOURS.llm, values: series.costByDay.map((d) => d.llmUsd) },
            { label: 'STT', colour: COLOURS.stt, values: series.costByDay.map((d) => d.sttUsd) },
            { label: 'TTS', colour: COLOURS.tts, values: series.costByDay.map((d) => d.ttsUsd) },
            { label: 'Realtime', colour: COLOURS.realtime, values: series.costByDay.map((d) => d.realtimeUsd) },
          ],
        }),
      ),
      panel(
        'Latency by stage',
        table(
          ['Stage', ['p50', 'num'], ['p95', 'num'], ['p99', 'num'], ['max', 'num'], ['Turns', 'num']],
          [
            stage('End of turn (EOU)', data.latency.endOfTurn),
            stage('Transcription', data.latency.transcription),
            stage('LLM time to first token', data.latency.llmTtft),
            stage('TTS time to first byte', data.latency.ttsTtfb),
            stage('Playback', data.latency.playback),
            stage('End to end', data.latency.e2e),
            stage('Heard (from the recordings)', data.latency.heard),
          ],
          'stage-table',
        ),
        h(
          'p',
          { class: 'muted small' },
          'Tokens: ',
          `${fmtInt(st.tokens.input)} in, ${fmtInt(st.tokens.output)} out. `,
          st.costs.unpricedUsage > 0 ? `${fmtInt(st.costs.unpricedUsage)} usage records had no known price.` : '',
        ),
      ),
      panel(
        'Slowest turns',
        table(
          [['End to end', 'num'], 'Call', 'Started'],
          data.slowestTurns.map((t) =>
            h(
              'tr',
              {},
              num(fmtMs(t.e2eLatencyMs)),
              h('td', {}, link(callHref(t.callId, `turn-${encodeURIComponent(t.turnId)}`), t.callId)),
              h('td', { class: 'mono' }, `${dayLabel(t.startedAt, tz)} ${clockLabel(t.startedAt, tz)}${tz === 'utc' ? ' UTC' : ''}`),
            ),
          ),
          'slowest-turns',
        ),
      ),
      panel(
        'Why calls ended',
        table(
          ['End reason', ['Calls', 'num'], ''],
          data.endReasons
            .slice()
            .sort((a, b) => b.calls - a.calls)
            .map((g) =>
              h(
                'tr',
                {},
                h('td', {}, g.key),
                num(fmtInt(g.calls)),
                h('td', { class: 'bar' }, h('progress', { attrs: { max: Math.max(1, st.calls.total), value: g.calls } })),
              ),
            ),
          'end-reasons',
        ),
      ),
      panel(
        'Analysis verdicts',
        verdictTable(data.analysis),
        h(
          'p',
          { class: 'muted small' },
          `Post-call analyses: ${fmtInt(data.analysis.analyses.completed)} completed, ${fmtInt(data.analysis.analyses.failed)} failed`,
          data.analysis.analyses.costUsd === null ? '.' : `, ${fmtUsd(data.analysis.analyses.costUsd)}.`,
        ),
      ),
      panel('By agent', groupTable(data.byAgent, 'Agent', 'Cost (total)', 'by-agent')),
      panel('By model', groupTable(data.byModel, 'LLM model', 'Cost (LLM)', 'by-model')),
      panel(
        'By release',
        groupTable(data.byRelease, 'Release', 'Cost (total)', 'by-release', (key) => (key === '(none)' ? null : calls({ release: key }))),
      ),
      panel(
        'Tool calls',
        table(
          ['Tool', ['Calls', 'num'], ['Success', 'num'], ['p50', 'num'], ['p95', 'num']],
          data.tools.map((t) =>
            h(
              'tr',
              {},
              h('td', {}, t.name),
              num(fmtInt(t.calls)),
              num(fmtPct(100 * t.successRate)),
              num(fmtMs(t.duration.p50)),
              num(fmtMs(t.duration.p95)),
            ),
          ),
          'tools',
        ),
        h(
          'p',
          { class: 'muted small' },
          `Interruptions: ${fmtInt(data.interruptions.interruptions)} of ${fmtInt(data.interruptions.replies)} replies`,
          data.interruptions.rate === null ? '' : ` (${fmtPct(100 * data.interruptions.rate)})`,
          `, ${fmtInt(data.interruptions.falseInterruptions)} false.`,
        ),
      ),
    ),
  );
}
