import type { CallStatistics } from '../../queries/statistics.js';
import type { TimeSeries } from '../../queries/time-series.js';
import { getJson } from '../api-client.js';
import type { TimeZoneChoice } from '../axes.js';
import { COLOURS, timeChart } from '../charts.js';
import { h, link, type DomElement } from '../dom.js';
import { fmtInt, fmtMs, fmtPct, fmtUsd } from '../format.js';

interface OverviewAnswer {
  range: string | null;
  statistics: CallStatistics;
  series: TimeSeries;
  /** Calls active now, whatever the range; `stale` of them silent for over 10 minutes. */
  activeNow: { calls: number; stale: number };
}

export const RANGE_CHOICES = ['1h', '6h', '24h', '7d', '30d'] as const;

const BUCKET_NAMES: Record<number, string> = {
  300_000: '5 minutes',
  900_000: '15 minutes',
  3_600_000: 'hour',
  21_600_000: '6 hours',
  86_400_000: 'day',
};

const card = (label: string, value: string, bad = false) =>
  h('div', { class: 'card' }, h('div', { class: 'label' }, label), h('div', { class: bad ? 'value bad' : 'value' }, value));

const panel = (title: string, ...body: DomElement[]) => h('section', { class: 'panel' }, h('h2', {}, title), ...body);

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
    h(
      'div',
      { class: 'cards' },
      card('Calls', fmtInt(st.calls.total)),
      card('Success rate', fmtPct(st.calls.ended ? st.calls.successRate : null), st.calls.ended > 0 && st.calls.successRate < 90),
      card('p50 response', fmtMs(st.performance.p50ResponseTimeMs)),
      card('p95 response', fmtMs(st.performance.p95ResponseTimeMs), sla !== null && (st.performance.p95ResponseTimeMs ?? 0) > sla),
      card('SLA violations', fmtInt(st.performance.slaViolations), st.performance.slaViolations > 0),
      card('Cost', fmtUsd(st.costs.totalUsd)),
      card('Errors', fmtInt(st.errors.total), st.errors.total > 0),
      card(
        'Active now',
        data.activeNow.stale > 0 ? `${fmtInt(data.activeNow.calls)} (${fmtInt(data.activeNow.stale)} stale)` : fmtInt(data.activeNow.calls),
        data.activeNow.stale > 0,
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
        h(
          'table',
          { class: 'data' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', {}, 'Stage'),
              h('th', { class: 'num' }, 'p50'),
              h('th', { class: 'num' }, 'p95'),
              h('th', { class: 'num' }, 'Turns'),
            ),
          ),
          h(
            'tbody',
            {},
            (
              [
                ['End of turn (EOU)', series.components.endOfTurn],
                ['Transcription', series.components.transcription],
                ['LLM time to first token', series.components.llmTtft],
                ['TTS time to first byte', series.components.ttsTtfb],
                ['End to end', series.components.e2e],
              ] as const
            ).map(([label, c]) =>
              h(
                'tr',
                {},
                h('td', {}, label),
                h('td', { class: 'num' }, fmtMs(c.p50Ms)),
                h('td', { class: 'num' }, fmtMs(c.p95Ms)),
                h('td', { class: 'num' }, fmtInt(c.samples)),
              ),
            ),
          ),
        ),
        h(
          'p',
          { class: 'muted small' },
          'Tokens: ',
          `${fmtInt(st.tokens.input)} in, ${fmtInt(st.tokens.output)} out. `,
          st.costs.unpricedUsage > 0 ? `${fmtInt(st.costs.unpricedUsage)} usage records had no known price.` : '',
        ),
      ),
    ),
  );
}
