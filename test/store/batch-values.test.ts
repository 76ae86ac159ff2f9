import { afterEach, expect, it } from 'vitest';
import {
  createCallStartedEvent,
  createConversationStartedEvent,
  createMessageAddedEvent,
  createSystemEventLoggedEvent,
} from '../../src/events/create.js';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { packColumns } from '../../src/store/pg-columns.js';
import { describeEachBackend, openLogger } from '../support/stores.js';

/**
 * Texts a batch statement must carry unchanged: PostgreSQL's batches send each column as one
 * delimited text (see src/store/pg-columns.ts), so the characters it may pick as delimiter or
 * NULL marker, and what array literals escape, are here.
 */
const AWKWARD = [
  '',
  '\x1f',
  'a\x1eb',
  '\x1e',
  '\x1d\x1c\x1e',
  'quotes " and \\ backslash \\" {braces}, commas',
  'NULL',
  '  spaced  ',
  'ünïcödé 👋 \u2028 line',
  'tab\tnew\nline\r',
];

describeEachBackend('batch statements carry every text unchanged', (backend) => {
  let logger: ConversationLogger | undefined;
  afterEach(async () => {
    await logger?.close();
    logger = undefined;
  });

  for (const writerThread of ['inline', 'worker'] as const)
    it(`given messages and metadata holding control characters, quotes and empty strings, when one batch of the ${writerThread} writer stores them, then each reads back exactly as given`, async () => {
      // given
      logger = await openLogger(backend, { writerThread, flushIntervalMs: 60_000 });
      const callId = 'call-awkward';
      const conversationId = 'conv-awkward';
      const events = [
        createCallStartedEvent({ callId, occurredAt: 1_000, callerNumber: '\x1e+15550100' }),
        createConversationStartedEvent({ callId, conversationId, occurredAt: 1_001 }),
        ...AWKWARD.map((content, i) =>
          createMessageAddedEvent({
            callId,
            conversationId,
            messageId: `m${i}`,
            role: i % 2 === 0 ? 'user' : 'assistant',
            content,
            occurredAt: 2_000 + i,
            metadata: { text: content, i },
          }),
        ),
        createSystemEventLoggedEvent({ callId, occurredAt: 3_000, eventType: 'awkward', message: '\x1f', metadata: { s: '\x1e' } }),
      ];

      // when: every event in one batch (the flush interval is long; flush() sends them together)
      const acks = events.map((e) => logger!.append(e));
      await logger.flush();
      await Promise.all(acks);

      // then
      const history = await logger.getConversationHistory({ conversationId, limit: 100 });
      expect(history.map((m) => m.content)).toEqual(AWKWARD);
      expect(history.map((m) => m.metadata)).toEqual(AWKWARD.map((text, i) => ({ text, i })));
      const ds = await logger.dataSource();
      const [call] = (await ds.query(`SELECT caller_number FROM calls WHERE id = '${callId}'`)) as Array<{ caller_number: string }>;
      expect(call!.caller_number).toBe('\x1e+15550100');
      const [system] = (await ds.query(`SELECT message, metadata FROM system_events WHERE event_type = 'awkward'`)) as Array<{
        message: string;
        metadata: string;
      }>;
      expect(system!.message).toBe('\x1f');
      expect(JSON.parse(system!.metadata)).toEqual({ s: '\x1e' });
    });
});

it('given a column holding the first delimiter and another holding the NULL marker, when packed, then neither is used and every value splits back', () => {
  // given
  const rows = [
    ['a\x1eb', '\x1f', null],
    ['\x1d', '', 7],
  ];

  // when
  const [delimiter, marker, ...columns] = packColumns(rows);

  // then: split as PostgreSQL's string_to_array does, the first (empty) element sliced off
  expect(delimiter).not.toBe('\x1e');
  expect(delimiter).not.toBe('\x1d');
  expect(marker).not.toBe('\x1f');
  const split = columns.map((c) =>
    c
      .split(delimiter!)
      .slice(1)
      .map((v) => (v === marker ? null : v)),
  );
  expect(split).toEqual([
    ['a\x1eb', '\x1d'],
    ['\x1f', ''],
    [null, '7'],
  ]);
});
