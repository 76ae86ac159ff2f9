import { afterEach, beforeEach, expect, it } from 'vitest';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import type { SearchResult } from '../../src/queries/search.js';
import { MAX_PREFIX_WORDS } from '../../src/queries/search-prefix.js';
import { describeEachBackend, openLogger } from '../support/stores.js';

const T0 = Date.UTC(2026, 10, 20, 9, 0, 0);

const texts = (r: SearchResult): string[] => r.matches.map((m) => m.snippet.map((p) => p.text).join(''));
const highlighted = (r: SearchResult): string[][] => r.matches.map((m) => m.snippet.filter((p) => p.match).map((p) => p.text));

/** One call whose user says `lines`, a second apart, in this order. */
async function said(logger: ConversationLogger, callId: string, lines: string[]): Promise<void> {
  await logger.startCall({ callId, callerNumber: null, startedAt: T0 });
  const conversationId = await logger.startConversation({ callId });
  let t = T0;
  for (const content of lines) await logger.logUserMessage({ conversationId, content, createdAt: (t += 1000) });
  await logger.endCall(callId);
}

describeEachBackend('searching a prefix', (backend) => {
  let logger: ConversationLogger;
  beforeEach(async () => {
    logger = await openLogger(backend);
  });
  afterEach(async () => {
    await logger.close();
  });

  it('given words that begin alike, when a prefix is searched, excluded or written in capitals, then exactly the words it begins match', async () => {
    await said(logger, 'prefix-words', ['My order is late', 'Two orders were ordered', 'An ordinary day', 'Reorder it please']);
    // when searched: every word beginning with it, not a word that only contains it
    expect(texts(await logger.searchMessages({ query: 'order*' }))).toEqual(['Two orders were ordered', 'My order is late']);
    expect(highlighted(await logger.searchMessages({ query: 'ORDER*' }))).toEqual([['orders', 'ordered'], ['order']]);
    expect(texts(await logger.searchMessages({ query: 'ord*', sort: 'rank' })).sort()).toEqual([
      'An ordinary day',
      'My order is late',
      'Two orders were ordered',
    ]);
    // excluded: messages holding any word it begins are left out
    expect(texts(await logger.searchMessages({ query: 'day OR late OR please -order*' }))).toEqual([
      'Reorder it please',
      'An ordinary day',
    ]);
    // alternatives: a prefix OR a word
    expect(texts(await logger.searchMessages({ query: 'ordin* OR reorder' }))).toEqual(['Reorder it please', 'An ordinary day']);
    // a prefix no word begins
    expect((await logger.searchMessages({ query: 'orz*' })).matches).toEqual([]);
  });

  it('given more words beginning with a prefix than are read as words, when it is searched, then every message holding one is found', async () => {
    const lines = Array.from({ length: MAX_PREFIX_WORDS + 6 }, (_, i) => `ticket code${i} issued`);
    await said(logger, 'prefix-many', lines);
    const r = await logger.searchMessages({ query: 'code*', limit: 500 });
    expect(texts(r)).toEqual([...lines].reverse());
    expect(r.more).toBe(false);
    expect(highlighted(await logger.searchMessages({ query: 'code*', limit: 1 }))).toEqual([[`code${MAX_PREFIX_WORDS + 5}`]]);
  });
});
