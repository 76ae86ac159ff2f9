import {
  COUNT_INCREMENTS,
  countTickLabels,
  latencyRange,
  MS_INCREMENTS,
  msTickLabels,
  pctTickLabels,
  TIME_INCREMENTS,
  timeTickLabels,
  USD_INCREMENTS,
  usdTickLabels,
  type TimeZoneChoice,
} from './axes.js';
import { h, s, type DomElement } from './dom.js';
import { fmtInt, fmtMs, fmtUsd } from './format.js';

/** Charts: time series drawn by uPlot (vendored), a turn's waterfall as inline SVG whose labels are text nodes. */

/** Round axis maximum and step for values up to `max`. */
export function niceScale(max: number, ticks = 4): { max: number; step: number } {
  if (!(max > 0)) return { max: 1, step: 0.25 };
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((f) => f * mag >= raw) ?? 10) * mag;
  return { max: step * Math.ceil(max / step), step };
}

/** The colours of the chart series (canvas needs them as values; the CSS classes mirror them). */
export const COLOURS = {
  completed: '#1a7f37',
  failed: '#cf222e',
  abandoned: '#bf8700',
  active: '#1f6feb',
  p50: '#1f6feb',
  p95: '#8250df',
  p99: '#e8710a',
  rate: '#1a7f37',
  sla: '#cf222e',
  llm: '#8250df',
  stt: '#0a8f8f',
  tts: '#e8710a',
  realtime: '#d63384',
  other: '#8c959f',
} as const;

export interface Series {
  label: string;
  colour: string;
  values: ReadonlyArray<number | null>;
}

/** What the y axis measures: how its ticks step and read. */
export type YUnit = 'count' | 'ms' | 'usd' | 'pct';

export interface TimeChartOptions {
  title: string;
  kind: 'bars' | 'lines';
  /** Bucket starts (ms since 1970), one per value. */
  xs: readonly number[];
  /** The width of a bucket (ms): bars span it, and the x range ends one bucket after the last start. */
  bucketMs: number;
  series: readonly Series[];
  y: YUnit;
  tz: TimeZoneChoice;
  /** A dashed horizontal line, e.g. the SLA threshold (in the y unit). */
  threshold?: { value: number; label: string } | null;
}

/** The little of uPlot this module uses (the package has no DOM types to take uPlot's own from). */
interface UPlotChart {
  setSize(size: { width: number; height: number }): void;
  destroy(): void;
}
interface UPlotModule {
  new (options: unknown, data: unknown, target: unknown): UPlotChart;
  paths: { bars?: (o: { size: [number, number]; align?: number }) => unknown };
  tzDate(date: Date, tz: string): Date;
}

/** uPlot, vendored: served by the dashboard from the package's own dependency, never a CDN. */
const UPLOT_URL = '/assets/vendor/uplot.js';
let uplot: Promise<UPlotModule> | null = null;
const loadUPlot = (): Promise<UPlotModule> => (uplot ??= (import(UPLOT_URL) as Promise<{ default: UPlotModule }>).then((m) => m.default));

interface Sized extends DomElement {
  readonly clientWidth: number;
  dataset: Record<string, string>;
}
interface ResizeObserverLike {
  observe(el: unknown): void;
  disconnect(): void;
}
const ResizeObserverCtor = (globalThis as unknown as { ResizeObserver: new (cb: () => void) => ResizeObserverLike }).ResizeObserver;

const TICKS: Record<YUnit, { incrs: readonly number[]; labels: (splits: number[], incr: number) => string[] }> = {
  count: { incrs: COUNT_INCREMENTS, labels: (s) => countTickLabels(s) },
  ms: { incrs: MS_INCREMENTS, labels: msTickLabels },
  usd: { incrs: USD_INCREMENTS, labels: usdTickLabels },
  pct: { incrs: [5, 10, 20, 25, 50], labels: (s) => pctTickLabels(s) },
};

const VALUE: Record<YUnit, (v: number) => string> = {
  count: (v) => fmtInt(v),
  ms: (v) => fmtMs(v),
  usd: (v) => fmtUsd(v),
  pct: (v) => `${v.toFixed(1)}%`,
};

function yRange(o: TimeChartOptions, totals: readonly number[]): [number, number] {
  const max = totals.length ? Math.max(...totals) : 0;
  if (o.y === 'pct') return [0, 100];
  if (o.y === 'ms') return latencyRange(max > 0 ? max : null, o.threshold?.value ?? null);
  if (o.y === 'count') return [0, max > 0 ? niceScale(max * 1.05).max : 4];
  return [0, max > 0 ? niceScale(max * 1.05).max : 0.01];
}

/**
 * A time-series chart drawn by uPlot: bars (stacked, in the order given, first at the bottom) or
 * lines with gaps for missing values, a time axis on the chosen clock (stated under the chart),
 * ticks from {@link timeTickLabels} and the unit's own labels, and a legend that reads each
 * series' value under the cursor. The figure records the labels it shows (`data-x-ticks`,
 * `data-y-ticks`), for people using assistive technology and for tests.
 */
export function timeChart(o: TimeChartOptions): DomElement {
  const zone = o.tz === 'utc' ? 'UTC' : `local time (${Intl.DateTimeFormat().resolvedOptions().timeZone})`;
  const all = o.series.flatMap((x) => x.values.filter((v): v is number => v !== null));
  const empty = all.length === 0 || (o.kind === 'bars' && all.every((v) => v === 0));
  const plot = h('div', { class: 'plot' });
  const fig = h(
    'figure',
    { class: 'fig', attrs: { 'data-chart': '', 'aria-label': `${o.title}, times in ${zone}`, 'data-tz': o.tz } },
    plot,
    empty ? h('div', { class: 'empty-note' }, 'No data in this range') : null,
    h('figcaption', { class: 'tz small muted' }, `Times in ${zone}`),
  ) as Sized;

  const n = o.xs.length;
  // Stacked bars: each bar is drawn from 0 to the sum of its series and those under it, the
  // tallest first, so every series shows as its own segment; the legend reads each series' own value.
  const order = o.kind === 'bars' ? [...o.series].reverse() : [...o.series];
  const stackOf = (k: number) => o.series.slice(0, o.series.length - k);
  const data: Array<ReadonlyArray<number | null>> = [o.xs];
  for (let k = 0; k < order.length; k++) {
    if (o.kind === 'bars') {
      const under = stackOf(k);
      data.push(o.xs.map((_, i) => under.reduce((a, x) => a + (x.values[i] ?? 0), 0)));
    } else data.push(order[k]!.values);
  }
  const totals = o.kind === 'bars' ? (data[1] as number[]) : all;
  const range = yRange(o, totals);
  if (o.threshold) data.push(o.xs.map(() => o.threshold!.value));
  const ticks = TICKS[o.y];
  const from = n ? o.xs[0]! : Date.now() - o.bucketMs;
  const to = n ? o.xs[n - 1]! + o.bucketMs : Date.now();

  let chart: UPlotChart | null = null;
  const height = () => (fig.clientWidth < 520 ? 180 : 220);
  const draw = async () => {
    const width = fig.clientWidth;
    if (width <= 0) return;
    if (chart) return chart.setSize({ width, height: height() });
    const U = await loadUPlot();
    if (chart) return;
    const bars = U.paths.bars?.({ size: [0.72, 48], align: 1 });
    const font = '12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
    const axisStyle = { stroke: '#667085', font, grid: { stroke: '#e3e6ec', width: 1 }, ticks: { stroke: '#e3e6ec', width: 1 } };
    chart = new U(
      {
        width,
        height: height(),
        ms: 1,
        tzDate: o.tz === 'utc' ? (ts: number) => U.tzDate(new Date(ts), 'Etc/UTC') : (ts: number) => new Date(ts),
        legend: { live: true },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true, range: () => [from, to] }, y: { range: () => range } },
        axes: [
          {
            ...axisStyle,
            space: width < 520 ? 52 : 90,
            size: 46,
            // Never finer than a bucket (daily bars read by the day).
            incrs: TIME_INCREMENTS.filter((i) => i >= Math.min(o.bucketMs, 86_400_000)),
            values: (_u: unknown, splits: number[], _ai: number, _space: number, incr: number) => {
              const labels = timeTickLabels(splits, incr, o.tz);
              fig.dataset['xTicks'] = labels.map((l) => l.replace('\n', ' ')).join('|');
              return labels;
            },
          },
          {
            ...axisStyle,
            space: 36,
            size: o.y === 'usd' ? 72 : 62,
            incrs: ticks.incrs,
            values: (_u: unknown, splits: number[], _ai: number, _space: number, incr: number) => {
              const labels = ticks.labels(splits, incr);
              fig.dataset['yTicks'] = labels.join('|');
              return labels;
            },
          },
        ],
        series: [
          {
            label: zone === 'UTC' ? 'Time (UTC)' : 'Time (local)',
            value: (_u: unknown, v: number | null) => (v === null ? '—' : timeTickLabels([v], 60_000, o.tz)[0]!),
          },
          ...order.map((x) => {
            const own = o.series.indexOf(x);
            return {
              label: x.label,
              stroke: x.colour,
              width: o.kind === 'bars' ? 0 : 2,
              fill: o.kind === 'bars' ? x.colour : undefined,
              paths: o.kind === 'bars' ? bars : undefined,
              points: { show: o.kind === 'lines', size: 5, fill: x.colour },
              spanGaps: false,
              value: (_u: unknown, _v: number | null, _si: number, i: number | null) => {
                const raw = i === null ? null : (o.series[own]!.values[i] ?? null);
                return raw === null ? '—' : VALUE[o.y](raw);
              },
            };
          }),
          ...(o.threshold
            ? [
                {
                  label: o.threshold.label,
                  stroke: COLOURS.sla,
                  width: 1.5,
                  dash: [6, 4],
                  points: { show: false },
                  value: () => VALUE[o.y](o.threshold!.value),
                },
              ]
            : []),
        ],
      },
      data,
      plot,
    );
  };
  const observer = new ResizeObserverCtor(() => void draw());
  observer.observe(fig);
  return fig;
}

export function legend(series: ReadonlyArray<{ label: string; cls: string }>): DomElement {
  return h(
    'div',
    { class: 'legend' },
    series.map((x) => h('span', {}, h('span', { class: `sw ${x.cls}` }), x.label)),
  );
}

/** One stage of a turn's waterfall: a bar from `start` to `start + ms`. */
export interface Stage {
  label: string;
  cls: string;
  start: number;
  ms: number | null;
}

/**
 * A turn's latency waterfall: one row per stage on a shared time axis (`scaleMs`), the SLA
 * threshold as a dashed line. Stages without a value are listed as "not recorded".
 */
export function waterfall(stages: readonly Stage[], scaleMs: number, slaMs: number | null, title: string): DomElement {
  const rowH = 20;
  const left = 140;
  const right = 70;
  const width = 540;
  const height = stages.length * rowH + 22;
  const plot = width - left - right;
  const max = Math.max(scaleMs, slaMs ?? 0, 1);
  const x = (ms: number) => left + (Math.max(0, ms) / max) * plot;
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title });
  svg.appendChild(s('title', {}, title));
  stages.forEach((st, i) => {
    const y = i * rowH + 4;
    svg.appendChild(s('text', { x: left - 8, y: y + 12, 'text-anchor': 'end' }, st.label));
    if (st.ms === null) {
      svg.appendChild(s('text', { x: left, y: y + 12 }, 'not recorded'));
      return;
    }
    const x0 = x(st.start);
    const x1 = x(st.start + st.ms);
    svg.appendChild(
      s(
        'rect',
        { class: st.cls, x: x0.toFixed(1), y, width: Math.max(1.5, x1 - x0).toFixed(1), height: rowH - 6, rx: 2 },
        s('title', {}, `${st.label}: ${Math.round(st.ms)} ms (from ${Math.round(st.start)} ms)`),
      ),
    );
    svg.appendChild(s('text', { class: 'value', x: x1 + 6, y: y + 12 }, `${Math.round(st.ms)} ms`));
  });
  const axisY = stages.length * rowH + 6;
  svg.appendChild(s('line', { class: 'axis', x1: left, x2: left + plot, y1: axisY, y2: axisY }));
  const { step } = niceScale(max, 4);
  for (let v = 0; v <= max; v += step)
    svg.appendChild(s('text', { x: x(v), y: axisY + 13, 'text-anchor': 'middle' }, v >= 1000 ? `${v / 1000}s` : `${v}ms`));
  if (slaMs !== null) {
    svg.appendChild(s('line', { class: 'threshold', x1: x(slaMs), x2: x(slaMs), y1: 0, y2: axisY }));
    svg.appendChild(s('text', { class: 'threshold-label', x: x(slaMs) + 3, y: 10 }, 'SLA'));
  }
  return svg;
}
