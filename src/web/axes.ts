/**
 * Axis ticks and their labels for the dashboard's time-series charts: plain functions of
 * numbers (no DOM), so every range and every unit is right by construction and tested in Node.
 *
 * @remarks
 * The chart library places the ticks (uPlot picks the increments from the lists here so that
 * labels never run together); these functions decide what each tick reads: one format per axis
 * (never `$1.00` beside `$0.5000`), whole numbers for counts, and dates where a day starts.
 */

/** Which clock a chart's times are read on. */
export type TimeZoneChoice = 'utc' | 'local';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;
const pad = (n: number) => String(n).padStart(2, '0');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The parts of a time on the chosen clock. */
export function clockParts(ms: number, tz: TimeZoneChoice): { year: number; month: number; day: number; hour: number; minute: number } {
  const d = new Date(ms);
  return tz === 'utc'
    ? { year: d.getUTCFullYear(), month: d.getUTCMonth(), day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes() }
    : { year: d.getFullYear(), month: d.getMonth(), day: d.getDate(), hour: d.getHours(), minute: d.getMinutes() };
}

/** `Nov 25` */
export const dayLabel = (ms: number, tz: TimeZoneChoice): string => {
  const p = clockParts(ms, tz);
  return `${MONTHS[p.month]} ${p.day}`;
};

/** `14:05` */
export const clockLabel = (ms: number, tz: TimeZoneChoice): string => {
  const p = clockParts(ms, tz);
  return `${pad(p.hour)}:${pad(p.minute)}`;
};

/** Time increments (ms) the x axis may step by: from a minute to a month. */
export const TIME_INCREMENTS: readonly number[] = [
  MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  3 * DAY,
  7 * DAY,
  14 * DAY,
  30 * DAY,
];

/**
 * Labels of time ticks `splits` (ms) stepped by `increment`: the day (`Nov 25`) when ticks are a
 * day or more apart; else the clock (`18:00`), with the day under it on the first tick and on
 * each tick where a new day begins — so 7 days of 6-hour ticks read `00:00 / Nov 26`, `06:00`, …
 */
export function timeTickLabels(splits: readonly number[], increment: number, tz: TimeZoneChoice): string[] {
  if (increment >= DAY) return splits.map((x) => dayLabel(x, tz));
  const spansDays = splits.length > 1 && dayLabel(splits[0]!, tz) !== dayLabel(splits[splits.length - 1]!, tz);
  return splits.map((x, i) => {
    const clock = clockLabel(x, tz);
    if (!spansDays) return clock;
    const newDay = i === 0 || dayLabel(splits[i - 1]!, tz) !== dayLabel(x, tz);
    return newDay ? `${clock}\n${dayLabel(x, tz)}` : clock;
  });
}

/** Whole-number increments for counts: a count axis never reads `1, 1, 1, 0, 0`. */
export const COUNT_INCREMENTS: readonly number[] = [
  1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 1e5, 2e5, 5e5, 1e6,
];

/** Labels of count ticks: whole numbers with thousands separators. */
export function countTickLabels(splits: readonly number[]): string[] {
  return splits.map((v) => Math.round(v).toLocaleString('en-US'));
}

/** Increments for dollar amounts, from a hundredth of a cent up. */
export const USD_INCREMENTS: readonly number[] = [
  0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000,
  10_000,
];

/** Labels of dollar ticks, all with the same decimals: as many as the increment needs, at least two. */
export function usdTickLabels(splits: readonly number[], increment: number): string[] {
  const decimals = increment > 0 ? Math.min(6, Math.max(2, Math.ceil(-Math.log10(increment) - 1e-9))) : 2;
  return splits.map((v) => `$${v.toFixed(decimals)}`);
}

/** Increments for latencies (ms). */
export const MS_INCREMENTS: readonly number[] = [
  1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10_000, 20_000, 30_000, 60_000, 120_000,
];

/**
 * Labels of latency ticks (ms), in one unit per axis: milliseconds while the axis stays under a
 * second, else seconds with the decimals the increment needs (`0.5 s, 1.0 s, 1.5 s`).
 */
export function msTickLabels(splits: readonly number[], increment: number): string[] {
  const top = Math.max(0, ...splits);
  if (top < 1000) return splits.map((v) => `${Math.round(v)} ms`);
  const decimals = increment >= 1000 ? 0 : increment >= 100 ? 1 : 2;
  return splits.map((v) => `${(v / 1000).toFixed(decimals)} s`);
}

/** Labels of percentage ticks. */
export function pctTickLabels(splits: readonly number[]): string[] {
  return splits.map((v) => `${Math.round(v)}%`);
}

/**
 * The y range of a latency chart: from 0 to a round value above the data and the SLA line (so
 * the line is always on the chart), or 0–2 s when there is no data at all.
 */
export function latencyRange(dataMax: number | null, slaMs: number | null): [number, number] {
  const top = Math.max(dataMax ?? 0, slaMs === null ? 0 : slaMs * 1.15);
  if (!(top > 0)) return [0, 2000];
  const step = MS_INCREMENTS.find((s) => top / s <= 5) ?? 60_000;
  return [0, step * Math.ceil(top / step)];
}
