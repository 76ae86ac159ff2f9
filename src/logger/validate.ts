import type { JsonObject, JsonValue, Severity } from '../events/types.js';
import { invalidArgument, isConversationLogError } from '../errors.js';

/** Content may be long (a 1 MB transcript is fine); past this it is refused. */
export const MAX_CONTENT_CHARS = 16 * 1024 * 1024;
const MAX_ID_CHARS = 255;
const MAX_SHORT_CHARS = 4096;
const MAX_DEPTH = 32;

type Opts = { max?: number; allowNul?: boolean; allowEmpty?: boolean };

/** A required string: well-formed UTF-16, within its length limit. */
export function requireString(field: string, value: unknown, opts: Opts = {}): string {
  if (typeof value !== 'string') throw invalidArgument(field, `must be a string, got ${describe(value)}.`);
  if (!opts.allowEmpty && value.trim() === '') throw invalidArgument(field, 'must not be empty.');
  const max = opts.max ?? MAX_SHORT_CHARS;
  if (value.length > max) throw invalidArgument(field, `must be at most ${max} characters, got ${value.length}.`);
  if (!value.isWellFormed()) throw invalidArgument(field, 'contains an unpaired UTF-16 surrogate; pass valid Unicode text.');
  if (!opts.allowNul && value.includes('\0')) throw invalidArgument(field, 'must not contain NUL characters.');
  return value;
}

export const requireId = (field: string, value: unknown): string => requireString(field, value, { max: MAX_ID_CHARS });

export function optionalString(field: string, value: unknown, opts: Opts = {}): string | null {
  return value === undefined || value === null ? null : requireString(field, value, { allowEmpty: true, ...opts });
}

export const optionalId = (field: string, value: unknown): string | null =>
  value === undefined || value === null ? null : requireId(field, value);

/** An optional finite number within [min, max]. */
export function optionalNumber(field: string, value: unknown, min: number, max: number): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw invalidArgument(field, `must be a finite number, got ${describe(value)}.`);
  if (Object.is(value, -0)) throw invalidArgument(field, 'is -0, which the store cannot keep apart from 0; pass 0.');
  if (value < min || value > max) throw invalidArgument(field, `must be between ${min} and ${max}, got ${value}.`);
  return value;
}

/** An optional whole number within [0, MAX_SAFE_INTEGER]. */
export function optionalCount(field: string, value: unknown): number | null {
  const n = optionalNumber(field, value, 0, Number.MAX_SAFE_INTEGER);
  if (n !== null && !Number.isInteger(n)) throw invalidArgument(field, `must be a whole number, got ${n}.`);
  return n;
}

/** An optional timeout: whole ms from 0 to 2^31 - 1 (what a Node timer can wait); undefined when absent. */
export function optionalTimeout(field: string, value: unknown): number | undefined {
  const n = optionalNumber(field, value, 0, 2_147_483_647);
  if (n !== null && !Number.isInteger(n)) throw invalidArgument(field, `must be a whole number of milliseconds, got ${n}.`);
  return n ?? undefined;
}

export function optionalBoolean(field: string, value: unknown): boolean | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'boolean') throw invalidArgument(field, `must be true or false, got ${describe(value)}.`);
  return value;
}

/**
 * An optional timestamp: whole milliseconds since the epoch (UTC), as `Date.now()` gives. A
 * fraction is refused rather than rounded (the store keeps whole ms on every backend; SQLite
 * would keep the fraction and PostgreSQL refuse it).
 */
export function optionalTimestamp(field: string, value: unknown): number | null {
  const n = optionalNumber(field, value, 0, 8.64e15);
  if (n !== null && !Number.isInteger(n))
    throw invalidArgument(field, `must be whole milliseconds since 1970 (UTC) such as Date.now(), got ${n}; round it (Math.round).`);
  return n;
}

export function requireOneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value))
    throw invalidArgument(field, `must be one of ${allowed.join(', ')}, got ${describe(value)}.`);
  return value as T;
}

export const SEVERITIES: readonly Severity[] = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'];

/** An options object (not null, not an array). */
export function requireOptions(field: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalidArgument(field, `must be an options object, got ${describe(value)}.`);
  return value as Record<string, unknown>;
}

/**
 * Optional metadata: a plain object of JSON values, copied. Anything JSON cannot hold exactly
 * (functions, undefined, NaN, Infinity, bigint, class instances, cycles, lone surrogates) is
 * refused rather than silently changed, and so is -0 (JSON writes it as 0). Keys such as `__proto__`
 * are kept as plain data. An error thrown while reading it (a getter, a Proxy trap) becomes an
 * `INVALID_ARGUMENT` naming the path.
 */
export function optionalMetadata(field: string, value: unknown): JsonObject | null {
  if (value === undefined || value === null) return null;
  const state = { path: field };
  try {
    if (!isPlainObject(value)) throw invalidArgument(field, `must be a plain object, got ${describe(value)}.`);
    return toJson(field, value, 0, new Set(), state) as JsonObject;
  } catch (error) {
    if (isConversationLogError(error)) throw error;
    const why = error instanceof Error ? `${error.name}: ${error.message}` : typeof error;
    throw invalidArgument(state.path, `threw while being read (${why}); pass plain data, e.g. structuredClone of it.`);
  }
}

function toJson(path: string, value: unknown, depth: number, seen: Set<object>, state: { path: string }): JsonValue {
  state.path = path;
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    if (!value.isWellFormed()) throw invalidArgument(path, 'contains an unpaired UTF-16 surrogate.');
    return value;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw invalidArgument(path, `must be a finite number, got ${value}.`);
    if (Object.is(value, -0)) throw invalidArgument(path, 'is -0, which JSON stores as 0; pass 0.');
    return value;
  }
  if (depth >= MAX_DEPTH) throw invalidArgument(path, `is nested deeper than ${MAX_DEPTH} levels.`);
  if (typeof value === 'object') {
    if (seen.has(value)) throw invalidArgument(path, 'contains a cycle.');
    seen.add(value);
    try {
      if (Array.isArray(value)) return value.map((v, i) => toJson(`${path}[${i}]`, v, depth + 1, seen, state));
      if (!isPlainObject(value)) throw invalidArgument(path, `must hold only JSON values, got ${describe(value)}.`);
      const out: JsonObject = {};
      for (const key of Object.keys(value)) {
        if (!key.isWellFormed()) throw invalidArgument(path, 'has a key with an unpaired UTF-16 surrogate.');
        // defineProperty: a "__proto__" key stays an own data property, never a prototype change.
        const child = `${path}.${key}`;
        state.path = child;
        Object.defineProperty(out, key, {
          value: toJson(child, value[key], depth + 1, seen, state),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    } finally {
      seen.delete(value);
    }
  }
  throw invalidArgument(path, `must hold only JSON values, got ${describe(value)}.`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return `a string of ${value.length} characters`;
  if (typeof value === 'object')
    return `an object (${(Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'null prototype'})`;
  return typeof value;
}
