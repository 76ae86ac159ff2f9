import type { DataSource } from 'typeorm';
import { toDialect, type Dialect } from '../store/dialect.js';

export const dialectOf = (dataSource: DataSource): Dialect =>
  dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite';

/** A read through TypeORM with `?` placeholders, parameters always bound. */
export async function select<T>(dataSource: DataSource, sql: string, params: readonly unknown[] = []): Promise<T[]> {
  return (await dataSource.query(toDialect(sql, dialectOf(dataSource)), [...params])) as T[];
}

/** `percentile_cont` as each dialect spells it, for a fraction in [0, 1]. */
export const percentileSql = (dialect: Dialect, column: string, fraction: number): string =>
  dialect === 'postgres'
    ? `percentile_cont(${fraction}) WITHIN GROUP (ORDER BY ${column})`
    : `percentile_cont(${column}, ${fraction})`;

export const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
