import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { describeEachBackend, freshDatabaseUrl, openLogger } from '../support/stores.js';

/** One number per field, each in a format of its own, so a miss names the field. */
const FIELDS = {
  callerNumber: '+1 (415) 555-0100',
  room: 'call-+1 (415) 555-0100',
  callAgentName: 'agent 415.555.0101',
  conversationAgentName: 'agent-4155550102',
  aiModel: 'model+14155550103',
  llmModel: 'llm (415) 555-0104',
  language: 'lang 415 555 0105',
  toolName: 'lookup_4155550106',
  toolCallId: 'call_+1-415-555-0107',
  eventType: 'callback 415-555-0108',
  component: 'ivr 4155550109',
  metadataKey: '+1 415 555 0110',
  spacedDashes: '415 - 555 - 0177',
  fullWidth: '４１５５５５０１７８',
  extension: '+1-415-555-0181x22',
} as const;

/** Every form in which a number could sit in the store: as written, its digits, and its last seven. */
const needles = (v: string): string[] => {
  const digits = v.normalize('NFKC').replace(/\D/g, '');
  return [v, digits, digits.slice(-7), ...(v === FIELDS.extension ? ['x22'] : [])];
};

describeEachBackend('redact: true covers every field that can hold a number', (backend) => {
  let logger: ConversationLogger;
  let url: string;
  let callerStored: unknown;

  beforeAll(async () => {
    url = await freshDatabaseUrl(backend);
    logger = await openLogger(backend, { databaseUrl: url, redaction: { redact: true } });
    const callId = await logger.startCall({
      callId: 'redact-fields',
      callerNumber: FIELDS.callerNumber,
      livekitRoom: FIELDS.room,
      agentName: FIELDS.callAgentName,
      metadata: { [FIELDS.metadataKey]: 'vip' },
    });
    const conversationId = await logger.startConversation({ callId, aiModel: FIELDS.aiModel, agentName: FIELDS.conversationAgentName });
    await logger.logUserMessage({ conversationId, content: `call me on ${FIELDS.spacedDashes}`, language: FIELDS.language });
    await logger.logUserMessage({ conversationId, content: `or ${FIELDS.fullWidth}` });
    await logger.logUserMessage({ conversationId, content: `office ${FIELDS.extension} please` });
    await logger.logAssistantMessage({ conversationId, content: 'sure', llmModel: FIELDS.llmModel, processingTimeMs: 5 });
    await logger.logToolCall({ conversationId, name: FIELDS.toolName, toolCallId: FIELDS.toolCallId, arguments: '{}', output: 'ok' });
    await logger.logEvent({ eventType: FIELDS.eventType, message: 'noted', component: FIELDS.component, callId, conversationId });
    await logger.endConversation({ conversationId });
    await logger.endCall(callId);
    await logger.flush();
    const ds = await logger.dataSource();
    callerStored = (await ds.query("SELECT caller_number FROM calls WHERE id = 'redact-fields'"))[0]?.caller_number;
  });
  afterAll(() => logger?.close());

  /** The bytes the store holds: the SQLite file and its WAL, or every PostgreSQL row as text. */
  async function storeText(): Promise<Buffer> {
    if (backend === 'sqlite') {
      const file = url.slice('sqlite:'.length);
      const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f) : Buffer.alloc(0));
      return Buffer.concat([read(file), read(`${file}-wal`)]);
    }
    const ds = await logger.dataSource();
    const tables = ['events', 'calls', 'conversations', 'messages', 'turns', 'system_events', 'conversation_metrics'];
    const rows: string[] = [];
    for (const t of tables) for (const r of await ds.query(`SELECT row_to_json(t)::text AS j FROM ${t} t`)) rows.push(r.j);
    return Buffer.from(rows.join('\n'), 'utf8');
  }

  it('given redact: true and nothing else, then the caller number is stored hashed', () => {
    expect(String(callerStored)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('given numbers in every field, then none of them reaches the store in any form', async () => {
    const bytes = await storeText();
    const leaked = Object.entries(FIELDS).flatMap(([field, v]) =>
      needles(v)
        .filter(
          (n) =>
            bytes.includes(Buffer.from(n, 'utf8')) ||
            (backend === 'postgres' && bytes.includes(Buffer.from(JSON.stringify(n).slice(1, -1)))),
        )
        .map((n) => `${field}: ${n}`),
    );
    expect(leaked).toEqual([]);
  });
});
