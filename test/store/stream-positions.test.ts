import { afterEach, expect, it } from 'vitest';
import {
  createCallStartedEvent,
  createConversationStartedEvent,
  createMessageAddedEvent,
  createSystemEventLoggedEvent,
} from '../../src/events/create.js';
import { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { describeEachBackend, freshDatabaseUrl, quietLog } from '../support/stores.js';

describeEachBackend('stream positions read back from the log', (backend) => {
  const open: ConversationLogger[] = [];
  const logger = async (databaseUrl: string) => {
    const l = await ConversationLogger.open({ databaseUrl, log: quietLog, flushIntervalMs: 5, writerThread: 'inline' });
    open.push(l);
    return l;
  };
  afterEach(async () => {
    for (const l of open.splice(0)) await l.close();
  });

  it('given system events logged for a call with no row, when another process starts that call, then its events continue the stream after them, each position once', async () => {
    // given: three events of call "c-early" before it started (no calls row), and a call that never had any
    const url = await freshDatabaseUrl(backend);
    const first = await logger(url);
    for (let i = 0; i < 3; i++)
      await first.append(
        createSystemEventLoggedEvent({ callId: 'c-early', occurredAt: 1_000 + i, eventType: 'dial', message: `attempt ${i}` }),
      );
    await first.flush();

    // when: a second logger (nothing of the first in its memory) starts both calls in one batch
    const second = await logger(url);
    const acks = [
      createCallStartedEvent({ callId: 'c-early', occurredAt: 2_000 }),
      createCallStartedEvent({ callId: 'c-new', occurredAt: 2_000 }),
      createConversationStartedEvent({ callId: 'c-early', conversationId: 'conv-early', occurredAt: 2_001 }),
      createMessageAddedEvent({
        callId: 'c-early',
        conversationId: 'conv-early',
        messageId: 'm1',
        role: 'user',
        content: 'hi',
        occurredAt: 2_002,
      }),
    ].map((e) => second.append(e));
    await second.flush();
    await Promise.all(acks);

    // then
    const ds = await second.dataSource();
    const rows = (await ds.query(
      `SELECT call_id, stream_position, type FROM events WHERE call_id IS NOT NULL ORDER BY position`,
    )) as Array<{
      call_id: string;
      stream_position: number;
      type: string;
    }>;
    const streams = (call: string) => rows.filter((r) => r.call_id === call).map((r) => [Number(r.stream_position), r.type]);
    expect(streams('c-early')).toEqual([
      [1, 'system_event_logged'],
      [2, 'system_event_logged'],
      [3, 'system_event_logged'],
      [4, 'call_started'],
      [5, 'conversation_started'],
      [6, 'message_added'],
    ]);
    expect(streams('c-new')).toEqual([[1, 'call_started']]);
  });
});
