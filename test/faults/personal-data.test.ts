import { voice } from '@livekit/agents';
import fs from 'node:fs';
import path from 'node:path';
import { expect, inject, it } from 'vitest';
import { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { attachConversationLog } from '../../src/plugin/attach.js';
import { WeatherAgent, withTimeout } from '../support/livekit/session.js';
import { quietLog } from '../support/stores.js';

const PHONE = '+1 (555) 987-6543';
const CALLER = '+15551230100';
const EMAIL = 'jane.doe@example.com';
const CARD = '4111 1111 1111 1111';
// Every way the raw values could sit in the file.
const NEEDLES = [PHONE, '5559876543', '987-6543', CALLER, '5551230100', EMAIL, CARD, '4111111111111111'];

const fileBytes = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file) : Buffer.alloc(0));
const found = (dbFile: string) => {
  const bytes = Buffer.concat([fileBytes(dbFile), fileBytes(`${dbFile}-wal`), fileBytes(`${dbFile}-journal`)]);
  return NEEDLES.filter((n) => bytes.includes(Buffer.from(n, 'utf8')) || bytes.includes(Buffer.from(n, 'utf16le')));
};

it('with redaction on, no phone number, e-mail or card number reaches the SQLite file or its WAL; the file is owner-only [sqlite]', async () => {
  const dir = path.join(inject('tmpDir'), 'private', 'store');
  const file = path.join(dir, 'voice.db');
  const logger = await ConversationLogger.open({
    databaseUrl: `sqlite:${file}`,
    flushIntervalMs: 5,
    log: quietLog,
    redaction: { redact: true, callerNumber: 'hash', hashSalt: 'test-salt' },
  });
  // Through the API…
  const callId = await logger.startCall({ callId: 'pii-api', callerNumber: CALLER, metadata: { contact: EMAIL } });
  const conversationId = await logger.startConversation({ callId, systemPrompt: `Escalate to ${EMAIL}` });
  await logger.logUserMessage({ conversationId, content: `My number is ${PHONE} and my card is ${CARD}` });
  await logger.logAssistantMessage({ conversationId, content: `I will e-mail ${EMAIL}` });
  await logger.logEvent({ eventType: 'note', message: `caller gave ${PHONE}`, callId, metadata: { card: CARD } });
  await logger.endCall(callId);

  // …and through the plugin on a real AgentSession, a tool getting the card number as an argument.
  const session = new voice.AgentSession({
    llm: new voice.testing.FakeLLM([
      {
        input: `Charge my card ${CARD} please, receipt to ${EMAIL}`,
        toolCalls: [{ name: 'get_weather', args: { city: `${CARD} ${PHONE}` } }],
      },
    ]),
  });
  const log = await attachConversationLog(session, undefined, {
    callId: 'pii-plugin',
    callerNumber: CALLER,
    sink: logger,
    redaction: { redact: true, callerNumber: 'hash', hashSalt: 'test-salt' },
  });
  await session.start({ agent: new WeatherAgent() });
  await withTimeout(session.run({ userInput: `Charge my card ${CARD} please, receipt to ${EMAIL}` }).wait(), 10_000).catch(() => undefined);
  await session.close();
  await log.flush();

  const ds = await logger.dataSource();
  const messages = await ds.query(`SELECT content, tool_arguments FROM messages ORDER BY created_at`);
  expect(messages.map((m: { content: string }) => m.content)).toContain('My number is [PHONE] and my card is [CARD]');
  expect(messages.some((m: { tool_arguments: string | null }) => m.tool_arguments?.includes('[CARD] [PHONE]'))).toBe(true);
  const callers = await ds.query(`SELECT caller_number FROM calls`);
  expect(callers.map((c: { caller_number: string }) => c.caller_number)).toEqual([
    expect.stringMatching(/^sha256:/),
    expect.stringMatching(/^sha256:/),
  ]);
  expect(new Set(callers.map((c: { caller_number: string }) => c.caller_number)).size).toBe(1); // the same caller, joinable

  // The raw values are nowhere in the bytes: not in the WAL while the store is open…
  expect(fs.existsSync(`${file}-wal`)).toBe(true);
  expect(found(file)).toEqual([]);
  await logger.close();
  // …nor in the database file after the checkpoint.
  expect(found(file)).toEqual([]);

  // A control: without redaction the same search finds them (the search works).
  const plain = path.join(dir, 'plain.db');
  const control = await ConversationLogger.open({ databaseUrl: `sqlite:${plain}`, log: quietLog });
  const c = await control.startCall({ callId: 'plain', callerNumber: CALLER });
  const cv = await control.startConversation({ callId: c });
  await control.logUserMessage({ conversationId: cv, content: `My number is ${PHONE}, ${EMAIL}, ${CARD}` });
  expect(found(plain)).toEqual(expect.arrayContaining([PHONE, CALLER, EMAIL, CARD]));
  await control.close();

  // Owner-only: the directory the store made and the database file.
  expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
});
