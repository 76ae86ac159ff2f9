import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectLiteral } from 'typeorm';
import { entitiesFor } from '../../entities/index.js';
import type { MessageEntity } from '../../entities/message.entity.js';
import type { Row, Table } from '../../entities/table.js';
import * as TABLES from '../../entities/tables.js';
import { MESSAGES, TURNS, type MessageRow, type TurnRow } from '../../entities/tables.js';
import { createAnalysisCompletedEvent, createHeardLatencyMeasuredEvent, createTurnCompletedEvent } from '../../src/events/create.js';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { describeEachBackend, openLogger } from '../support/stores.js';

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);

/** Every table declaration of entities/tables.ts. */
const tables = Object.values(TABLES) as unknown as Array<Table<Record<string, unknown>>>;

const MESSAGE: MessageRow = {
  id: 'm1',
  conversationId: 'c1',
  callId: 'call',
  eventPosition: 7,
  role: 'user',
  content: 'hello',
  contentEncoding: null,
  createdAt: T0,
  sttConfidence: 0.9,
  processingTimeMs: null,
  llmModel: null,
  llmTokensInput: null,
  llmTokensOutput: null,
  llmCostUsd: null,
  interrupted: false,
  slaViolation: false,
  implausible: false,
  language: 'en',
  itemId: null,
  toolName: null,
  toolCallId: null,
  toolArguments: null,
  toolIsError: null,
  metadata: null,
};

describe('a table declared by its entity', () => {
  it('given a row object, when its values are taken, then they follow the entity column order, named as in the database', () => {
    expect(MESSAGES.name).toBe('messages');
    expect(MESSAGES.names.slice(0, 5)).toEqual(['id', 'conversation_id', 'call_id', 'event_position', 'role']);
    const values = MESSAGES.values(MESSAGE);
    expect(values).toHaveLength(MESSAGES.names.length);
    expect(values[MESSAGES.names.indexOf('stt_confidence')]).toBe(0.9);
    expect(values[MESSAGES.names.indexOf('language')]).toBe('en');
    expect(MESSAGES.insertSql).toBe(
      `INSERT INTO messages (${MESSAGES.names.join(', ')}) VALUES (${MESSAGES.names.map(() => '?').join(', ')})`,
    );
  });

  it('given stored values as either driver returns them, when read, then they have the entity types', () => {
    const stored = { ...Object.fromEntries(MESSAGES.names.map((n, i) => [n, MESSAGES.values(MESSAGE)[i]])) };
    // PostgreSQL: bigint as digits; SQLite: booleans as 0/1.
    const read = MESSAGES.read({
      ...stored,
      event_position: '7',
      created_at: String(T0),
      interrupted: 0,
      sla_violation: 1,
      tool_is_error: null,
    });
    expect(read).toEqual({ ...MESSAGE, slaViolation: true });
  });

  it('given a picked table, when used, then it has those columns only, in the entity order', () => {
    const picked = TURNS.pick('startedAt', 'id');
    expect(picked.names).toEqual(['id', 'started_at']);
    expect(picked.values({ startedAt: 5, id: 't' })).toEqual(['t', 5]);
    expect(TURNS.omit('callId').names).not.toContain('call_id');
  });

  it('given the compiler, when a row misses a column, has one too many or a wrong type, then it is an error', () => {
    const { id: _id, ...withoutId } = MESSAGE;
    // @ts-expect-error a row without `id`
    const missing: MessageRow = withoutId;
    // @ts-expect-error a key the entity has no column for
    const extra: MessageRow = { ...MESSAGE, notAColumn: 2 };
    // @ts-expect-error `interrupted` is a boolean column
    const wrong: MessageRow = { ...MESSAGE, interrupted: 'no' };
    // @ts-expect-error the relation `conversation` is not a column
    const relation: Row<MessageEntity> = { ...MESSAGE, conversation: undefined };
    // @ts-expect-error a turn row is not a message row
    MESSAGES.values({} as TurnRow);
    expect([missing, extra, wrong, relation]).toHaveLength(4);
  });
});

describeEachBackend('tables declared by their entities', (backend) => {
  let logger: ConversationLogger;
  beforeAll(async () => {
    logger = await openLogger(backend);
    await logger.startCall({ callId: 'call', startedAt: T0, callerNumber: '+15550100', metadata: { a: 1 } });
    const conversationId = await logger.startConversation({ callId: 'call', aiModel: 'gpt-4o' });
    await logger.logUserMessage({ conversationId, content: 'hi', sttConfidence: 0.75 });
    await logger.logAssistantMessage({ conversationId, content: 'hello', processingTimeMs: 2000, llmTokensInput: 9, interrupted: true });
    await logger.logToolCall({ conversationId, name: 'lookup', arguments: '{}', output: 'ok', durationMs: 3, isError: true });
    await logger.append(
      createTurnCompletedEvent({ callId: 'call', conversationId, turnId: 'turn', e2eLatencyMs: 1700, slaThresholdMs: 1500 }),
    );
    await logger.append(
      createHeardLatencyMeasuredEvent({
        callId: 'call',
        conversationId,
        turnId: 'turn',
        heardLatencyMs: 1800,
        userSpeechEndedAt: T0 + 1,
        agentSpeechStartedAt: T0 + 1801,
        reportedLatencyMs: 1500,
        mismatchThresholdMs: 100,
      }),
    );
    await logger.tagCall('call', 'vip');
    await logger.append(createAnalysisCompletedEvent({ callId: 'call', summary: 's', verdict: 'pass', fieldsValid: true, tokensInput: 5 }));
    await logger.endCall('call', { status: 'failed', reason: 'error' });
    await logger.flush();
  });
  afterAll(async () => {
    await logger.close();
  });

  it('given the store, when the declarations are compared with TypeORM metadata, then every column agrees in name, type and nullability', async () => {
    const ds = await logger.dataSource();
    for (const entity of entitiesFor(backend)) {
      const metadata = ds.getMetadata(entity);
      const table = tables.find((t) => t.name === metadata.tableName);
      if (metadata.tableName === 'events' || metadata.tableName === 'webhook_deliveries') continue; // store state, not projections
      expect(table, metadata.tableName).toBeDefined();
      const declared = metadata.columns.map((c) => ({ property: c.propertyName, name: c.databaseName, nullable: c.isNullable }));
      expect(table!.columns.map(({ property, name, nullable }) => ({ property, name, nullable }))).toEqual(declared);
    }
    expect(tables).toHaveLength(8);
  });

  it('given rows the projections wrote, when read with their declaration, then they equal what TypeORM hydrates', async () => {
    const ds = await logger.dataSource();
    for (const table of tables) {
      const metadata = ds.entityMetadatas.find((m) => m.tableName === table.name)!;
      const key = metadata.primaryColumns.map((c) => c.databaseName).join(', ');
      const raw: Array<Record<string, unknown>> = await ds.query(`SELECT * FROM ${table.name} ORDER BY ${key}`);
      expect(raw.length, table.name).toBeGreaterThan(0);
      const order = Object.fromEntries(metadata.primaryColumns.map((c) => [c.propertyName, 'ASC' as const]));
      const hydrated: ObjectLiteral[] = await ds.getRepository(metadata.target).find({ order });
      expect(raw.map(table.read), table.name).toEqual(hydrated.map((e) => ({ ...e })));
    }
  });

  it('given rows the projections wrote, when read, then booleans, bigints and NULLs come back as the entity types', async () => {
    const ds = await logger.dataSource();
    const messages = (await ds.query('SELECT * FROM messages ORDER BY event_position')).map(MESSAGES.read);
    expect(messages.map((m: MessageRow) => [m.role, m.interrupted, m.toolIsError, m.sttConfidence, typeof m.eventPosition])).toEqual([
      ['user', false, null, 0.75, 'number'],
      ['assistant', true, null, null, 'number'],
      ['tool', false, true, null, 'number'],
    ]);
    const [turn] = (await ds.query('SELECT * FROM turns')).map(TURNS.read);
    expect(turn).toMatchObject({ id: 'turn', slaViolation: true, heardLatencyMs: 1800, heardUserEndAt: T0 + 1, heardMismatch: true });
  });
});
