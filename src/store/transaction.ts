import type { DataSource, QueryRunner } from 'typeorm';
import type { ProjectionContext } from '../projections/projection.js';
import { INSERT_EVENT, type InsertEvent } from './append.js';
import { toDialect, type Dialect } from './dialect.js';

export interface TransactionScope {
  ctx: ProjectionContext;
  insertEvent: InsertEvent;
}

const normalize = (params: readonly unknown[]): unknown[] => params.map((p) => (p === undefined ? null : p));

/** A projection context over a TypeORM query runner: fixed SQL, parameters bound, never inlined. */
export function contextFor(runner: QueryRunner, dialect: Dialect): ProjectionContext {
  return {
    dialect,
    exec: async (sql, params) => {
      await runner.query(toDialect(sql, dialect), normalize(params));
    },
    query: async <T>(sql: string, params: readonly unknown[]) =>
      (await runner.query(toDialect(sql, dialect), normalize(params))) as T[],
  };
}

/**
 * Runs `fn` in one write transaction on a TypeORM query runner. SQLite uses
 * `BEGIN IMMEDIATE` (take the write lock up front, so a busy database fails fast instead of
 * deadlocking on upgrade); PostgreSQL a plain transaction on a pooled connection.
 */
export async function inTransaction<T>(
  dataSource: DataSource,
  dialect: Dialect,
  fn: (scope: TransactionScope) => Promise<T>,
): Promise<T> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  const ctx = contextFor(runner, dialect);
  const insertSql = dialect === 'postgres' ? `${toDialect(INSERT_EVENT, dialect)} RETURNING position` : INSERT_EVENT;
  const insertEvent: InsertEvent =
    dialect === 'postgres'
      ? async (params) => {
          const rows = (await runner.query(insertSql, normalize(params))) as Array<{ position: string | number }>;
          return Number(rows[0]!.position);
        }
      : async (params) => Number(await runner.query(insertSql, normalize(params)));
  let began = false;
  try {
    await runner.query(dialect === 'postgres' ? 'BEGIN' : 'BEGIN IMMEDIATE');
    began = true;
    const result = await fn({ ctx, insertEvent });
    await runner.query('COMMIT');
    began = false;
    return result;
  } catch (error) {
    if (began) await runner.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    // SQLite shares one connection: releasing it is a no-op there.
    if (dialect === 'postgres') await runner.release().catch(() => undefined);
  }
}
