/** Edit distance (Levenshtein) between two short strings: insertions, deletions, substitutions. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * The candidate nearest to `input` ("sinse" → "since"), or undefined when none is close: at most
 * 2 edits, and fewer than half the input's length. Ties go to the first candidate.
 */
export function nearest(input: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = c.startsWith(input) && input.length >= 3 ? 0.5 : distance(input, c);
    if (d < bestD) [best, bestD] = [c, d];
  }
  return bestD <= Math.min(2, Math.max(1, Math.floor(input.length / 2))) ? best : undefined;
}
