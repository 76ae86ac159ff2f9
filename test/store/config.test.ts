import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { loadConfig } from '../../src/config/config.js';
import { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { storeOverrides } from '../../src/plugin/config.js';
import { quietLog } from '../support/stores.js';

describe('configuration from the environment', () => {
  it('defaults to the embedded SQLite file and documented values', () => {
    const c = loadConfig({}, {});
    expect(c).toMatchObject({
      databaseUrl: 'sqlite:./data/voice_ai.db',
      dialect: 'sqlite',
      sqlitePath: path.resolve('data/voice_ai.db'),
      poolSize: 10,
      poolOverflow: 20,
      retentionDays: 30,
      slaThresholdMs: 1500,
      logLevel: 'info',
      logSql: false,
    });
  });

  it('reads every variable', () => {
    const c = loadConfig(
      {},
      {
        DATABASE_URL: 'postgres://u@db.example:5432/voice',
        DB_POOL_SIZE: '4',
        DB_POOL_OVERFLOW: '6',
        CONVERSATION_LOG_RETENTION_DAYS: '7',
        DEBUG: 'true',
      },
    );
    expect(c).toMatchObject({ dialect: 'postgres', poolSize: 4, poolOverflow: 6, retentionDays: 7, logLevel: 'debug', logSql: true });
    expect(loadConfig({}, { LOG_LEVEL: 'DEBUG' }).logSql).toBe(true);
    expect(loadConfig({}, { DATABASE_URL: 'sqlite:///./x/y.db' }).sqlitePath).toBe(path.resolve('x/y.db'));
  });

  it('given CONVERSATION_LOG_SLA_MS, when the logger and the plugin each resolve their config, then both use it (code options still win)', () => {
    const env = { CONVERSATION_LOG_SLA_MS: '900' };
    // the logger's store config, from the environment
    expect(loadConfig({}, env).slaThresholdMs).toBe(900);
    // the plugin's, from agent.config.ts under the same environment (the environment overrides the file)
    expect(loadConfig(storeOverrides({ slaThresholdMs: 2000 }, env), env).slaThresholdMs).toBe(900);
    expect(loadConfig(storeOverrides({ slaThresholdMs: 2000 }, {}), {}).slaThresholdMs).toBe(2000);
    // an option given in code to the logger wins over the environment
    expect(loadConfig({ slaThresholdMs: 700 }, env).slaThresholdMs).toBe(700);
  });

  it('given a recordings directory and a heard-mismatch threshold, resolves them option > environment > config file > default', () => {
    expect(loadConfig({}, {})).toMatchObject({ recordingsDir: null, heardMismatchMs: 150 });
    const file = { recordings: { dir: 'rec-file', heardMismatchMs: 90 } };
    expect(loadConfig(storeOverrides(file, {}), {})).toMatchObject({ recordingsDir: path.resolve('rec-file'), heardMismatchMs: 90 });
    const env = { CONVERSATION_LOG_RECORDINGS_DIR: '/srv/rec', CONVERSATION_LOG_HEARD_MISMATCH_MS: '200' };
    expect(loadConfig(storeOverrides(file, env), env)).toMatchObject({ recordingsDir: '/srv/rec', heardMismatchMs: 200 });
    expect(loadConfig({ recordingsDir: 'opt' }, env).recordingsDir).toBe(path.resolve('opt'));
    expect(() => loadConfig({}, { CONVERSATION_LOG_HEARD_MISMATCH_MS: 'soon' })).toThrow(/CONVERSATION_LOG_HEARD_MISMATCH_MS/);
  });

  it.each([
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'postgres://' }, 'DATABASE_URL'],
    [{ DB_POOL_SIZE: 'ten' }, 'DB_POOL_SIZE'],
    [{ DB_POOL_SIZE: '0' }, 'DB_POOL_SIZE'],
    [{ DB_POOL_OVERFLOW: '-1' }, 'DB_POOL_OVERFLOW'],
    [{ CONVERSATION_LOG_RETENTION_DAYS: '1.5' }, 'CONVERSATION_LOG_RETENTION_DAYS'],
    [{ DEBUG: 'maybe' }, 'DEBUG'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ CONVERSATION_LOG_SLA_MS: 'fast' }, 'CONVERSATION_LOG_SLA_MS'],
    [{ CONVERSATION_LOG_SLA_MS: '-5' }, 'CONVERSATION_LOG_SLA_MS'],
  ])('rejects %o naming %s', (env, variable) => {
    let error: unknown;
    try {
      loadConfig({}, env);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', field: variable });
    expect((error as Error).message).toContain(variable);
  });

  it('given CONVERSATION_LOG_WRITER, when resolved, then worker, process and inline are taken, anything else and a second thread or process on sqlite::memory: are refused by name', () => {
    expect(['worker', 'process', 'inline', ' Process '].map((w) => loadConfig({}, { CONVERSATION_LOG_WRITER: w }).writerThread)).toEqual([
      'worker',
      'process',
      'inline',
      'process',
    ]);
    expect(() => loadConfig({}, { CONVERSATION_LOG_WRITER: 'fork' })).toThrow(/CONVERSATION_LOG_WRITER.*worker, process or inline/s);
    expect(() => loadConfig({ databaseUrl: 'sqlite::memory:', writerThread: 'process' }, {})).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', field: 'writerThread' }),
    );
    expect(loadConfig({ databaseUrl: 'sqlite::memory:' }, {}).writerThread).toBe('inline');
  });

  it('given a SQLite path that cannot be created, when opened, then open() fails naming DATABASE_URL (a background logger keeps retrying)', async () => {
    await expect(ConversationLogger.open({ databaseUrl: 'sqlite:/dev/null/sub/x.db', log: quietLog })).rejects.toMatchObject({
      code: 'DB_UNAVAILABLE',
      field: 'DATABASE_URL',
      retryable: true,
    });
  });

  it('reports DB_UNAVAILABLE when PostgreSQL cannot be reached', async () => {
    await expect(ConversationLogger.open({ databaseUrl: 'postgres://nobody@127.0.0.1:1/none' })).rejects.toMatchObject({
      code: 'DB_UNAVAILABLE',
      field: 'DATABASE_URL',
    });
  });
});
