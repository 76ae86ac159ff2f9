import { afterAll, beforeAll, expect, it } from 'vitest';
import { isConversationLogError } from '../../src/errors.js';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { costByModelAndDay } from '../../src/queries/analytics.js';
import { getCallStatistics } from '../../src/queries/statistics.js';
import { describeEachBackend, openLogger } from '../support/stores.js';

/** The error a call threw (sync or async), or undefined. */
async function thrown(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
    return undefined;
  } catch (error) {
    return error;
  }
}

describeEachBackend('numbers the store cannot keep exactly', (backend) => {
  let logger: ConversationLogger;
  let conversationId: string;

  beforeAll(async () => {
    logger = await openLogger(backend);
    const callId = await logger.startCall({ callId: 'numbers' });
    conversationId = await logger.startConversation({ callId });
  });
  afterAll(() => logger?.close());

  it('given -0 as a number or inside metadata, then INVALID_ARGUMENT names the field and nothing is written', async () => {
    const cases: [string, () => unknown][] = [
      ['processingTimeMs', () => logger.logAssistantMessage({ conversationId, content: 'x', processingTimeMs: -0 })],
      ['sttConfidence', () => logger.logUserMessage({ conversationId, content: 'x', sttConfidence: -0 })],
      ['metadata.score', () => logger.logUserMessage({ conversationId, content: 'x', metadata: { score: -0 } })],
      ['metadata.list[1]', () => logger.logUserMessage({ conversationId, content: 'x', metadata: { list: [1, -0] } })],
    ];
    for (const [field, call] of cases) {
      const error = await thrown(call);
      expect(isConversationLogError(error) && error.code, field).toBe('INVALID_ARGUMENT');
      expect((error as Error).message, field).toContain(field);
    }
    await logger.flush();
    const ds = await logger.dataSource();
    expect(Number((await ds.query('SELECT COUNT(*) AS n FROM messages'))[0].n)).toBe(0);
  });

  it('given a getter or Proxy inside metadata that throws, then a typed INVALID_ARGUMENT names the path', async () => {
    const getter = { ok: 1, nested: {} };
    Object.defineProperty(getter.nested, 'secret', {
      enumerable: true,
      get: () => {
        throw new RangeError('boom');
      },
    });
    const proxy = new Proxy(
      {},
      {
        ownKeys: () => {
          throw new TypeError('trap');
        },
      },
    );
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    for (const [metadata, path] of [
      [getter, 'metadata.nested.secret'],
      [{ p: proxy }, 'metadata.p'],
      [revoked.proxy, 'metadata'],
    ] as const) {
      const error = await thrown(() => logger.logEvent({ eventType: 'custom', message: 'm', metadata: metadata }));
      expect(isConversationLogError(error) && error.code).toBe('INVALID_ARGUMENT');
      expect((error as Error).message).toContain(path);
    }
  });

  it('given token totals past 2^53, then statistics and per-model costs return them exactly', async () => {
    const callId = await logger.startCall({ callId: 'tokens' });
    for (const tokens of [Number.MAX_SAFE_INTEGER, 2]) {
      const c = await logger.startConversation({ callId });
      await logger.logAssistantMessage({
        conversationId: c,
        content: 'x',
        llmModel: 'm',
        llmTokensInput: tokens,
        llmTokensOutput: tokens,
        processingTimeMs: 5,
      });
      await logger.endConversation({ conversationId: c });
    }
    await logger.flush();
    const ds = await logger.dataSource();
    const exact = (2n ** 53n + 1n).toString(); // 9007199254740993: no JavaScript number holds it
    const stats = await getCallStatistics(ds, 24);
    expect(String(stats.tokens.input)).toBe(exact);
    expect(String(stats.tokens.output)).toBe(exact);
    expect(BigInt(stats.tokens.input)).toBe(2n ** 53n + 1n);
    const byModel = (await costByModelAndDay(ds)).find((r) => r.model === 'm');
    expect(String(byModel?.tokensInput)).toBe(exact);
    // Totals that fit stay plain numbers.
    expect(stats.tokens.cachedInput).toBe(0);
  });
});
