import { initializeLogger, llm, voice, type metrics } from '@livekit/agents';
import { afterEach, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { loadConfig } from '../../src/config/config.js';
import type { NewEvent } from '../../src/events/types.js';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { SessionMapper, type SessionEventLike } from '../../src/plugin/mapper.js';
import { describeEachBackend, openLogger } from '../support/stores.js';
import { createCallStartedEvent, createMessageAddedEvent, createSessionEvent } from '../../src/events/create.js';

initializeLogger({ pretty: false, level: 'silent' });

const T0 = Date.UTC(2026, 10, 25, 9, 0, 0);

/** Two calls of a LiveKit session (its own event factories), mapped with deterministic ids. */
function sessionEvents(): NewEvent[] {
  const out: NewEvent[] = [];
  for (const callId of ['call-a', 'call-b']) {
    let n = 0;
    const mapper = new SessionMapper({ callId, newId: () => `${callId}-id-${++n}` });
    const map = (e: unknown) => out.push(...mapper.map(e as SessionEventLike));
    out.push(createCallStartedEvent({ callId, occurredAt: T0, livekitRoom: `room-${callId}` }));
    for (let turn = 0; turn < 3; turn++) {
      const at = T0 + turn * 2_000;
      const speech = voice.SpeechHandle.create();
      map(voice.createSpeechCreatedEvent({ userInitiated: false, source: 'generate_reply', speechHandle: speech, createdAt: at }));
      const eou: metrics.EOUMetrics = {
        type: 'eou_metrics',
        timestamp: at,
        endOfUtteranceDelayMs: 240,
        transcriptionDelayMs: 80,
        onUserTurnCompletedDelayMs: 3,
        lastSpeakingTimeMs: at - 200,
        speechId: speech.id,
      };
      map(voice.createMetricsCollectedEvent({ metrics: eou, createdAt: at }));
      map(
        voice.createConversationItemAddedEvent(
          llm.ChatMessage.create({ role: 'user', content: `question ${turn}`, createdAt: at }),
          at + 1,
        ),
      );
      const llmMetrics: metrics.LLMMetrics = {
        type: 'llm_metrics',
        label: 'openai.LLM',
        requestId: `r-${turn}`,
        timestamp: at + 300,
        durationMs: 500,
        ttftMs: 280 + turn,
        cancelled: false,
        completionTokens: 40,
        promptTokens: 900,
        promptCachedTokens: 0,
        totalTokens: 940,
        tokensPerSecond: 80,
        speechId: speech.id,
        metadata: { modelProvider: 'openai', modelName: 'gpt-4o-mini' },
      };
      map(voice.createMetricsCollectedEvent({ metrics: llmMetrics, createdAt: at + 300 }));
      const reply = llm.ChatMessage.create({ role: 'assistant', content: `answer ${turn}`, createdAt: at + 900 });
      speech._itemAdded([reply]);
      map(voice.createConversationItemAddedEvent(reply, at + 950));
      map(voice.createAgentStateChangedEvent('speaking', 'listening', at + 1_500));
    }
    map(voice.createCloseEvent(voice.CloseReason.USER_INITIATED, null, T0 + 10_000));
  }
  return out;
}

const TABLES: Record<string, string> = {
  calls: 'id',
  conversations: 'id',
  messages: 'id',
  turns: 'id',
  conversation_metrics: 'conversation_id',
};

/** Every projection row, and the log without its writer-made ids. */
async function dump(ds: DataSource): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const [table, key] of Object.entries(TABLES)) out[table] = await ds.query(`SELECT * FROM ${table} ORDER BY ${key}`);
  out['events'] = await ds.query(`SELECT call_id, stream_position, type, occurred_at, data FROM events ORDER BY position`);
  out['system_events'] = await ds.query(
    `SELECT event_type, severity, message, call_id, conversation_id, count FROM system_events ORDER BY created_at, event_type`,
  );
  return out;
}

let loggers: ConversationLogger[] = [];
afterEach(async () => {
  await Promise.all(loggers.map((l) => l.close()));
  loggers = [];
});

describeEachBackend('writer thread', (backend) => {
  it('given the same session, when written by the worker thread and inline, then the stores hold the same rows', async () => {
    const events = sessionEvents();
    const worker = await openLogger(backend, { writerThread: 'worker' });
    const inline = await openLogger(backend, { writerThread: 'inline' });
    loggers.push(worker, inline);
    for (const e of events) {
      expect(worker.enqueue(e)).toBe(true);
      expect(inline.enqueue(e)).toBe(true);
    }
    await Promise.all([worker.flush(), inline.flush()]);
    expect(worker.getWriterStats()).toMatchObject({ appended: events.length, rejected: 0 });
    expect(inline.getWriterStats()).toMatchObject({ appended: events.length, rejected: 0 });
    const fromWorker = await dump(await worker.dataSource());
    expect(fromWorker['messages']).toHaveLength(12);
    expect(fromWorker['turns']).toHaveLength(6);
    expect(await dump(await inline.dataSource())).toEqual(fromWorker);
  });

  it('given a rejected event, when written by the worker thread, then the caller gets the typed error from the other thread', async () => {
    const logger = await openLogger(backend, { writerThread: 'worker' });
    loggers.push(logger);
    await expect(logger.endCall('no-such-call')).rejects.toMatchObject({
      name: 'ConversationLogError',
      code: 'UNKNOWN_CALL',
      field: 'callId',
    });
    await logger.startCall({ callId: 'c' });
    await expect(logger.startCall({ callId: 'c' })).rejects.toMatchObject({ code: 'DUPLICATE_CALL' });
  });

  it('given a batch of 1,200 events, when appended, then log positions follow enqueue order and projections point at them', async () => {
    const logger = await openLogger(backend, { batchSize: 2_500, flushIntervalMs: 50 });
    loggers.push(logger);
    await logger.startCall({ callId: 'big' });
    const conversationId = await logger.startConversation({ callId: 'big' });
    const sent: string[] = [];
    for (let i = 0; i < 1_200; i++) {
      const e: NewEvent =
        i % 4 === 0
          ? createMessageAddedEvent({
              occurredAt: T0 + i,
              messageId: `m-${i}`,
              conversationId,
              role: 'user',
              content: `line ${i}`,
              createdAt: T0 + i,
            })
          : createSessionEvent({ callId: 'big', occurredAt: T0 + i, conversationId, name: 'agent_state_changed', payload: { i } });
      sent.push(JSON.stringify(e.data));
      logger.enqueue(e);
    }
    await logger.flush();
    const ds = await logger.dataSource();
    const log = (await ds.query(
      `SELECT position, event_id, stream_position, type, data FROM events WHERE call_id = 'big' ORDER BY position`,
    )) as Array<{
      position: unknown;
      event_id: string;
      stream_position: unknown;
      type: string;
      data: string;
    }>;
    const appended = log.slice(2); // call_started, conversation_started
    expect(appended.map((r) => r.data)).toEqual(sent);
    expect(log.map((r) => Number(r.stream_position))).toEqual(log.map((_, i) => i + 1));
    // Event ids grow with the log: time-ordered UUIDv7s.
    expect(log.every((r, i) => i === 0 || r.event_id > log[i - 1]!.event_id)).toBe(true);
    expect(log.every((r) => /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(r.event_id))).toBe(true);
    const messages = (await ds.query(`SELECT id, event_position FROM messages ORDER BY event_position`)) as Array<{
      id: string;
      event_position: unknown;
    }>;
    expect(messages).toHaveLength(300);
    const byPosition = new Map(log.map((r) => [Number(r.position), r]));
    for (const m of messages) {
      const event = byPosition.get(Number(m.event_position));
      expect(event?.type).toBe('message_added');
      expect((JSON.parse(event!.data) as { messageId: string }).messageId).toBe(m.id);
    }
  });
});

describeEachBackend('writer thread, two batches in flight', (backend) => {
  it('given a batch the database refuses with the next already handed over, then the next is committed only after it, in enqueue order', async () => {
    const logger = await openLogger(backend, { writerThread: 'worker', batchSize: 40, flushIntervalMs: 1_000 });
    loggers.push(logger);
    await logger.startCall({ callId: 'order' });
    const conversationId = await logger.startConversation({ callId: 'order' });
    const message = (i: number, messageId: string): NewEvent =>
      createMessageAddedEvent({
        callId: 'order',
        occurredAt: T0 + i,
        messageId,
        conversationId,
        role: 'user',
        content: `line ${i}`,
        createdAt: T0 + i,
        metadata: { seq: i },
      });
    // 400 events at once: full batches of 40, each handed over while the one before it runs.
    // Event 130 reuses the message id of event 5: the database refuses it (messages.id is
    // unique), so its batch fails and is written again event by event, while the batch behind
    // it has already been handed over to the writer thread.
    for (let i = 0; i < 400; i++) expect(logger.enqueue(message(i, i === 130 ? 'm-5' : `m-${i}`))).toBe(true);
    await logger.flush();
    expect(logger.getWriterStats()).toMatchObject({ appended: 2 + 399, rejected: 1, failedFlushes: 1 });
    const ds = await logger.dataSource();
    const log = (await ds.query(
      `SELECT position, stream_position, data FROM events WHERE type = 'message_added' ORDER BY position`,
    )) as Array<{
      stream_position: unknown;
      data: string;
    }>;
    const seqs = log.map((r) => (JSON.parse(r.data) as { metadata: { seq: number } }).metadata.seq);
    expect(seqs).toEqual([...Array(400).keys()].filter((i) => i !== 130));
    expect(log.map((r) => Number(r.stream_position))).toEqual(log.map((_, i) => i + 3));
    const counted = (await ds.query(`SELECT COUNT(*) AS n FROM messages`)) as Array<{ n: unknown }>;
    expect(Number(counted[0]?.n)).toBe(399);
  });
});

describe('writer thread configuration', () => {
  it('defaults to the worker thread, and to inline for an in-memory SQLite database a second thread cannot open', () => {
    expect(loadConfig({}, {}).writerThread).toBe('worker');
    expect(loadConfig({}, { DATABASE_URL: 'postgres://u@db:5432/x' }).writerThread).toBe('worker');
    expect(loadConfig({}, { DATABASE_URL: 'sqlite::memory:' }).writerThread).toBe('inline');
    expect(loadConfig({}, { CONVERSATION_LOG_WRITER: 'inline' }).writerThread).toBe('inline');
  });

  it.each([
    [{ CONVERSATION_LOG_WRITER: 'thread' }, {}, 'CONVERSATION_LOG_WRITER'],
    [{ DATABASE_URL: 'sqlite::memory:', CONVERSATION_LOG_WRITER: 'worker' }, {}, 'CONVERSATION_LOG_WRITER'],
    [{}, { writerNice: 20 }, 'writerNice'],
    [{}, { writerNice: 2.5 }, 'writerNice'],
  ])('rejects %o %o naming %s', (env, overrides, field) => {
    expect(() => loadConfig(overrides, env)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', field }));
  });

  it('writes an in-memory store inline', async () => {
    const logger = await openLogger('sqlite', { databaseUrl: 'sqlite::memory:' });
    loggers.push(logger);
    await logger.startCall({ callId: 'mem' });
    expect(logger.config.writerThread).toBe('inline');
    expect(await (await logger.dataSource()).query(`SELECT id FROM calls`)).toEqual([{ id: 'mem' }]);
  });
});
