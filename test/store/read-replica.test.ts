import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { freePort, PrivateCluster } from '../faults/support/pg-cluster.js';
import { convlogInProcess } from '../support/cli-in-process.js';
import { skipWithout } from '../support/requirements.js';
import { quietLog } from '../support/stores.js';

/**
 * CONVERSATION_LOG_READ_URL: a PostgreSQL read replica the read-only commands, the dashboard and
 * the logger's statistics and search read from, against a real streaming replica made on this
 * machine with pg_basebackup (a primary and a standby cluster of their own, on ports of their own).
 */
describe('configuration of a read replica', () => {
  it('given CONVERSATION_LOG_READ_URL beside a PostgreSQL store, when resolved, then reads have it; beside SQLite, or not PostgreSQL, it is refused by name', () => {
    const env = { DATABASE_URL: 'postgres://app@primary:5432/calls', CONVERSATION_LOG_READ_URL: 'postgres://app@replica:5432/calls' };
    expect(loadConfig({}, env).readUrl).toBe('postgres://app@replica:5432/calls');
    expect(loadConfig({}, { DATABASE_URL: env.DATABASE_URL }).readUrl).toBeNull();
    expect(() => loadConfig({}, { CONVERSATION_LOG_READ_URL: env.CONVERSATION_LOG_READ_URL })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', field: 'CONVERSATION_LOG_READ_URL' }),
    );
    expect(() => loadConfig({ readUrl: 'mysql://replica/calls' }, { DATABASE_URL: env.DATABASE_URL })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', field: 'readUrl' }),
    );
  });
});

describe.skipIf(skipWithout('postgres'))('a streaming read replica [postgres]', () => {
  let primary: PrivateCluster;
  let standby: PrivateCluster;
  let logger: ConversationLogger;
  let replica: pg.Client;

  beforeAll(async () => {
    primary = new PrivateCluster(await freePort(), 'primary');
    primary.create();
    // The store's schema first, then the replica copies it.
    const writer = await ConversationLogger.open({ databaseUrl: primary.url, log: quietLog, poolSize: 1, poolOverflow: 0 });
    await writer.close();
    standby = new PrivateCluster(await freePort(), 'standby');
    standby.createStandbyOf(primary);
    replica = new pg.Client({ connectionString: standby.url });
    await replica.connect();
    logger = await ConversationLogger.open({ databaseUrl: primary.url, readUrl: standby.url, log: quietLog, flushIntervalMs: 5 });
  }, 180_000);
  afterAll(async () => {
    await logger?.close();
    await replica?.end();
    standby?.drop();
    primary?.drop();
  });

  const callsOnReplica = async () => Number((await logger.getCallStatistics({ hours: 1 })).calls.total);
  const cli = (args: string[]) =>
    convlogInProcess([...args, '--json'], { DATABASE_URL: primary.url, CONVERSATION_LOG_READ_URL: standby.url });

  it('given a call written to the primary, when the replica has replayed it, then statistics, search and the CLI read it there', async () => {
    const conversationId = await logger.startConversation({ callId: await logger.startCall({ callId: 'replicated' }) });
    await logger.logUserMessage({ conversationId, content: 'I would like a refund please' });
    await logger.flush();
    await expect.poll(callsOnReplica, { timeout: 20_000 }).toBe(1);
    expect((await logger.searchMessages({ query: 'refund' })).matches.map((m) => m.callId)).toEqual(['replicated']);
    const { code, stdout } = await cli(['calls']);
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as { rows: Array<{ id: string }> }).rows.map((r) => r.id)).toEqual(['replicated']);
    // the reads are the replica's: its connections carry the read-only application name
    const readers = await replica.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE '%read-only%'`);
    expect(readers.rows[0].n).toBeGreaterThanOrEqual(1);
  });

  it('given the replica behind (its replay paused), when a call is written, then replica reads do not show it yet, the history read from the primary does, and both agree once the replica catches up', async () => {
    await replica.query('SELECT pg_wal_replay_pause()');
    try {
      const conversationId = await logger.startConversation({ callId: await logger.startCall({ callId: 'lagging' }) });
      await logger.logUserMessage({ conversationId, content: 'where is my order' });
      await logger.flush();
      // the agent's own history: read from the primary, written a moment ago
      expect((await logger.getConversationHistory({ conversationId })).map((m) => m.content)).toEqual(['where is my order']);
      // the replica has not replayed it: statistics, search and the CLI see the store as it was
      expect(await callsOnReplica()).toBe(1);
      expect((await logger.searchMessages({ query: 'order' })).matches).toEqual([]);
      const { stdout } = await cli(['calls']);
      expect((JSON.parse(stdout) as { rows: Array<{ id: string }> }).rows.map((r) => r.id)).toEqual(['replicated']);
    } finally {
      await replica.query('SELECT pg_wal_replay_resume()');
    }
    await expect.poll(callsOnReplica, { timeout: 20_000 }).toBe(2);
    expect((await logger.searchMessages({ query: 'order' })).matches.map((m) => m.callId)).toEqual(['lagging']);
  });

  it('given a replica that does not answer, when statistics are read, then DB_UNAVAILABLE names CONVERSATION_LOG_READ_URL and writes go on', async () => {
    const port = await freePort();
    const broken = await ConversationLogger.open({
      databaseUrl: primary.url,
      readUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
      log: quietLog,
      flushIntervalMs: 5,
    });
    try {
      await expect(broken.getCallStatistics()).rejects.toMatchObject({ code: 'DB_UNAVAILABLE', field: 'CONVERSATION_LOG_READ_URL' });
      await broken.endCall(await broken.startCall({ callId: 'written-anyway' }));
      await broken.flush();
      const rows = (await (await broken.dataSource()).query(`SELECT status FROM calls WHERE id = 'written-anyway'`)) as Array<{
        status: string;
      }>;
      expect(rows).toEqual([{ status: 'completed' }]);
    } finally {
      await broken.close();
    }
  });
});
