import fs from 'node:fs';
import path from 'node:path';
import { expect, inject, it } from 'vitest';
import { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { quietLog } from '../support/stores.js';

const open = async (env: Record<string, string>) => {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const logger = await ConversationLogger.open({ log: quietLog });
    await logger.close();
    return null;
  } catch (error) {
    return error as { code: string; field?: string; message: string };
  } finally {
    for (const k of Object.keys(env)) if (saved[k] === undefined) delete process.env[k];
    Object.assign(process.env, saved);
  }
};

it('invalid configuration fails at start, naming the variable', async () => {
  expect(await open({ DATABASE_URL: 'mysql://root@localhost/db' })).toMatchObject({ code: 'CONFIG_INVALID', field: 'DATABASE_URL' });
  expect(await open({ DATABASE_URL: 'not a url' })).toMatchObject({ code: 'CONFIG_INVALID', field: 'DATABASE_URL' });
  expect(await open({ DB_POOL_SIZE: 'ten' })).toMatchObject({ code: 'CONFIG_INVALID', field: 'DB_POOL_SIZE' });
  expect(await open({ DB_POOL_OVERFLOW: '-3' })).toMatchObject({ code: 'CONFIG_INVALID', field: 'DB_POOL_OVERFLOW' });
  expect(await open({ CONVERSATION_LOG_RETENTION_DAYS: 'forever' })).toMatchObject({
    code: 'CONFIG_INVALID',
    field: 'CONVERSATION_LOG_RETENTION_DAYS',
  });
  expect(await open({ LOG_LEVEL: 'chatty' })).toMatchObject({ code: 'CONFIG_INVALID', field: 'LOG_LEVEL' });
  // An SQLite path that cannot be created: a file where its directory should be.
  const blocker = path.join(inject('tmpDir'), 'not-a-dir');
  fs.writeFileSync(blocker, 'x');
  const unwritable = await open({ DATABASE_URL: `sqlite:${blocker}/voice_ai.db` });
  expect(unwritable?.code).toMatch(/^(CONFIG_INVALID|DB_UNAVAILABLE)$/);
  expect(unwritable?.message).toContain('DATABASE_URL');
  // PostgreSQL that is not there.
  const down = await open({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' });
  expect(down).toMatchObject({ code: 'DB_UNAVAILABLE', field: 'DATABASE_URL' });
});
