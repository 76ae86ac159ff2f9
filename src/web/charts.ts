import { h, s, type DomElement } from './dom.js';

/** Charts as inline SVG, drawn from numbers only; labels are text nodes. Colours come from CSS classes. */

const W = 600;
const H = 220;
const M = { l: 60, r: 14, t: 14, b: 28 };
const PW = W - M.l - M.r;
const PH = H - M.t - M.b;

/** Round axis maximum and step for values up to `max`. */
export function niceScale(max: number, ticks = 4): { max: number; step: number } {
  if (!(max > 0)) return { max: 1, step: 0.25 };
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((f) => f * mag >= raw) ?? 10) * mag;
  return { max: step * Math.ceil(max / step), step };
}

export interface Series {
  label: string;
  cls: string;
  values: ReadonlyArray<number | null>;
}

export interface ChartOptions {
  /** Bucket starts (ms), one per value. */
  xs: readonly number[];
  formatX: (x: number) => string;
  formatY: (y: number) => string;
  title: string;
  /** A dashed horizontal line, e.g. the SLA threshold. */
  threshold?: { value: number; label: string } | null;
  yMax?: number;
}

function frame(o: ChartOptions, yMax: number, step: number): DomElement {
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': o.title });
  svg.appendChild(s('title', {}, o.title));
  for (let v = 0; v <= yMax + step / 2; v += step) {
    const y = M.t + PH - (v / yMax) * PH;
    svg.appendChild(s('line', { class: 'grid', x1: M.l, x2: W - M.r, y1: y, y2: y }));
    svg.appendChild(s('text', { x: M.l - 6, y: y + 4, 'text-anchor': 'end' }, o.formatY(v)));
  }
  svg.appendChild(s('line', { class: 'axis', x1: M.l, x2: W - M.r, y1: M.t + PH, y2: M.t + PH }));
  const n = o.xs.length;
  const every = Math.max(1, Math.ceil(n / 8));
  o.xs.forEach((x, i) => {
    if (i % every !== 0) return;
    svg.appendChild(s('text', { x: xCenter(i, n), y: H - 8, 'text-anchor': 'middle' }, o.formatX(x)));
  });
  return svg;
}

const xCenter = (i: number, n: number) => M.l + ((i + 0.5) / Math.max(1, n)) * PW;
const yOf = (v: number, yMax: number) => M.t + PH - (Math.min(v, yMax) / yMax) * PH;

function drawThreshold(svg: DomElement, o: ChartOptions, yMax: number): void {
  if (!o.threshold || o.threshold.value > yMax) return;
  const y = yOf(o.threshold.value, yMax);
  svg.appendChild(s('line', { class: 'threshold', x1: M.l, x2: W - M.r, y1: y, y2: y }));
  svg.appendChild(s('text', { class: 'threshold-label', x: W - M.r - 4, y: y - 4, 'text-anchor': 'end' }, o.threshold.label));
}

function emptyNote(svg: DomElement, text: string): void {
  svg.appendChild(s('text', { class: 'empty', x: M.l + PW / 2, y: M.t + PH / 2, 'text-anchor': 'middle' }, text));
}

/** Lines over time; null values leave gaps. Each point has a tooltip. */
export function lineChart(o: ChartOptions & { series: readonly Series[] }): DomElement {
  const all = o.series.flatMap((x) => x.values.filter((v): v is number => v !== null));
  const { max: yMax, step } = niceScale(o.yMax ?? Math.max(0, ...all, o.threshold?.value ?? 0));
  const svg = frame(o, yMax, step);
  drawThreshold(svg, o, yMax);
  const n = o.xs.length;
  for (const series of o.series) {
    let d = '';
    let pen = false;
    series.values.forEach((v, i) => {
      if (v === null) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${xCenter(i, n).toFixed(1)} ${yOf(v, yMax).toFixed(1)} `;
      pen = true;
    });
    if (d) svg.appendChild(s('path', { class: `line ${series.cls}`, d: d.trim() }));
    series.values.forEach((v, i) => {
      if (v === null) return;
      svg.appendChild(
        s(
          'circle',
          { class: series.cls, cx: xCenter(i, n), cy: yOf(v, yMax), r: 3 },
          s('title', {}, `${series.label} ${o.formatX(o.xs[i] ?? 0)}: ${o.formatY(v)}`),
        ),
      );
    });
  }
  if (all.length === 0) emptyNote(svg, 'No data in this range');
  return figure(svg, o.series);
}

/** Stacked bars over time (one stack per bucket). */
export function barChart(o: ChartOptions & { series: readonly Series[] }): DomElement {
  const n = o.xs.length;
  const totals = o.xs.map((_, i) => o.series.reduce((a, x) => a + (x.values[i] ?? 0), 0));
  const { max: yMax, step } = niceScale(o.yMax ?? Math.max(0, ...totals, o.threshold?.value ?? 0));
  const svg = frame(o, yMax, step);
  const slot = PW / Math.max(1, n);
  const bw = Math.max(1, Math.min(36, slot * 0.7));
  o.xs.forEach((x, i) => {
    let base = 0;
    for (const series of o.series) {
      const v = series.values[i] ?? 0;
      if (v <= 0) continue;
      const y0 = yOf(base, yMax);
      const y1 = yOf(base + v, yMax);
      svg.appendChild(
        s(
          'rect',
          {
            class: series.cls,
            x: (xCenter(i, n) - bw / 2).toFixed(1),
            y: y1.toFixed(1),
            width: bw.toFixed(1),
            height: Math.max(0.5, y0 - y1).toFixed(1),
          },
          s('title', {}, `${series.label} ${o.formatX(x)}: ${o.formatY(v)}`),
        ),
      );
      base += v;
    }
  });
  drawThreshold(svg, o, yMax);
  if (totals.every((t) => t === 0)) emptyNote(svg, 'No data in this range');
  return figure(svg, o.series);
}

function figure(svg: DomElement, series: readonly Series[]): DomElement {
  return h('figure', { class: 'fig', attrs: { 'data-chart': '' } }, svg, legend(series));
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
