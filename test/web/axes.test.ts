import { describe, expect, it } from 'vitest';
import { countTickLabels, latencyRange, msTickLabels, timeTickLabels, usdTickLabels } from '../../src/web/axes.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (iso: string) => Date.parse(iso);

describe('chart axes: what each tick reads', () => {
  it('given 30 daily ticks, when labelled, then each reads its own day, never 00:00', () => {
    const splits = Array.from({ length: 30 }, (_, i) => at('2026-11-03T00:00:00Z') + i * DAY);
    const labels = timeTickLabels(splits, DAY, 'utc');
    expect(labels[0]).toBe('Nov 3');
    expect(labels.at(-1)).toBe('Dec 2');
    expect(new Set(labels).size).toBe(30);
    expect(labels.some((l) => l.includes('00:00'))).toBe(false);
  });

  it('given 6-hour ticks over 7 days, when labelled, then the clock reads alone except where a day begins, which also names the day', () => {
    const splits = Array.from({ length: 8 }, (_, i) => at('2026-11-25T18:00:00Z') + i * 6 * HOUR);
    expect(timeTickLabels(splits, 6 * HOUR, 'utc')).toEqual([
      '18:00\nNov 25',
      '00:00\nNov 26',
      '06:00',
      '12:00',
      '18:00',
      '00:00\nNov 27',
      '06:00',
      '12:00',
    ]);
  });

  it('given ticks within one day, when labelled, then only the clock is shown', () => {
    const splits = [at('2026-12-03T05:30:00Z'), at('2026-12-03T05:45:00Z'), at('2026-12-03T06:00:00Z')];
    expect(timeTickLabels(splits, 15 * 60_000, 'utc')).toEqual(['05:30', '05:45', '06:00']);
  });

  it('given the local clock, when labelled, then the hours are the browser zone’s (here the process zone)', () => {
    const x = at('2026-12-03T05:30:00Z');
    const local = new Date(x);
    const expected = `${String(local.getHours()).padStart(2, '0')}:${String(local.getMinutes()).padStart(2, '0')}`;
    expect(timeTickLabels([x], 15 * 60_000, 'local')).toEqual([expected]);
  });

  it('given small counts, when labelled, then ticks are distinct whole numbers', () => {
    expect(countTickLabels([0, 1, 2, 3])).toEqual(['0', '1', '2', '3']);
    expect(countTickLabels([0, 5000, 10000])).toEqual(['0', '5,000', '10,000']);
  });

  it('given dollar ticks, when labelled, then every tick of an axis has the same decimals', () => {
    expect(usdTickLabels([0, 0.5, 1, 1.5], 0.5)).toEqual(['$0.00', '$0.50', '$1.00', '$1.50']);
    expect(usdTickLabels([0, 0.0005, 0.001], 0.0005)).toEqual(['$0.0000', '$0.0005', '$0.0010']);
    expect(usdTickLabels([0, 0.002, 0.004], 0.002)).toEqual(['$0.000', '$0.002', '$0.004']);
  });

  it('given latency ticks, when labelled, then one unit per axis: ms under a second, else seconds with the decimals the step needs', () => {
    expect(msTickLabels([0, 250, 500, 750], 250)).toEqual(['0 ms', '250 ms', '500 ms', '750 ms']);
    expect(msTickLabels([0, 500, 1000, 1500], 500)).toEqual(['0.0 s', '0.5 s', '1.0 s', '1.5 s']);
    expect(msTickLabels([0, 1000, 2000], 1000)).toEqual(['0 s', '1 s', '2 s']);
  });

  it('given no latency data, when the range is chosen, then it is 0 to 2 s — or up to above the SLA line — never a zero-height axis', () => {
    expect(latencyRange(null, null)).toEqual([0, 2000]);
    const [, top] = latencyRange(null, 1500);
    expect(top).toBeGreaterThan(1500);
    const [, withData] = latencyRange(2350, 1500);
    expect(withData).toBeGreaterThanOrEqual(2350);
  });
});
