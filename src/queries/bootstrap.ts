/**
 * The bootstrap over calls behind `diffReleases`: resample a side's calls with replacement and
 * recompute each statistic over the turns (or sums) of the calls drawn.
 *
 * @remarks
 * A resample is a weight per call (how often it was drawn). Percentiles of the turns of a resample
 * are found without merging or sorting anything: every value of a stage is sorted once, with the
 * call it belongs to, and for each percentile an anchor position (the original sample's) keeps how
 * many values each call has below it. The weighted rank of the anchor in a resample is one sum over
 * the calls; from there a short walk along the sorted values reaches the percentile's rank. So a
 * resample costs O(calls) per statistic plus a walk of a few hundred values, whatever the turns.
 */

/** A seeded PRNG (mulberry32): the same seed gives the same resamples, so results reproduce. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draws `n` calls with replacement into `weights` (how often each was drawn). */
export function drawWeights(weights: Uint32Array, random: () => number): void {
  const n = weights.length;
  weights.fill(0);
  for (let k = 0; k < n; k++) weights[Math.floor(random() * n)]!++;
}

/** One stage's values over a side's turns, sorted, each with its call, ready for weighted percentiles. */
export class WeightedValues {
  /** Values, ascending. */
  readonly values: Float64Array;
  /** The call (index) of each value. */
  readonly callOf: Int32Array;
  /** How many values each call has. */
  private readonly perCall: Float64Array;
  private readonly anchors = new Map<number, { at: number; below: Float64Array }>();

  /** `calls` calls; `pairs` the (call, value) pairs of the stage. */
  constructor(
    private readonly calls: number,
    callIndex: ArrayLike<number>,
    value: ArrayLike<number>,
  ) {
    const n = value.length;
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((x, y) => value[x]! - value[y]!);
    this.values = new Float64Array(n);
    this.callOf = new Int32Array(n);
    this.perCall = new Float64Array(calls);
    for (let j = 0; j < n; j++) {
      const i = order[j]!;
      this.values[j] = value[i]!;
      const c = callIndex[i]!;
      this.callOf[j] = c;
      this.perCall[c]!++;
    }
  }

  get size(): number {
    return this.values.length;
  }

  /** The percentile `q` (0–1) of the values, each call's counted once (the sample itself); null when empty. */
  percentile(q: number): number | null {
    const n = this.values.length;
    if (n === 0) return null;
    const h = (n - 1) * q;
    const lo = Math.floor(h);
    const a = this.values[lo]!;
    const b = this.values[Math.min(n - 1, lo + 1)]!;
    return a + (b - a) * (h - lo);
  }

  /**
   * The percentile `q` (0–1, linear interpolation as `percentile_cont`) of the values of a resample:
   * each call's values counted `weights[call]` times. NaN when the resample holds no value.
   */
  weightedPercentile(q: number, weights: Uint32Array): number {
    const n = this.values.length;
    if (n === 0) return Number.NaN;
    const anchor = this.anchor(q);
    let total = 0;
    let below = 0;
    const per = this.perCall;
    const b = anchor.below;
    for (let i = 0; i < this.calls; i++) {
      const w = weights[i]!;
      if (w === 0) continue;
      total += w * per[i]!;
      below += w * b[i]!;
    }
    if (total === 0) return Number.NaN;
    const h = (total - 1) * q;
    const lo = Math.floor(h);
    const frac = h - lo;
    // Walk from the anchor to the value of rank `lo`: `c` values of the resample lie before index `j`.
    const callOf = this.callOf;
    let j = anchor.at;
    let c = below;
    if (c <= lo) {
      while (j < n && c + weights[callOf[j]!]! <= lo) c += weights[callOf[j++]!]!;
    } else {
      while (c > lo) c -= weights[callOf[--j]!]!;
    }
    // Index `j` holds ranks c .. c + w - 1 (w > 0 here: rank lo lies in it).
    while (j < n && weights[callOf[j]!]! === 0) j++;
    const x = this.values[j]!;
    if (frac === 0) return x;
    let next = j;
    if (lo + 1 >= c + weights[callOf[j]!]!) {
      next = j + 1;
      while (next < n && weights[callOf[next]!]! === 0) next++;
      if (next >= n) return x;
    }
    return x + (this.values[next]! - x) * frac;
  }

  /** For percentile `q`: an index into the sorted values and how many values of each call lie before it. */
  private anchor(q: number): { at: number; below: Float64Array } {
    let a = this.anchors.get(q);
    if (a === undefined) {
      const at = Math.round((this.values.length - 1) * q);
      const below = new Float64Array(this.calls);
      for (let j = 0; j < at; j++) below[this.callOf[j]!]!++;
      a = { at, below };
      this.anchors.set(q, a);
    }
    return a;
  }
}

/** `Σ weights[i] * values[i]`. */
export function weightedSum(values: Float64Array, weights: Uint32Array): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) {
    const w = weights[i]!;
    if (w !== 0) s += w * values[i]!;
  }
  return s;
}

/** The `q` quantile (0–1, linear interpolation) of the finite values of a bootstrap distribution; null when none. */
export function quantileOfFinite(values: Float64Array, q: number): number | null {
  const finite = values.filter((v) => Number.isFinite(v)).sort();
  if (finite.length === 0) return null;
  const h = (finite.length - 1) * q;
  const lo = Math.floor(h);
  const a = finite[lo]!;
  const b = finite[Math.min(finite.length - 1, lo + 1)]!;
  return a + (b - a) * (h - lo);
}
