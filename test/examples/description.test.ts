import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { describeEachBackend, freshDatabaseUrl, type Backend } from '../support/stores.js';

const exec = promisify(execFile);

/**
 * The original description's code blocks, transcribed to TypeScript in examples/description/, run
 * as a user runs them (a process of its own, configured by DATABASE_URL alone) and print what the
 * description's print lines promise: no exception, no undefined, null or NaN, and the store's figures.
 */
async function runExample(file: string, databaseUrl: string): Promise<string> {
  const { stdout, stderr } = await exec(process.execPath, ['--import', 'tsx', `examples/description/${file}`], {
    env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'error' },
    timeout: 60_000,
  });
  expect(stderr).toBe('');
  expect(stdout).not.toMatch(/undefined|null|NaN|\[object Object\]/);
  return stdout;
}

async function rows(backend: Backend, url: string, sql: string): Promise<Array<Record<string, unknown>>> {
  if (backend === 'sqlite') {
    const db = new Database(url.replace(/^sqlite:/, ''), { readonly: true });
    try {
      return db.prepare(sql).all() as Array<Record<string, unknown>>;
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as Array<Record<string, unknown>>;
  } finally {
    await client.end();
  }
}

describeEachBackend('the description, transcribed', (backend) => {
  it("basic usage: given the description's calls, when run, then the call, its conversation and both messages are stored and ended", async () => {
    const url = await freshDatabaseUrl(backend);
    expect(await runExample('1-basic-usage.ts', url)).toBe('');
    const [call] = await rows(backend, url, `SELECT id, status, caller_number, livekit_room FROM calls`);
    expect(call).toEqual({ id: 'unique_call_id', status: 'completed', caller_number: '+1234567890', livekit_room: 'room_001' });
    const [conversation] = await rows(backend, url, `SELECT ai_model, summary, ended_at FROM conversations`);
    expect(conversation).toMatchObject({ ai_model: 'gpt-4', summary: 'User requested help, assistance provided' });
    expect(conversation!['ended_at']).not.toBeNull();
    const messages = await rows(backend, url, `SELECT role, content FROM messages ORDER BY created_at, event_position`);
    expect(messages).toEqual([
      { role: 'user', content: 'Hello, can you help me?' },
      { role: 'assistant', content: 'Of course! How can I help you?' },
    ]);
  });

  it('system events: given log_event as written, then one system_events row with its metadata', async () => {
    const url = await freshDatabaseUrl(backend);
    await runExample('2-system-events.ts', url);
    const events = await rows(backend, url, `SELECT event_type, severity, message, component, call_id, metadata FROM system_events`);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      event_type: 'balance_lookup',
      severity: 'INFO',
      message: 'User requested balance lookup',
      component: 'account_service',
      call_id: 'unique_call_id',
    });
    expect(JSON.parse(String(events[0]!['metadata']))).toEqual({ account_type: 'checking' });
  });

  it('history: prints "role: content" for each message, oldest first', async () => {
    const url = await freshDatabaseUrl(backend);
    expect(await runExample('3-history.ts', url)).toBe('user: Hello, can you help me?\nassistant: Of course! How can I help you?\n');
  });

  it('statistics: with one call ended and one still active, every print line has its number', async () => {
    const url = await freshDatabaseUrl(backend);
    const out = await runExample('4-statistics.ts', url);
    // Two calls; the one ended completed (the active one is not rated); responses of 900 and 1700 ms; 2 × $0.0012.
    expect(out).toBe('Total calls: 2\nSuccess rate: 100.0%\nAverage response time: 1300.0ms\nTotal cost: $0.0024\n');
    const [n] = await rows(backend, url, `SELECT COUNT(*) AS n FROM calls WHERE status = 'active'`);
    expect(Number(n!['n'])).toBe(1);
  });

  it('cleanup: prints how many old calls were deleted, and only those are gone', async () => {
    const url = await freshDatabaseUrl(backend);
    expect(await runExample('5-cleanup.ts', url)).toBe('Deleted 1 old calls\n');
    expect(await rows(backend, url, `SELECT id FROM calls`)).toEqual([{ id: 'new_call' }]);
  });

  it('initialisation: initDatabase() handed to new MigrationManager() migrates', async () => {
    const url = await freshDatabaseUrl(backend);
    expect(await runExample('6-initialization.ts', url)).toBe('Migrated: true\n');
    expect(await rows(backend, url, `SELECT COUNT(*) AS n FROM calls`)).toEqual([{ n: backend === 'sqlite' ? 0 : '0' }]);
  });

  it('migrations: status before and after, with the current version and the pending count', async () => {
    const url = await freshDatabaseUrl(backend);
    const out = (await runExample('7-migrations.ts', url)).split('\n');
    const applied = await rows(backend, url, `SELECT name FROM convlog_migrations ORDER BY id`);
    expect(out).toEqual([
      'Current version: none',
      `Pending migrations: ${applied.length}`,
      'Applied: true',
      `Current version: ${String(applied.at(-1)!['name'])}`,
      'Pending migrations: 0',
      '',
    ]);
  });

  it('configuration: the environment the description names is what the logger uses', async () => {
    const url = await freshDatabaseUrl(backend);
    const { stdout } = await exec(process.execPath, ['--import', 'tsx', 'examples/description/8-configuration.ts'], {
      env: {
        ...process.env,
        DATABASE_URL: url,
        DB_POOL_SIZE: '3',
        DB_POOL_OVERFLOW: '4',
        CONVERSATION_LOG_RETENTION_DAYS: '7',
        LOG_LEVEL: 'error',
      },
      timeout: 60_000,
    });
    expect(stdout).toBe(`Database: ${backend}\nPool: 3 + 4\nRetention: 7 days\nDeleted 0 old calls\n`);
  });
});
