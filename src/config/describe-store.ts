import path from 'node:path';
import type { StoreConfig } from './config.js';

/**
 * The store a config names, as people read it: `sqlite:/abs/path/voice_ai.db`, or the PostgreSQL
 * URL with its password masked (`postgres://app:***@db:5432/calls`).
 */
export function describeStore(config: Pick<StoreConfig, 'dialect' | 'sqlitePath' | 'databaseUrl'>): string {
  if (config.dialect === 'sqlite') {
    const file = config.sqlitePath ?? ':memory:';
    return `sqlite:${file === ':memory:' ? file : path.resolve(file)}`;
  }
  return maskPassword(config.databaseUrl);
}

/** A URL with its password (if any) replaced by `***`; text that is not a URL comes back as it was. */
export function maskPassword(url: string): string {
  try {
    const u = new URL(url);
    if (u.password === '') return url;
    u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
  }
}

/**
 * The store an open TypeORM data source reads, as {@link describeStore} writes it (password
 * masked): for the dashboard, which may be given a data source rather than a config.
 */
export function describeDataSource(dataSource: { options: object }): string {
  const o = dataSource.options as { type: string; database?: unknown; url?: unknown; host?: unknown; port?: unknown; username?: unknown };
  if (o.type === 'better-sqlite3' || o.type === 'sqlite') {
    const file = typeof o.database === 'string' ? o.database : ':memory:';
    return `sqlite:${file === ':memory:' ? file : path.resolve(file)}`;
  }
  if (typeof o.url === 'string') return maskPassword(o.url);
  const user = typeof o.username === 'string' ? `${o.username}@` : '';
  return `postgres://${user}${String(o.host ?? 'localhost')}:${String(o.port ?? 5432)}/${String(o.database ?? '')}`;
}
