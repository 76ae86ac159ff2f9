import { num } from './plain.js';

/** A count the store can hold (tokens, characters): a whole number from 0 to 2^53; else null. */
export function count(v: unknown): number | null {
  const n = num(v);
  return n === null || n < 0 || n > Number.MAX_SAFE_INTEGER ? null : Math.round(n);
}

/** A timestamp the store can hold: finite, 0 to year 275760, whole milliseconds; else null. */
export function time(v: unknown): number | null {
  const n = num(v);
  return n === null || n < 0 || n > 8.64e15 ? null : Math.round(n);
}

/** LiveKit reports "no value" as -1 for some latencies (e.g. an LLM call that produced no token). */
export const latency = (v: unknown): number | null => {
  const n = num(v);
  return n === null || n === -1 ? null : n;
};
