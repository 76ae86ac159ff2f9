import type { DataSource } from 'typeorm';
import type { Dialect } from './dialect.js';
import type { WriteExecutor } from './executor.js';
import { PostgresExecutor, type PgClientLike } from './pg-executor.js';
import { SqliteExecutor, type SqliteDatabaseLike } from './sqlite-executor.js';

/**
 * Runs `fn` with an executor on a connection of `dataSource` (SQLite: its one connection;
 * PostgreSQL: a pooled connection, released afterwards).
 */
export async function withExecutor<T>(
  dataSource: DataSource,
  dialect: Dialect,
  fn: (executor: WriteExecutor) => Promise<T>,
): Promise<T> {
  const runner = dataSource.createQueryRunner();
  const connection = (await runner.connect()) as unknown;
  if (dialect === 'sqlite') return fn(new SqliteExecutor(connection as SqliteDatabaseLike));
  try {
    return await fn(new PostgresExecutor(connection as PgClientLike));
  } finally {
    await runner.release().catch(() => undefined);
  }
}
