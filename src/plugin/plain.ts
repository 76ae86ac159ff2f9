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
  if (value instanceof Map) return toPlainObject(Object.fromEntries(value as Map<string, unknown>), depth - 1);
  return toPlainObject(value as Record<string, unknown>, depth - 1);
}

export function toPlainObject(value: Record<string, unknown>, depth = 3, omit?: ReadonlySet<string>): JsonObject {
  if (omit === undefined) {
    const copy = cloneFlat(value, depth);
    if (copy !== null) return copy;
  }
  const out: JsonObject = {};
  // Own enumerable keys (from the object's enum cache): no per-key own-property check.
  const keys = Object.keys(value);
  const n = Math.min(keys.length, 64);
  for (let i = 0; i < n; i++) {
    const key = keys[i]!;
    if (SKIP.has(key) || (omit !== undefined && omit.has(key))) continue;
    const v = value[key];
    if (typeof v === 'function' || typeof v === 'symbol' || v === undefined) continue;
    // A "__proto__" key stays plain data (assignment would set the prototype); every other key is
    // assigned, which keeps the copy a fast-properties object (cheap to build and to stringify).
    if (key === '__proto__')
      Object.defineProperty(out, key, { value: toPlain(v, depth), enumerable: true, writable: true, configurable: true });
    else out[key] = toPlain(v, depth);
  }
  return out;
}

/**
 * The fast path of {@link toPlainObject}: a spread copy (V8 clones the object's shape in one go;
 * setting keys one by one on a new object costs ~100 ns a key), then values fixed in place
 * (non-finite numbers, lone surrogates, nested objects copied the same way). Null when the
 * object needs the general path: a skipped key, a function or symbol value, too many keys.
 * An `undefined` value stays (JSON drops it just as the general path does).
 */
function cloneFlat(value: Record<string, unknown>, depth: number): JsonObject | null {
  const copy = { ...value } as Record<string, unknown>;
  const keys = Object.keys(copy);
  if (keys.length > 64) return null;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (SKIP.has(key)) return null;
    const v = copy[key];
    switch (typeof v) {
      case 'string':
        if (!v.isWellFormed()) copy[key] = v.toWellFormed();
        break;
      case 'number':
        if (!Number.isFinite(v)) copy[key] = null;
        break;
      case 'boolean':
      case 'undefined':
        break;
      case 'bigint':
        copy[key] = v.toString();
        break;
      case 'object':
        if (v !== null) copy[key] = toPlain(v, depth);
        break;
      default:
        return null;
    }
  }
  return copy as JsonObject;
}

/** A string safe to store, or null. */
export const str = (v: unknown): string | null => (typeof v === 'string' ? (v.isWellFormed() ? v : v.toWellFormed()) : null);

/** A finite number, or null. */
export const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Seconds (LiveKit's ChatMessage.metrics) to milliseconds. */
export const secToMs = (v: unknown): number | null => {
  const n = num(v);
  return n === null ? null : n * 1000;
};
