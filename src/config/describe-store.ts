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
