/** One printed figure: `name: value unit (target …)`. */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** e.g. `< 20 µs`; empty for figures without a target. */
  target: string;
  /** Whether the target is met; null when there is none. */
  met: boolean | null;
  /** Extra context printed after the target (sizes, what was compared). */
  note?: string;
}

const figures: Figure[] = [];
const failures: string[] = [];

const fmt = (v: number): string => {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString('en-US');
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toFixed(3);
};

/** Prints a figure at once and keeps it for the summary. */
export function figure(f: Figure): Figure {
  figures.push(f);
  const target = f.target ? ` (target ${f.target}${f.met === null ? '' : f.met ? ': met' : ': MISSED'})` : '';
  const note = f.note ? ` [${f.note}]` : '';
  console.log(`${f.name}: ${fmt(f.value)} ${f.unit}${target}${note}`);
  return f;
}

/** A figure that could not be measured: printed, and the run exits non-zero. */
export function unmeasured(name: string, error: unknown): void {
  const why = error instanceof Error ? error.message : String(error);
  failures.push(`${name}: ${why}`);
  console.log(`${name}: NOT MEASURED (${why})`);
}

/** Prints the summary; returns the exit code (non-zero only when something could not be measured). */
export function summary(): number {
  const withTarget = figures.filter((f) => f.met !== null);
  const missed = withTarget.filter((f) => f.met === false);
  console.log('');
  console.log(
    `summary: ${figures.length} figures, ${withTarget.length - missed.length}/${withTarget.length} targets met` +
      (missed.length ? `; missed: ${missed.map((f) => f.name).join(', ')}` : '') +
      (failures.length ? `; NOT MEASURED: ${failures.length}` : ''),
  );
  for (const f of failures) console.log(`  not measured: ${f}`);
  return failures.length ? 1 : 0;
}

/** Percentile of unsorted samples (linear interpolation). */
export function percentile(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}
