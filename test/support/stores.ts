import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { describe, inject } from 'vitest';
import { ConversationLogger, type ConversationLoggerOptions } from '../../src/logger/conversation-logger.js';
import { createLog } from '../../src/config/log.js';
import { skipWithout } from './requirements.js';

export type Backend = 'sqlite' | 'postgres';
export const BACKENDS: Backend[] = ['sqlite', 'postgres'];

let counter = 0;

/**
 * A database URL for a fresh, empty store on `backend`: a new SQLite file in the run's temp
 * directory, or a new schema in the run's PostgreSQL database.
 */
export async function freshDatabaseUrl(backend: Backend): Promise<string> {
  const name = `s${process.pid}_${++counter}_${randomBytes(2).toString('hex')}`;
  if (backend === 'sqlite') return `sqlite:${path.join(inject('tmpDir'), `${name}.db`)}`;
  const base = inject('pgUrl');
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  await client.query(`CREATE SCHEMA ${name}`);
  await client.end();
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${name}`);
  return url.toString();
}

export const quietLog = createLog('error');

/** Opens a logger on a fresh store of `backend`. */
export async function openLogger(backend: Backend, options: ConversationLoggerOptions = {}): Promise<ConversationLogger> {
  return ConversationLogger.open({
    databaseUrl: await freshDatabaseUrl(backend),
    flushIntervalMs: 5,
    poolSize: 2,
    poolOverflow: 2,
    log: quietLog,
    ...options,
  });
}

/**
 * Runs a suite once per backend; test names carry `[sqlite]` / `[postgres]`. Without a reachable
 * PostgreSQL (and `CI` unset) the PostgreSQL half is skipped and the run's last line says so.
 */
export function describeEachBackend(name: string, fn: (backend: Backend) => void): void {
  for (const backend of BACKENDS) {
    describe.skipIf(backend === 'postgres' && skipWithout('postgres'))(`${name} [${backend}]`, () => fn(backend));
  }
}
