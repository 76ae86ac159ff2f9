import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { freshDatabaseUrl, openLogger } from '../support/stores.js';

let logger: ConversationLogger | undefined;
afterEach(async () => {
  await logger?.close();
  logger = undefined;
});

/**
 * The rows the database file itself holds, without its write-ahead log: a copy of the file alone.
 * A copy taken while a checkpoint is writing pages can be torn (SQLITE_CORRUPT on the copy, never
 * on the store): that reads as "not yet" (-1), and the caller looks again.
 */
function callsInFileAlone(file: string, name: string): number {
  const copy = path.join(inject('tmpDir'), `${name}-main-file-only.db`);
  fs.copyFileSync(file, copy);
  const db = new Database(copy, { readonly: true });
  try {
    const exists = db.prepare(`SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'calls'`).get() as { n: number };
    return exists.n ? (db.prepare(`SELECT COUNT(*) AS n FROM calls`).get() as { n: number }).n : 0;
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_CORRUPT' || (error as { code?: string }).code === 'SQLITE_NOTADB') return -1;
    throw error;
  } finally {
    db.close();
    fs.rmSync(copy, { force: true });
  }
}

async function eventually(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(['worker', 'inline'] as const)('WAL checkpoints off the commit path [sqlite, %s writer]', (writerThread) => {
  it('given commits, when the checkpoint thread runs, then the database file holds them while the store stays open', async () => {
    const url = await freshDatabaseUrl('sqlite');
    const file = url.slice('sqlite:'.length);
    logger = await openLogger('sqlite', { databaseUrl: url, writerThread, checkpointIntervalMs: 20 });
    for (let i = 0; i < 40; i++) await logger.startCall({ callId: `c-${i}` });
    await eventually(async () => ((await logger!.store.checkpointStats())?.checkpoints ?? 0) > 0, 'a checkpoint');
    await eventually(() => callsInFileAlone(file, `${writerThread}-a`) === 40, 'the 40 calls in the database file');
    // The commits themselves never checkpoint: the application's connection has automatic checkpoints off.
    const [setting] = (await (await logger.dataSource()).query('PRAGMA wal_autocheckpoint')) as Array<{ wal_autocheckpoint: number }>;
    expect(setting?.wal_autocheckpoint).toBe(0);
  });
});

describe('WAL checkpoints and maintenance [sqlite]', () => {
  it('given a maintenance job holding the writer lane, when it writes, then no checkpoint runs until it is done', async () => {
    const url = await freshDatabaseUrl('sqlite');
    const file = url.slice('sqlite:'.length);
    logger = await openLogger('sqlite', { databaseUrl: url, checkpointIntervalMs: 20 });
    await logger.startCall({ callId: 'before' });
    await eventually(() => callsInFileAlone(file, 'maint-a') === 1, 'the first call in the database file');
    const ds = await logger.dataSource();
    await logger.store.exclusive(async () => {
      await ds.query(`INSERT INTO calls (id, started_at, status) VALUES ('during', 1, 'completed')`);
      // Ten checkpoint intervals: none may copy the job's commit while the job runs.
      await new Promise((r) => setTimeout(r, 200));
      expect(callsInFileAlone(file, 'maint-b')).toBe(1);
    });
    await eventually(() => callsInFileAlone(file, 'maint-c') === 2, "the job's row in the database file afterwards");
  });
});

describe('WAL checkpoints [sqlite, in memory]', () => {
  it('an in-memory store has no WAL and no checkpoint thread', async () => {
    logger = await openLogger('sqlite', { databaseUrl: 'sqlite::memory:' });
    await logger.startCall({ callId: 'm' });
    expect(await logger.store.checkpointStats()).toBeNull();
  });
});

describe('WAL checkpoints in a job process [sqlite, checkpointIntervalMs 0]', () => {
  it('given a store without a checkpoint thread, when calls are written, then the WAL holds them; when it closes while another process keeps the file open, then the database file does', async () => {
    const url = await freshDatabaseUrl('sqlite');
    const file = url.slice('sqlite:'.length);
    logger = await openLogger('sqlite', { databaseUrl: url, writerThread: 'inline', checkpointIntervalMs: 0 });
    // Another process's connection: closing the store is then not the file's last close, which would checkpoint by itself.
    const other = new Database(file);
    other.prepare('SELECT COUNT(*) FROM sqlite_master').get();
    try {
      for (let i = 0; i < 40; i++) await logger.startCall({ callId: `j-${i}` });
      await logger.flush();
      expect(await logger.store.checkpointStats()).toBeNull();
      expect(callsInFileAlone(file, 'job-a')).toBe(0);
      await logger.close();
      logger = undefined;
      expect(callsInFileAlone(file, 'job-b')).toBe(40);
    } finally {
      other.close();
    }
  });
});
