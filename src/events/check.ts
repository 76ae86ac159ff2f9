import { invalidArgument } from '../errors.js';
import type { JsonObject } from './types.js';

/**
 * The checks an event factory makes on its arguments: the type and the range of each field
 * the union promises, no more (callers with richer rules, such as the logger's length limits,
 * check those first). Each throws a `ConversationLogError` `INVALID_ARGUMENT` naming the field.
 */

export function id(field: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0) throw invalidArgument(field, 'must be a non-empty string.');
  return v;
}

export function idOrNull(field: string, v: unknown): string | null {
  return v === null || v === undefined ? null : id(field, v);
}

export function text(field: string, v: unknown): string {
  if (typeof v !== 'string') throw invalidArgument(field, 'must be a string.');
  return v;
}

export function textOrNull(field: string, v: unknown): string | null {
  return v === null || v === undefined ? null : text(field, v);
}

/** A number, or null; a non-finite number becomes null, as JSON would store it. */
export function numberOrNull(field: string, v: unknown): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'number') throw invalidArgument(field, 'must be a number or null.');
  return Number.isFinite(v) ? v : null;
}

export function flag(field: string, v: unknown, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw invalidArgument(field, 'must be true or false.');
  return v;
}

/** A time in ms since 1970 (UTC): finite, from 0 to year 275760. */
export function timestamp(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 8.64e15)
    throw invalidArgument(field, 'must be a time in milliseconds since 1970 (UTC), like Date.now().');
  return v;
}

export function timestampOrNull(field: string, v: unknown): number | null {
  return v === null || v === undefined ? null : timestamp(field, v);
}

export function oneOf<T extends string>(field: string, v: unknown, allowed: ReadonlySet<string>, fallback: T): T {
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || !allowed.has(v)) throw invalidArgument(field, `must be one of ${[...allowed].join(', ')}.`);
  return v as T;
}

export function objectOrNull(field: string, v: unknown): JsonObject | null {
  if (v === null || v === undefined) return null;
  return object(field, v);
}

export function object(field: string, v: unknown): JsonObject {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalidArgument(field, 'must be a plain object.');
  return v as JsonObject;
}

/** The `INVALID_ARGUMENT` error of a field, for checks of their own. */
export const invalid = (field: string, message: string) => invalidArgument(field, message);
