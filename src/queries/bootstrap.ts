/**
 * The bootstrap over calls behind `diffReleases`: resample a side's calls with replacement and
 * recompute each statistic over the turns (or sums) of the calls drawn.
 *
 * @remarks
 * A resample is a weight per call (how often it was drawn). Percentiles of the turns of a resample
 * are found without merging or sorting anything: every value of a stage is sorted once, with the
 * call it belongs to, and for each percentile an anchor position (the original sample's) keeps how
 * many values each call has below it. The weighted rank of the anchor in a resample is a sum over
 * the calls; from there a short walk along the sorted values reaches the percentile's rank. So a
 * resample costs a pass over the calls per sum or count (see {@link CallMatrix}) plus, per
 * percentile, a walk of a few hundred values, whatever the number of turns.
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

/**
 * Per-call columns summed over resamples: column `j` holds every call's value of it. A resample
 * draws the calls with replacement into `weights` (how often each was drawn), then sums each
 * column weighted by them: one sequential pass over the calls drawn, no branch a column. Columns
 * that are all zero or equal to an earlier one (counts often are) are summed once, and counts are
 * summed several to a number (see {@link packLanes}).
 */
export class CallMatrix {
  private readonly data: Float64Array[];
  /** The physical column each column is summed in (-1: all zero). */
  private alias: Int32Array | null = null;
  private layout: LaneLayout = { lanes: 0, lane: new Int32Array(0), scale: new Float64Array(0), size: new Float64Array(0) };
  /** The lanes row by row (call-major), their sums, and the physical columns' sums, for {@link sum}. */
  private rows = new Float64Array(0);
  private laneTotals = new Float64Array(0);
  private totals = new Float64Array(0);

  constructor(
    readonly calls: number,
    readonly columns: number,
  ) {
    this.data = Array.from({ length: columns }, () => new Float64Array(calls));
  }

  add(call: number, column: number, value: number): void {
    this.alias = null;
    this.data[column]![call]! += value;
  }

  set(call: number, column: number, value: number): void {
    this.alias = null;
    this.data[column]![call] = value;
  }

  /** The column sums of the sample itself (every call once); `weights` all ones. */
  sample(sums: Float64Array, weights: Uint32Array): void {
    weights.fill(1);
    this.sum(sums, weights);
  }

  /** One resample: `calls` draws with replacement into `weights`, the weighted column sums into `sums`. */
  resample(sums: Float64Array, weights: Uint32Array, random: () => number): void {
    weights.fill(0);
    const n = this.calls;
    for (let d = 0; d < n; d++) weights[Math.floor(random() * n)]!++;
    this.sum(sums, weights);
  }

  private sum(sums: Float64Array, weights: Uint32Array): void {
    const alias = this.alias ?? this.settle();
    const n = this.calls;
    const { lanes, lane, scale, size } = this.layout;
    const rows = this.rows;
    const laneTotals = this.laneTotals;
    laneTotals.fill(0);
    // Row by row over the calls drawn: about a third of the calls are not drawn in a resample.
    for (let i = 0; i < n; i++) {
      const w = weights[i]!;
      if (w === 0) continue;
      const at = i * lanes;
      for (let l = 0; l < lanes; l++) laneTotals[l]! += w * rows[at + l]!;
    }
    const totals = this.totals;
    for (let p = 0; p < totals.length; p++) {
      const t = laneTotals[lane[p]!]!;
      // Exact: a lane's sum is a whole number below 2^53 and its scales are powers of two.
      totals[p] = size[p] === 0 ? t : Math.floor(t / scale[p]!) % size[p]!;
    }
    for (let j = 0; j < this.columns; j++) sums[j] = alias[j]! < 0 ? 0 : totals[alias[j]!]!;
  }

  /** Finds the all-zero and the repeated columns once the matrix is filled, and lays the rest out in lanes. */
  private settle(): Int32Array {
    const alias = new Int32Array(this.columns);
    const physical: Float64Array[] = [];
    const same = (a: Float64Array, b: Float64Array) => {
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
      return true;
    };
    for (let j = 0; j < this.columns; j++) {
      const col = this.data[j]!;
      if (col.every((v) => v === 0)) {
        alias[j] = -1;
        continue;
      }
      const p = physical.findIndex((q) => same(q, col));
      alias[j] = p >= 0 ? p : physical.push(col) - 1;
    }
    const layout = packLanes(physical, this.calls);
    const rows = new Float64Array(this.calls * layout.lanes);
    physical.forEach((col, p) => {
      const at = layout.lane[p]!;
      const scale = layout.size[p] === 0 ? 1 : layout.scale[p]!;
      for (let i = 0; i < this.calls; i++) rows[i * layout.lanes + at]! += col[i]! * scale;
    });
    this.layout = layout;
    this.rows = rows;
    this.laneTotals = new Float64Array(layout.lanes);
    this.totals = new Float64Array(physical.length);
    this.alias = alias;
    return alias;
  }
}

/** Where each physical column is summed: its lane, and within a packed lane its scale (2^shift) and field size (2^bits; 0: not packed). */
interface LaneLayout {
  lanes: number;
  lane: Int32Array;
  scale: Float64Array;
  size: Float64Array;
}

/**
 * Several count columns summed as one number: a column of whole numbers from 0 to `max` sums,
 * over any resample of `calls` draws, to at most `max × calls`, so it needs `bits` bits; columns
 * whose bits add up to 53 or fewer share one float64 (each at its own power of two), whose sum
 * stays exact. Columns of other values (costs, minutes) have a lane each.
 */
export function packLanes(columns: Float64Array[], calls: number): LaneLayout {
  const lane = new Int32Array(columns.length);
  const scale = new Float64Array(columns.length);
  const size = new Float64Array(columns.length);
  const used: number[] = [];
  const packed: boolean[] = [];
  columns.forEach((col, p) => {
    let max = 0;
    let whole = true;
    for (const v of col) {
      if (!Number.isInteger(v) || v < 0) {
        whole = false;
        break;
      }
      if (v > max) max = v;
    }
    const bits = Math.ceil(Math.log2(max * calls + 1)) || 1;
    if (whole && bits <= 26) {
      const l = used.findIndex((u, k) => packed[k] && u + bits <= 53);
      const at = l >= 0 ? l : used.push(0) - 1;
      packed[at] = true;
      lane[p] = at;
      scale[p] = 2 ** used[at]!;
      size[p] = 2 ** bits;
      used[at]! += bits;
    } else {
      lane[p] = used.push(53) - 1;
      packed[lane[p]] = false;
      scale[p] = 1;
      size[p] = 0;
    }
  });
  return { lanes: used.length, lane, scale, size };
}

/** One stage's values over a side's turns, sorted, each with its call, ready for weighted percentiles. */
export class WeightedValues {
  /** Values, ascending. */
  readonly values: Float64Array;
  /** The call (index) of each value. */
  readonly callOf: Int32Array;

  constructor(callIndex: ArrayLike<number>, value: ArrayLike<number>) {
    const n = value.length;
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((x, y) => value[x]! - value[y]! || x - y);
    this.values = new Float64Array(n);
    this.callOf = new Int32Array(n);
    for (let j = 0; j < n; j++) {
      const i = order[j]!;
      this.values[j] = value[i]!;
      this.callOf[j] = callIndex[i]!;
    }
  }

  get size(): number {
    return this.values.length;
  }

  /** The anchor of percentile `q`: the index the sample's own percentile sits at. */
  anchor(q: number): number {
    return Math.round((this.values.length - 1) * q);
  }

  /** For each value before index `at`, its call (to count per call how many values lie below the anchor). */
  forEachBelow(at: number, fn: (call: number) => void): void {
    for (let j = 0; j < at; j++) fn(this.callOf[j]!);
  }

  /**
   * The percentile `q` (0–1, linear interpolation as `percentile_cont`) of a resample's values,
   * each call's counted `weights[call]` times: `total` values in all, `below` of them before the
   * anchor of `q`. NaN when the resample holds no value.
   */
  weightedPercentile(q: number, weights: Uint32Array, total: number, below: number): number {
    const n = this.values.length;
    if (n === 0 || total === 0) return Number.NaN;
    const h = (total - 1) * q;
    const lo = Math.floor(h);
    const frac = h - lo;
    // Walk from the anchor to the value of rank `lo`: `c` values of the resample lie before index `j`.
    const callOf = this.callOf;
    let j = this.anchor(q);
    let c = below;
    if (c <= lo) {
      while (j < n && c + weights[callOf[j]!]! <= lo) c += weights[callOf[j++]!]!;
    } else {
      while (c > lo) c -= weights[callOf[--j]!]!;
    }
    // Index `j` holds ranks c .. c + w - 1, rank lo among them.
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
