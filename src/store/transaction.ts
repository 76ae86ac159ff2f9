import type { DataSource } from 'typeorm';
import type { ProjectionContext } from '../projections/projection.js';
import type { WriteExecutor } from './executor.js';
import { withExecutor } from './with-executor.js';

export interface TransactionScope {
  ctx: ProjectionContext;
  executor: WriteExecutor;
}

/** A projection context over an executor: fixed SQL with `?` placeholders, parameters bound, never inlined. */
export function contextFor(executor: WriteExecutor): ProjectionContext {
  return {
    ...(executor.insertVersioned && executor.updateVersioned
      ? {
          versioned: {
            insert: (table, columns, key, rows) => executor.insertVersioned!(table, columns, key, rows),
            update: (table, key, columns, rows) => executor.updateVersioned!(table, key, columns, rows),
          },
        }
      : {}),
    dialect: executor.dialect,
    exec: (sql, params) => executor.exec(sql, params),
    query: <T>(sql: string, params: readonly unknown[]) => executor.query<T>(sql, params),
    queryByKeys: (sql, keyColumn, keys) => executor.queryByKeys(sql, keyColumn, keys),
    update: (table, key, columns, rows, mode) => executor.updateRows(table, key, columns, rows, mode),
    insert: (table, columns, rows, then) => executor.insertRows(table, columns, rows, then),
  };
}

/**
 * Runs `fn` in one write transaction. SQLite uses `BEGIN IMMEDIATE` (take the write lock up
 * front, so a busy database fails fast instead of deadlocking on upgrade); PostgreSQL a plain
 * transaction on a pooled connection.
 */
export async function inTransaction<T>(
  dataSource: DataSource,
  dialect: 'sqlite' | 'postgres',
  fn: (scope: TransactionScope) => Promise<T>,
): Promise<T> {
  return withExecutor(dataSource, dialect, async (executor) => {
    let began = false;
    try {
      await executor.begin();
      began = true;
      const result = await fn({ ctx: contextFor(executor), executor });
      await executor.commit();
      began = false;
      return result;
    } catch (error) {
      if (began) await executor.rollback().catch(() => undefined);
      throw error;
    }
  });
}
