import Database from 'better-sqlite3';
import { DataSource } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteEntitySchema1796256000600 } from '../../migrations/1796256000600-sqlite-entity-schema.js';
import { MIGRATIONS } from '../../migrations/index.js';
import { createAnalysisCompletedEvent, createRecordingAvailableEvent, createTurnCompletedEvent } from '../../src/events/create.js';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { initDatabase, MIGRATIONS_TABLE } from '../../src/store/data-source.js';
import { MigrationManager } from '../../src/store/migration-manager.js';
import { freshDatabaseUrl, openLogger, quietLog } from '../support/stores.js';

const DAY = 86_400_000;
/** The migration under test, and it with every later one: what a store of the previous release has yet to run. */
const AT = MIGRATIONS.indexOf(SqliteEntitySchema1796256000600);
const PENDING = MIGRATIONS.slice(AT).map((M) => {
  const name = new M().name!;
  return { name, timestamp: Number(/(\d{13})$/.exec(name)![1]) };
});

/** A SQLite store made by every migration before the one under test, as a store of the previous release is. */
async function storeBeforeLastMigration(file: string): Promise<void> {
  const ds = new DataSource({
    type: 'better-sqlite3',
    database: file,
    migrations: MIGRATIONS.slice(0, AT),
    migrationsTableName: MIGRATIONS_TABLE,
  });
  await ds.initialize();
  await ds.runMigrations({ transaction: 'all' });
  await ds.destroy();
}

/** Marks the migration under test and the later ones applied (true) or not (false) without running them. */
function markLastMigration(file: string, applied: boolean): void {
  const db = new Database(file);
  for (const m of PENDING)
    if (applied) db.prepare(`INSERT INTO ${MIGRATIONS_TABLE} (timestamp, name) VALUES (?, ?)`).run(m.timestamp, m.name);
    else db.prepare(`DELETE FROM ${MIGRATIONS_TABLE} WHERE name = ?`).run(m.name);
  db.close();
}

/** Every row of every table of the store (the FTS5 index's own tables too), by primary key; the events sequence; the indexes and views. */
function snapshot(file: string) {
  const db = new Database(file, { readonly: true });
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .pluck()
      .all() as string[];
    const rows: Record<string, unknown[]> = {};
    for (const table of tables) {
      // messages_fts is virtual: its content is the view's, its index its shadow tables'
      if (table === 'messages_fts' || table === MIGRATIONS_TABLE) continue;
      const key = (db.pragma(`table_info("${table}")`) as Array<{ name: string; pk: number }>)
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => `"${c.name}"`);
      rows[table] = db.prepare(`SELECT * FROM "${table}" ORDER BY ${key.length ? key.join(', ') : 'rowid'}`).all();
    }
    const sequence = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'").pluck().get();
    const schema = db
      .prepare("SELECT type, name, tbl_name FROM sqlite_master WHERE type IN ('index', 'view', 'trigger') ORDER BY name")
      .all();
    return { rows, sequence, schema };
  } finally {
    db.close();
  }
}

/** What a user reads back: a search, a conversation's history, the statistics. */
async function reads(logger: ConversationLogger, conversationId: string) {
  return {
    refund: await logger.searchMessages({ query: 'refund' }),
    caller: await logger.searchMessages({ query: '+15550100' }),
    history: await logger.getConversationHistory({ conversationId }),
    statistics: { ...(await logger.getCallStatistics({ hours: 24 * 365 * 100 })), since: 'the window start, from the clock' },
  };
}

/** Calls, conversations, messages, a tool call, quality, a turn, metrics, tags, an outcome, an analysis, a recording, webhook deliveries. */
async function fill(logger: ConversationLogger, now: number): Promise<string> {
  let first = '';
  for (let c = 0; c < 3; c++) {
    const callId = `call-${c}`;
    await logger.startCall({ callId, callerNumber: `+1555010${c}`, livekitRoom: `room-${c}`, metadata: { n: c }, startedAt: now + c });
    const conversationId = await logger.startConversation({ callId, aiModel: 'gpt-4o', systemPrompt: 'Be brief.' });
    if (c === 0) first = conversationId;
    await logger.logUserMessage({ conversationId, content: `I want a refund for order ${c}`, sttConfidence: 0.9, createdAt: now + 1000 });
    await logger.logAssistantMessage({
      conversationId,
      content: 'The refund is on its way',
      processingTimeMs: 900 + c,
      llmModel: 'gpt-4o',
      llmTokensInput: 10,
      llmTokensOutput: 5,
      llmCostUsd: 0.001,
      interrupted: c === 1,
      createdAt: now + 2000,
    });
    await logger.logToolCall({ conversationId, name: 'lookup', arguments: '{"id":1}', output: 'ok', durationMs: 12 });
    await logger.recordQuality({ conversationId, relevanceScore: 4, satisfactionScore: 5 });
    await logger.append(
      createTurnCompletedEvent({
        callId,
        conversationId,
        turnId: `turn-${c}`,
        startedAt: now,
        endOfTurnDelayMs: 500,
        llmTtftMs: 300,
        e2eLatencyMs: 1700,
      }),
    );
    await logger.append(
      createRecordingAvailableEvent({
        callId,
        path: `/rec/${callId}.ogg`,
        startedAt: now,
        durationMs: 5000,
        channels: 2,
        format: 'ogg/opus',
      }),
    );
    await logger.tagCall(callId, 'refund');
    await logger.setCallOutcome(callId, c === 2 ? 'fail' : 'success', 'checked');
    await logger.append(createAnalysisCompletedEvent({ callId, summary: 'Refund issued.', verdict: 'pass', costUsd: 0.01 }));
    await logger.logEvent({ eventType: 'custom', severity: 'ERROR', message: 'something', callId });
    await logger.endConversation({ conversationId, summary: 'done' });
    await logger.endCall(callId, c === 1 ? { status: 'failed', reason: 'error' } : {});
  }
  await logger.flush();
  return first;
}

describe('the migration that makes SQLite tables as the entities declare them [sqlite]', () => {
  let file: string;
  let logger: ConversationLogger | undefined;
  beforeEach(async () => {
    const url = await freshDatabaseUrl('sqlite');
    file = url.slice('sqlite:'.length);
    await storeBeforeLastMigration(file);
  });
  afterEach(async () => {
    await logger?.close();
    logger = undefined;
  });

  it('given a filled store of the previous release, when it runs, then every row, index and view is kept and reads answer as before', async () => {
    // given a store made by the earlier migrations, filled through the logger
    markLastMigration(file, true);
    const now = Date.now();
    const webhooks = [{ id: 'crm', url: 'http://127.0.0.1:9/hook', secret: 'a-webhook-secret-of-enough-length' }];
    logger = await openLogger('sqlite', { databaseUrl: `sqlite:${file}`, webhooks });
    const conversationId = await fill(logger, now);
    // an old call appended last, then deleted by retention: the log's newest positions are gone
    await logger.startCall({ callId: 'old-import', startedAt: now - 40 * DAY });
    await logger.endCall('old-import');
    await logger.flush();
    expect((await logger.cleanupOldData({ retentionDays: 30 })).calls).toBe(1);
    const readsBefore = await reads(logger, conversationId);
    await logger.close();
    logger = undefined;
    const before = snapshot(file);
    expect(Object.keys(before.rows)).toEqual(
      expect.arrayContaining(['call_analyses', 'call_tags', 'turns', 'conversation_metrics', 'webhook_deliveries']),
    );
    for (const table of [
      'events',
      'calls',
      'conversations',
      'messages',
      'turns',
      'conversation_metrics',
      'call_analyses',
      'call_tags',
      'webhook_deliveries',
    ])
      expect(before.rows[table], table).not.toHaveLength(0);
    const lastPosition = Math.max(...(before.rows['events'] as Array<{ position: number }>).map((e) => e.position));
    expect(before.sequence).toBeGreaterThan(lastPosition);

    // when the migration runs
    markLastMigration(file, false);
    logger = await openLogger('sqlite', { databaseUrl: `sqlite:${file}` });
    const ds = await logger.dataSource();

    // then TypeORM has nothing to change, the search index agrees with the messages, and reads answer as before
    expect((await ds.driver.createSchemaBuilder().log()).upQueries.map((q) => q.query)).toEqual([]);
    await ds.query("INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)");
    expect(await reads(logger, conversationId)).toEqual(readsBefore);
    // what is written afterwards gets a position never handed out before, and is found
    await logger.startCall({ callId: 'after' });
    await logger.logUserMessage({ conversationId: await logger.startConversation({ callId: 'after' }), content: 'one more refund please' });
    await logger.flush();
    const [newest] = await ds.query<Array<{ position: number }>>('SELECT MIN(position) AS position FROM events WHERE call_id = ?', [
      'after',
    ]);
    expect(newest!.position).toBeGreaterThan(before.sequence as number);
    expect((await logger.searchMessages({ query: 'refund' })).matches).toHaveLength(readsBefore.refund.matches.length + 1);
    await logger.close();
    logger = undefined;

    // and every row, index and view of before is there, as it was
    const after = snapshot(file);
    const old = (row: unknown) => (row as { call_id?: unknown }).call_id !== 'after' && (row as { id?: unknown }).id !== 'after';
    for (const [table, rows] of Object.entries(before.rows)) {
      if (table.startsWith('messages_fts')) continue; // the index's own pages: checked by integrity-check
      expect(after.rows[table]!.filter(old), table).toEqual(rows);
    }
    expect(after.schema).toEqual(before.schema);
  });

  it('given a store holding a row the entities refuse, when it runs, then it fails and leaves the store as it was', async () => {
    // given a call without an id (the earlier spelling let SQLite store a NULL primary key)
    const db = new Database(file);
    db.prepare("INSERT INTO calls (id, started_at, status) VALUES (NULL, 1, 'active'), ('kept', 2, 'active')").run();
    const schemaBefore = db.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').all();
    db.close();
    // when the migration runs
    const { dataSource } = await initDatabase({ databaseUrl: `sqlite:${file}` }, quietLog);
    try {
      const result = await new MigrationManager(dataSource).migrateToLatest();
      // then it reports why, and the store is the previous release's, every row in it
      expect(result).toMatchObject({ ok: false, error: { code: 'MIGRATION_FAILED', message: expect.stringContaining('NOT NULL') } });
      expect(await dataSource.query('SELECT type, name, sql FROM sqlite_master ORDER BY name')).toEqual(schemaBefore);
      expect(await dataSource.query('SELECT id FROM calls ORDER BY started_at')).toEqual([{ id: null }, { id: 'kept' }]);
      expect((await new MigrationManager(dataSource).getMigrationStatus()).pending).toEqual(PENDING.map((m) => m.name));
      // and its connection checks foreign keys again (TypeORM turned them off for the migration)
      expect(await dataSource.query('PRAGMA foreign_keys')).toEqual([{ foreign_keys: 1 }]);
    } finally {
      await dataSource.destroy();
    }
  });
});
