import type { JsonObject, JsonValue } from '../events/types.js';

/** Keys never copied out of LiveKit objects: live handles, back-references, secrets. */
const SKIP = new Set(['speechHandle', 'source', 'logger', '_logger', 'emitter', 'session', 'agent', 'room']);

/**
 * A bounded, plain-JSON copy of a LiveKit value (class instances become their own enumerable
 * fields; functions, symbols and live handles are left out; cycles and depth are cut). Cheap:
 * no `JSON.stringify`, no I/O. Lone surrogates are replaced so the copy is always storable.
 */
export function toPlain(value: unknown, depth = 4): JsonValue {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
      return value.isWellFormed() ? value : value.toWellFormed();
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    case 'object':
      break;
    default:
      return null;
  }
  if (depth <= 0) return null;
  if (Array.isArray(value)) return value.slice(0, 100).map((v) => toPlain(v, depth - 1));
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (value instanceof Date) return value.getTime();
  if (ArrayBuffer.isView(value)) return null;
  if (value instanceof Map) return toPlainObject(Object.fromEntries(value), depth - 1);
  return toPlainObject(value as Record<string, unknown>, depth - 1);
}

export function toPlainObject(value: Record<string, unknown>, depth = 3, omit?: ReadonlySet<string>): JsonObject {
  const out: JsonObject = {};
  let n = 0;
  for (const key in value) {
    if (!Object.hasOwn(value, key) || SKIP.has(key) || omit?.has(key) || n++ >= 64) continue;
    const v = value[key];
    if (typeof v === 'function' || typeof v === 'symbol' || v === undefined) continue;
    // A "__proto__" key stays plain data (assignment would set the prototype); every other key is
    // assigned, which keeps the copy a fast-properties object (cheap to build and to stringify).
    if (key === '__proto__') Object.defineProperty(out, key, { value: toPlain(v, depth), enumerable: true, writable: true, configurable: true });
    else out[key] = toPlain(v, depth);
  }
  return out;
}

/** A string safe to store, or null. */
export const str = (v: unknown): string | null =>
  typeof v === 'string' ? (v.isWellFormed() ? v : v.toWellFormed()) : null;

/** A finite number, or null. */
export const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Seconds (LiveKit's ChatMessage.metrics) to milliseconds. */
export const secToMs = (v: unknown): number | null => {
  const n = num(v);
  return n === null ? null : n * 1000;
};
