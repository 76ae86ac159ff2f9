import { expect, it } from 'vitest';
import { percentileOfSorted } from '../../src/projections/percentile.js';
import { CallMatrix, quantileOfFinite, seededRandom, WeightedValues } from '../../src/queries/bootstrap.js';

/** The resample spelled out: each call's values repeated as often as it was drawn, sorted. */
const expanded = (calls: number[][], weights: Uint32Array): number[] =>
  calls.flatMap((values, i) => Array.from({ length: weights[i]! }, () => values).flat()).sort((a, b) => a - b);

it('given random calls and resamples, the weighted percentile is the percentile of the resample spelled out', () => {
  const random = seededRandom(7);
  for (let round = 0; round < 200; round++) {
    // Given 1–40 calls of 0–8 turns, values with ties (whole ms in a narrow range)
    const calls = Array.from({ length: 1 + Math.floor(random() * 40) }, () =>
      Array.from({ length: Math.floor(random() * 9) }, () => Math.floor(300 + random() * 50)),
    );
    const values = new WeightedValues(
      calls.flatMap((v, i) => v.map(() => i)),
      calls.flat(),
    );
    const matrix = new CallMatrix(calls.length, 3);
    calls.forEach((v, i) => matrix.set(i, 0, v.length));
    values.forEachBelow(values.anchor(0.5), (c) => matrix.add(c, 1, 1));
    values.forEachBelow(values.anchor(0.95), (c) => matrix.add(c, 2, 1));
    const sums = new Float64Array(3);
    const weights = new Uint32Array(calls.length);
    // when resampled
    matrix.resample(sums, weights, random);
    const all = expanded(calls, weights);
    // then each percentile is the one of the values drawn (NaN when none were)
    for (const [q, column] of [
      [0.5, 1],
      [0.95, 2],
    ] as const) {
      const got = values.weightedPercentile(q, weights, sums[0]!, sums[column]!);
      if (all.length === 0) expect(got).toBeNaN();
      else expect(got).toBeCloseTo(percentileOfSorted(all, q * 100), 9);
    }
    expect(sums[0]).toBe(all.length);
  }
});

it('the same seed draws the same resamples; the sample itself counts every call once', () => {
  const matrix = new CallMatrix(50, 1);
  for (let i = 0; i < 50; i++) matrix.set(i, 0, i);
  const draw = (seed: number) => {
    const random = seededRandom(seed);
    const sums = new Float64Array(1);
    const weights = new Uint32Array(50);
    return Array.from({ length: 5 }, () => {
      matrix.resample(sums, weights, random);
      return [sums[0], [...weights].reduce((a, b) => a + b, 0)];
    });
  };
  expect(draw(3)).toEqual(draw(3));
  expect(draw(3)).not.toEqual(draw(4));
  expect(draw(3).every(([, drawn]) => drawn === 50)).toBe(true);
  const sums = new Float64Array(1);
  matrix.sample(sums, new Uint32Array(50));
  expect(sums[0]).toBe((49 * 50) / 2);
});

it('the interval of a bootstrap distribution leaves out the NaN of empty resamples', () => {
  expect(quantileOfFinite(Float64Array.from([Number.NaN, 3, 1, 2, Number.NaN]), 0.5)).toBe(2);
  expect(quantileOfFinite(Float64Array.from([Number.NaN]), 0.5)).toBeNull();
});

it('given counts, large counts, costs and repeated columns, when resampled, then every column sum is the weighted sum spelled out, exactly', () => {
  const random = seededRandom(11);
  for (let round = 0; round < 50; round++) {
    // Given calls with small counts (packed several to a number), counts large enough to need a
    // number of their own, fractional costs, negative values, an all-zero and a repeated column
    const calls = 1 + Math.floor(random() * 300);
    const columns: Array<(i: number) => number> = [
      () => Math.floor(random() * 7),
      () => Math.floor(random() * 2),
      () => Math.floor(random() * 40_000_000),
      () => random() * 0.013,
      () => Math.floor(random() * 5) - 2,
      () => 0,
      () => Math.floor(random() * 1000),
    ];
    const values = columns.map((f) => Array.from({ length: calls }, (_, i) => f(i)));
    values.push(values[0]!.slice());
    const matrix = new CallMatrix(calls, values.length);
    values.forEach((col, j) => col.forEach((v, i) => matrix.set(i, j, v)));
    const sums = new Float64Array(values.length);
    const weights = new Uint32Array(calls);
    for (let r = 0; r < 5; r++) {
      // when resampled
      matrix.resample(sums, weights, random);
      // then each sum is the sum over the calls drawn, as often as drawn
      values.forEach((col, j) => {
        const expected = col.reduce((a, v, i) => a + v * weights[i]!, 0);
        if (Number.isInteger(expected)) expect(sums[j]).toBe(expected);
        else expect(sums[j]).toBeCloseTo(expected, 9);
      });
    }
  }
});
