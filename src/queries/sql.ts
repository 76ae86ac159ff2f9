import type { JsonValue } from '../events/types.js';
import type { DataSource } from 'typeorm';
import { invalidArgument } from '../errors.js';
import { toDialect, type Dialect } from '../config/dialect.js';

export const dialectOf = (dataSource: DataSource): Dialect => (dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite');

/** A read through TypeORM with `?` placeholders, parameters always bound. */
export async function select<T>(dataSource: DataSource, sql: string, params: readonly unknown[] = []): Promise<T[]> {
  return dataSource.query<T[]>(toDialect(sql, dialectOf(dataSource)), [...params]);
}

/** What {@link selectArrays} needs of each driver's connection. */
interface ArrayRowConnection {
  /** better-sqlite3 */
  prepare?(sql: string): { raw(on: boolean): { all(...params: unknown[]): unknown[][] } };
  /** pg */
  query?(config: { text: string; values: unknown[]; rowMode: 'array' }): Promise<{ rows: unknown[][] }>;
}

/**
 * A read whose rows come back as arrays, one value a selected column, in the order selected:
 * for reads of tens of thousands of rows (diff), where building an object a row costs more than
 * the query. `?` placeholders, parameters always bound, on the DataSource's own connection.
 */
export async function selectArrays(dataSource: DataSource, sql: string, params: readonly unknown[] = []): Promise<unknown[][]> {
  const text = toDialect(sql, dialectOf(dataSource));
  const runner = dataSource.createQueryRunner();
  try {
    const connection = (await runner.connect()) as ArrayRowConnection;
    if (connection.prepare)
      return connection
        .prepare(text)
        .raw(true)
        .all(...params);
    if (connection.query) return (await connection.query({ text, values: [...params], rowMode: 'array' })).rows;
    throw new Error(`selectArrays: no array rows on a ${dataSource.options.type} connection`);
  } finally {
    await runner.release();
  }
}

/** `percentile_cont` as each dialect spells it, for a fraction in [0, 1]. */
export const percentileSql = (dialect: Dialect, column: string, fraction: number): string =>
  dialect === 'postgres' ? `percentile_cont(${fraction}) WITHIN GROUP (ORDER BY ${column})` : `percentile_cont(${column}, ${fraction})`;

export const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** A boolean column as either driver returns it (`true`, 1, '1', 't'). */
export const bool = (v: unknown): boolean => v === true || v === 1 || v === '1' || v === 't';
export const boolOrNull = (v: unknown): boolean | null => (v === null || v === undefined ? null : bool(v));
export const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
/** A JSON text column, parsed; text that is not JSON comes back as it is; null stays null. */
export const json = (v: unknown): JsonValue => {
  if (v === null || v === undefined) return null;
  try {
    return JSON.parse(String(v)) as JsonValue;
  } catch {
    return String(v);
  }
};

/**
 * A token total, exact: a `number` while it is at most `Number.MAX_SAFE_INTEGER` (2^53 − 1), else
 * its decimal digits as a `string` (`BigInt(total)` reads either). Summed in SQL as integers.
 */
export type TokenCount = number | string;

/** An integer the database summed (any of number, bigint or digits), exactly. */
export function tokenCount(v: unknown): TokenCount {
  if (v === null || v === undefined) return 0;
  const b = BigInt(typeof v === 'number' ? Math.trunc(v) : String(v));
  return b <= BigInt(Number.MAX_SAFE_INTEGER) && b >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b.toString();
}

/**
 * A whole number in `[min, max]` — for values that end up in SQL text (`LIMIT`) or in integer
 * columns. Anything else (a string, NaN, a fraction) is a typed error, never SQL.
 *
 * @throws ConversationLogError `INVALID_ARGUMENT` naming `field`
 */
export function wholeNumber(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max)
    throw invalidArgument(field, `must be a whole number from ${min} to ${max}, got ${describeValue(value)}.`);
  return value;
}

/** Latest time a query accepts (ms UTC): the end of JavaScript dates. */
export const MAX_TIME_MS = 8.64e15;

/**
 * A time (ms since the epoch, UTC) within what JavaScript dates and integer columns hold; floored.
 *
 * @throws ConversationLogError `INVALID_ARGUMENT` naming `field`
 */
export function timeMs(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < -MAX_TIME_MS || value > MAX_TIME_MS)
    throw invalidArgument(field, `must be a time in ms since 1970 (UTC), got ${describeValue(value)}.`);
  return Math.floor(value);
}

const describeValue = (value: unknown): string =>
  typeof value === 'string' ? `a string of ${value.length} characters` : typeof value === 'number' ? String(value) : typeof value;
