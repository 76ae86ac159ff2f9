import { initializeLogger, llm, voice } from '@livekit/agents';
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { NewEvent } from '../../src/events/types.js';
import { attachConversationLog } from '../../src/plugin/attach.js';
import type { EventSink } from '../../src/store/sink.js';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { describeEachBackend, freshDatabaseUrl, openLogger } from '../support/stores.js';

// The session listener: what it copies while LiveKit waits, and when the mapping runs.

initializeLogger({ pretty: false, level: 'silent' });

const T0 = Date.UTC(2026, 10, 30, 9, 0, 0);

/** An in-memory sink that records what it is given and when flush() was asked. */
function recordingSink() {
  const events: NewEvent[] = [];
  const flushedAt: number[] = [];
  const sink: EventSink = {
    enqueue: (event) => (events.push(structuredClone(event)), true),
    append: async (event) => void events.push(structuredClone(event)),
    flush: async () => void flushedAt.push(events.length),
  };
  return { sink, events, flushedAt };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('session listener', () => {
  it('copies the event while LiveKit waits and maps it after the listener returned, from the data as emitted', async () => {
    const { sink, events } = recordingSink();
    const session = new EventEmitter();
    await attachConversationLog(session, undefined, { callId: 'call-l1', sink });
    const started = events.length;
    const message = llm.ChatMessage.create({ role: 'user', content: 'Book a table for two', createdAt: T0, transcriptConfidence: 0.93 });
    session.emit('conversation_item_added', voice.createConversationItemAddedEvent(message, T0));
    // Nothing was mapped or queued inside emit().
    expect(events.length).toBe(started);
    // Whatever touches the live message afterwards does not change what is logged.
    message.content = ['something else'];
    message.transcriptConfidence = 0.1;
    await nextTurn();
    const added = events.filter((e) => e.type === 'message_added');
    expect(added).toHaveLength(1);
    expect(added[0]!.data).toMatchObject({ role: 'user', content: 'Book a table for two', sttConfidence: 0.93, createdAt: T0 });
  });

  it('names the failing component from its live label and keeps the error text, not the live error object', async () => {
    const { sink, events } = recordingSink();
    const session = new EventEmitter();
    const log = await attachConversationLog(session, undefined, { callId: 'call-l2', sink });
    const source = { label: () => 'deepgram.STT', secret: { apiKey: 'sk-live' } };
    const error = {
      type: 'stt_error' as const,
      timestamp: T0,
      label: 'deepgram.STT',
      error: new Error('socket closed'),
      recoverable: true,
    };
    session.emit('error', { type: 'error', error, source, createdAt: T0 });
    error.error.message = 'changed later';
    // A component without a label is named by its class.
    class RealtimeSession {}
    session.emit('error', {
      type: 'error',
      error: { type: 'realtime_model_error', error: new Error('gone'), recoverable: false },
      source: new RealtimeSession(),
      createdAt: T0 + 1,
    });
    await log.flush();
    const [failure, second] = events.filter((e) => e.type === 'error_occurred');
    expect(failure!.data).toEqual({
      conversationId: log.conversationId,
      source: 'deepgram.STT',
      errorType: 'stt_error',
      message: 'socket closed',
      recoverable: true,
    });
    expect(second!.data).toMatchObject({
      source: 'RealtimeSession',
      errorType: 'realtime_model_error',
      message: 'gone',
      recoverable: false,
    });
    expect(JSON.stringify(events)).not.toContain('sk-live');
  });

  it('flush() right after an emit covers that event (the mapping runs first)', async () => {
    const { sink, events, flushedAt } = recordingSink();
    const session = new EventEmitter();
    const log = await attachConversationLog(session, undefined, { callId: 'call-l3', sink });
    session.emit('user_state_changed', voice.createUserStateChangedEvent('listening', 'speaking', T0));
    session.emit('close', voice.createCloseEvent(voice.CloseReason.USER_INITIATED, null, T0 + 5));
    await log.flush();
    // The flush was asked after the session's events were queued, not before.
    expect(flushedAt[0]).toBe(events.length);
    expect(events.map((e) => e.type)).toEqual([
      'call_started',
      'conversation_started',
      'session_event',
      'conversation_ended',
      'call_ended',
    ]);
    expect(events.at(-1)!.data).toMatchObject({ status: 'completed', reason: 'user_initiated', error: null });
  });

  it('keeps the events of several sessions emitted in one turn each in its own call, in order', async () => {
    const { sink, events } = recordingSink();
    const a = new EventEmitter();
    const b = new EventEmitter();
    await attachConversationLog(a, undefined, { callId: 'call-a', sink });
    await attachConversationLog(b, undefined, { callId: 'call-b', sink });
    for (let i = 0; i < 3; i++) {
      a.emit(
        'agent_state_changed',
        voice.createAgentStateChangedEvent(i % 2 ? 'thinking' : 'listening', i % 2 ? 'speaking' : 'thinking', T0 + i),
      );
      b.emit(
        'user_state_changed',
        voice.createUserStateChangedEvent(i % 2 ? 'speaking' : 'listening', i % 2 ? 'listening' : 'speaking', T0 + i),
      );
    }
    await nextTurn();
    const of = (callId: string) =>
      events.filter((e) => e.callId === callId && e.type === 'session_event').map((e) => [e.occurredAt, (e.data as { name: string }).name]);
    expect(of('call-a')).toEqual([0, 1, 2].map((i) => [T0 + i, 'agent_state_changed']));
    expect(of('call-b')).toEqual([0, 1, 2].map((i) => [T0 + i, 'user_state_changed']));
  });
});

describeEachBackend('the logger itself, right after a session closes', (backend) => {
  const endOf = async (logger: ConversationLogger, callId: string) => {
    const ds = await logger.dataSource();
    const sql =
      backend === 'postgres' ? 'SELECT status, end_reason FROM calls WHERE id = $1' : 'SELECT status, end_reason FROM calls WHERE id = ?';
    return (await ds.query(sql, [callId])) as Array<Record<string, unknown>>;
  };

  it('logger.flush() in the same turn as the close covers it (the handed-on mapping runs first)', async () => {
    const logger = await openLogger(backend);
    try {
      const session = new EventEmitter();
      await attachConversationLog(session, undefined, { callId: 'call-f1', sink: logger });
      session.emit('user_state_changed', voice.createUserStateChangedEvent('listening', 'speaking', T0));
      session.emit('close', voice.createCloseEvent(voice.CloseReason.USER_INITIATED, null, T0 + 5));
      await logger.flush();
      expect(await endOf(logger, 'call-f1')).toEqual([{ status: 'completed', end_reason: 'user_initiated' }]);
    } finally {
      await logger.close();
    }
  });

  it('logger.close() in the same turn as the close writes it before the store closes', async () => {
    const url = await freshDatabaseUrl(backend);
    const logger = await openLogger(backend, { databaseUrl: url });
    const session = new EventEmitter();
    await attachConversationLog(session, undefined, { callId: 'call-f2', sink: logger });
    session.emit('close', voice.createCloseEvent(voice.CloseReason.USER_INITIATED, null, T0 + 5));
    await logger.close();
    const reopened = await openLogger(backend, { databaseUrl: url });
    try {
      expect(await endOf(reopened, 'call-f2')).toEqual([{ status: 'completed', end_reason: 'user_initiated' }]);
    } finally {
      await reopened.close();
    }
  });
});
