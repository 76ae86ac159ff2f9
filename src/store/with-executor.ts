import type { DataSource } from 'typeorm';
import type { Dialect } from '../config/dialect.js';
import type { WriteExecutor } from './executor.js';
import { PostgresExecutor, type PgClientLike } from './pg-executor.js';
import { SqliteExecutor, type SqliteDatabaseLike } from './sqlite-executor.js';

/**
 * Runs `fn` with an executor on a connection of `dataSource` (SQLite: its one connection;
 * PostgreSQL: a pooled connection, released afterwards).
 */
export async function withExecutor<T>(dataSource: DataSource, dialect: Dialect, fn: (executor: WriteExecutor) => Promise<T>): Promise<T> {
  const runner = dataSource.createQueryRunner();
  const connection = (await runner.connect()) as unknown;
  if (dialect === 'sqlite') return fn(new SqliteExecutor(connection as SqliteDatabaseLike));
  try {
    return await fn(new PostgresExecutor(connection as PgClientLike, { named: !throughPgBouncer(dataSource) }));
  } finally {
    await runner.release().catch(() => undefined);
  }
}

/**
 * `?pgbouncer=true` on the URL (Prisma's convention): the server connection may change between
 * transactions (PgBouncer in transaction mode), so no statement is prepared by name.
 */
function throughPgBouncer(dataSource: DataSource): boolean {
  const url = (dataSource.options as { url?: string }).url;
  if (!url) return false;
  try {
    return new URL(url).searchParams.get('pgbouncer') === 'true';
  } catch {
    return false;
  }
}
