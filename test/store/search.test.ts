import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isConversationLogError } from '../../src/errors.js';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import type { SearchOptions, SearchResult } from '../../src/queries/search.js';
import { parseSearchQuery, toFts5Match, toPgTsquery } from '../../src/queries/search-query.js';
import { describeEachBackend, openLogger } from '../support/stores.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 20, 9, 0, 0);

/** Ids of the matching messages' texts, for readable expectations. */
const texts = (r: SearchResult): string[] => r.matches.map((m) => m.snippet.map((p) => p.text).join(''));
const highlighted = (r: SearchResult): string[][] => r.matches.map((m) => m.snippet.filter((p) => p.match).map((p) => p.text));

interface Fixture {
  callId: string;
  caller?: string;
  room?: string;
  agent?: string;
  release?: string;
  at: number;
  user: string[];
  assistant: string[];
  tool?: { name: string; output: string };
}

/** Calls written through the logger, each message a second after the previous one. */
async function seed(logger: ConversationLogger, calls: Fixture[]): Promise<void> {
  for (const c of calls) {
    await logger.startCall({
      callId: c.callId,
      callerNumber: c.caller ?? null,
      livekitRoom: c.room ?? null,
      agentName: c.agent ?? null,
      release: c.release ?? null,
      startedAt: c.at,
    });
    const conversationId = await logger.startConversation({ callId: c.callId });
    let t = c.at;
    for (let i = 0; i < Math.max(c.user.length, c.assistant.length); i++) {
      if (c.user[i] !== undefined) await logger.logUserMessage({ conversationId, content: c.user[i]!, createdAt: (t += 1000) });
      if (c.assistant[i] !== undefined)
        await logger.logAssistantMessage({ conversationId, content: c.assistant[i]!, processingTimeMs: 500, createdAt: (t += 1000) });
    }
    // A tool call is recorded at the time it is logged (now): newer than every fixture message.
    if (c.tool) await logger.logToolCall({ conversationId, name: c.tool.name, arguments: '{}', output: c.tool.output, durationMs: 5 });
    await logger.endCall(c.callId);
  }
}

/** The typed error a search rejects with, or null when it resolved. */
async function searchError(logger: ConversationLogger, options: SearchOptions): Promise<unknown> {
  try {
    await logger.searchMessages(options);
    return null;
  } catch (error) {
    return error;
  }
}

describeEachBackend('searchMessages', (backend) => {
  let logger: ConversationLogger;
  beforeEach(async () => {
    logger = await openLogger(backend);
  });
  afterEach(async () => {
    await logger.close();
  });

  const standard: Fixture[] = [
    {
      callId: 'call-alpha',
      caller: '+15550100',
      room: 'Support-Room-1',
      agent: 'billing-agent',
      release: 'v1',
      at: T0,
      user: ['I want a refund for my order', 'The parcel never arrived'],
      assistant: ['I can start the refund process now', 'Sorry to hear the parcel is lost'],
    },
    {
      callId: 'call-beta',
      caller: '+15550199',
      room: 'sales-room-2',
      agent: 'sales-agent',
      release: 'v2',
      at: T0 + DAY,
      user: ['Do you have a discount on refurbished phones?'],
      assistant: ['Refurbished phones are 20 percent off this week'],
      tool: { name: 'lookup_stock', output: 'refurbished stock: 14 units' },
    },
    {
      callId: 'call-gamma',
      caller: '+15550142',
      room: 'support-room-3',
      agent: 'billing-agent',
      release: 'v2',
      at: T0 + 2 * DAY,
      user: ['Please call me back about the refund', 'I will leave a voicemail otherwise'],
      assistant: ['We will call you back about the refund today'],
    },
  ];

  it('given three calls, when searching a word, then every message holding it is found, newest first, the word highlighted', async () => {
    await seed(logger, standard);
    const r = await logger.searchMessages({ query: 'refund' });
    expect(r.matches.map((m) => [m.callId, m.role])).toEqual([
      ['call-gamma', 'assistant'],
      ['call-gamma', 'user'],
      ['call-alpha', 'assistant'],
      ['call-alpha', 'user'],
    ]);
    expect(highlighted(r).every((h) => h.length > 0 && h.every((w) => w.toLowerCase() === 'refund'))).toBe(true);
    expect(r.matches[0]).toMatchObject({ callerNumber: '+15550142', livekitRoom: 'support-room-3', agentName: 'billing-agent' });
    expect(r.matches[0]!.createdAt).toBeGreaterThan(r.matches[1]!.createdAt);
    expect(r.more).toBe(false);
  });

  it('given three calls, when searching a phrase, a prefix, an exclusion and OR, then each finds exactly what it says', async () => {
    await seed(logger, standard);
    expect(texts(await logger.searchMessages({ query: '"call me back"' }))).toEqual(['Please call me back about the refund']);
    expect((await logger.searchMessages({ query: 'refurb*' })).matches.map((m) => m.role)).toEqual(['tool', 'assistant', 'user']);
    expect(texts(await logger.searchMessages({ query: 'refund -voicemail -"call me"' }))).toEqual([
      'We will call you back about the refund today',
      'I can start the refund process now',
      'I want a refund for my order',
    ]);
    expect((await logger.searchMessages({ query: 'parcel OR discount', role: 'user' })).matches.map((m) => m.callId)).toEqual([
      'call-beta',
      'call-alpha',
    ]);
    // Words in any order, all of them.
    expect(texts(await logger.searchMessages({ query: 'process refund' }))).toEqual(['I can start the refund process now']);
  });

  it('given words sharing a beginning, when searching it as a prefix, then each message is found with every such word highlighted', async () => {
    await seed(logger, [
      {
        callId: 'prefix-1',
        at: T0,
        user: ['The refund was refunded, then Refunding stopped', 'Un café, s’il vous plaît'],
        assistant: ['Nothing to see here', 'REFUNDABLE tickets only'],
      },
    ]);
    const r = await logger.searchMessages({ query: 'refund*' });
    expect(highlighted(r)).toEqual([['REFUNDABLE'], ['refund', 'refunded', 'Refunding']]);
    const ranked = await logger.searchMessages({ query: 'refund*', sort: 'rank' });
    expect(ranked.matches.map((m) => m.snippet.map((p) => p.text).join(''))).toEqual([
      'The refund was refunded, then Refunding stopped',
      'REFUNDABLE tickets only',
    ]);
    expect(ranked.matches[0]!.score).toBeGreaterThan(ranked.matches[1]!.score);
    // A prefix and a word: both highlighted; the prefix of a word with a diacritic, on SQLite without it.
    expect(highlighted(await logger.searchMessages({ query: 'refund* stopped' }))).toEqual([
      ['refund', 'refunded', 'Refunding', 'stopped'],
    ]);
    if (backend === 'sqlite') expect(highlighted(await logger.searchMessages({ query: 'cafe*' }))).toEqual([['café']]);
  });

  it('given three calls, when filtering by role, time, agent, room and release, then only matches within all filters remain', async () => {
    await seed(logger, standard);
    const calls = async (options: Omit<SearchOptions, 'query'>) =>
      (await logger.searchMessages({ query: 'refund OR refurbished', ...options })).matches.map((m) => `${m.callId}/${m.role}`);
    expect(await calls({ role: 'tool' })).toEqual(['call-beta/tool']);
    expect(await calls({ since: T0 + DAY })).toEqual([
      'call-beta/tool',
      'call-gamma/assistant',
      'call-gamma/user',
      'call-beta/assistant',
      'call-beta/user',
    ]);
    expect(await calls({ agent: 'billing-agent', role: 'user' })).toEqual(['call-gamma/user', 'call-alpha/user']);
    expect(await calls({ room: 'SUPPORT-room', until: T0 + DAY })).toEqual(['call-alpha/assistant', 'call-alpha/user']);
    expect(await calls({ room: '%' })).toEqual([]);
    expect(await calls({ release: 'v2', role: 'user' })).toEqual(['call-gamma/user', 'call-beta/user']);
    expect(await calls({ release: 'v1', agent: 'billing-agent', role: 'assistant' })).toEqual(['call-alpha/assistant']);
    expect(await calls({ release: 'v3' })).toEqual([]);
  });

  it('given three calls, when searching a caller number or a call id, then that call’s messages are found', async () => {
    await seed(logger, standard);
    const byNumber = await logger.searchMessages({ query: '+15550199' });
    expect(new Set(byNumber.matches.map((m) => m.callId))).toEqual(new Set(['call-beta']));
    expect(byNumber.matches).toHaveLength(3);
    expect(new Set((await logger.searchMessages({ query: 'call-gamma' })).matches.map((m) => m.callId))).toEqual(new Set(['call-gamma']));
    // A call id with a word narrows to that call's messages holding the word.
    expect(texts(await logger.searchMessages({ query: 'call-alpha parcel', role: 'user' }))).toEqual(['The parcel never arrived']);
  });

  it('given many matches, when sorted by rank with a limit, then the best match comes first and more says others exist', async () => {
    await seed(logger, [
      {
        callId: 'rank-1',
        at: T0,
        user: ['refund', 'a long message that mentions a refund once among many other words about shipping and delivery times'],
        assistant: ['refund refund refund'],
      },
    ]);
    const r = await logger.searchMessages({ query: 'refund', sort: 'rank', limit: 2 });
    expect(r.matches).toHaveLength(2);
    expect(r.more).toBe(true);
    expect(r.matches[0]!.score).toBeGreaterThanOrEqual(r.matches[1]!.score);
    const all = await logger.searchMessages({ query: 'refund', sort: 'rank' });
    expect(texts(all).at(-1)).toContain('shipping');
  });

  it('given text in other scripts and emoji, when searching its words, then they are found and the snippet keeps the emoji', async () => {
    await seed(logger, [
      {
        callId: 'intl',
        at: T0,
        user: ['Здравствуйте, мне нужен возврат 🙏', 'Γεια σας, θέλω επιστροφή χρημάτων', 'مرحبا أريد استرداد المبلغ'],
        assistant: ['返金の手続き を開始します 🎉', 'Café crème für München', 'नमस्ते, मुझे रिफंड चाहिए'],
      },
    ]);
    expect(texts(await logger.searchMessages({ query: 'возврат' }))).toEqual(['Здравствуйте, мне нужен возврат 🙏']);
    expect(texts(await logger.searchMessages({ query: 'ΕΠΙΣΤΡΟΦΉ' }))).toEqual(['Γεια σας, θέλω επιστροφή χρημάτων']);
    expect((await logger.searchMessages({ query: 'استرداد' })).matches).toHaveLength(1);
    expect(texts(await logger.searchMessages({ query: '返金の手続き' }))).toEqual(['返金の手続き を開始します 🎉']);
    expect((await logger.searchMessages({ query: 'münchen' })).matches).toHaveLength(1);
    // A prefix in a script with combining marks.
    expect(texts(await logger.searchMessages({ query: 'नमस्*' }))).toEqual(['नमस्ते, मुझे रिफंड चाहिए']);
    // FTS5's unicode61 drops diacritics; PostgreSQL's simple configuration keeps them.
    expect((await logger.searchMessages({ query: 'cafe' })).matches).toHaveLength(backend === 'sqlite' ? 1 : 0);
    // An emoji alone is nothing to search for: it says so.
    expect(await searchError(logger, { query: '🎉' })).toMatchObject({ code: 'INVALID_SEARCH_QUERY' });
  });

  it('given hostile queries, when searched, then each finds nothing or what its words say, or is a typed error, never SQL text', async () => {
    await seed(logger, standard);
    const hostile = [
      'refund"',
      '"refund',
      'NEAR(refund parcel)',
      'NEAR(',
      '*',
      'refund*parcel',
      '***',
      "'; DROP TABLE messages; --",
      '" OR 1=1 --',
      'refund\u0000parcel',
      'content:refund',
      '^refund',
      'refund AND NOT parcel',
      '-refund',
      'OR',
      'refund OR',
      '(refund',
      '\\',
      'x'.repeat(10_240),
      'refund '.repeat(40),
      '{call_id content}: refund',
      '$1 $2 ?',
      '\uE000refund\uE001',
    ];
    for (const query of hostile) {
      const error = await searchError(logger, { query });
      if (error === null) continue;
      expect(isConversationLogError(error), `${JSON.stringify(query.slice(0, 40))}: ${String(error)}`).toBe(true);
      expect((error as { code: string }).code).toBe('INVALID_SEARCH_QUERY');
      expect((error as Error).message).not.toMatch(/SQLITE|syntax error|fts5|tsquery|\$\d/i);
    }
    // Engine syntax in a query is words: NEAR( and column filters are not operators.
    expect(texts(await logger.searchMessages({ query: 'NEAR(refund process)' }))).toEqual([]);
    expect((await logger.searchMessages({ query: 'content:refund' })).matches).toHaveLength(0);
    expect((await logger.searchMessages({ query: 'refund\u0000process' })).matches).toHaveLength(1);
    // The store still works.
    expect((await logger.searchMessages({ query: 'refund' })).matches).toHaveLength(4);
    for (const [query, says] of [
      ['"refund', /closing "/],
      ['-refund', /Add a word/],
      ['refund OR', /ends with OR/],
      ['*', /\*/],
      ['x'.repeat(10_240), /most is 1000/],
    ] as const)
      expect(await searchError(logger, { query })).toMatchObject({ code: 'INVALID_SEARCH_QUERY', message: expect.stringMatching(says) });
  });

  it('given bad options, when searched, then each is a typed INVALID_ARGUMENT', async () => {
    expect(await searchError(logger, { query: 'refund', release: '' })).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'release' });
    for (const options of [
      { query: 'x', role: 'robot' },
      { query: 'x', limit: 0 },
      { query: 'x', limit: 1.5 },
      { query: 'x', sort: 'oldest' },
      { query: 'x', since: Number.NaN },
    ])
      expect(await searchError(logger, options as SearchOptions)).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await searchError(logger, { query: 42 } as unknown as SearchOptions)).toMatchObject({ code: 'INVALID_SEARCH_QUERY' });
  });

  it('given a message with a NUL character, when searched, then it is found by its words', async () => {
    await seed(logger, [{ callId: 'nul', at: T0, user: ['before\u0000after refund'], assistant: [] }]);
    expect((await logger.searchMessages({ query: 'after refund' })).matches.map((m) => m.callId)).toEqual(['nul']);
  });

  it('given a rebuilt store, when searched again, then the results are the same', async () => {
    await seed(logger, standard);
    const queries = ['refund', 'refurb*', '"call me back"', '+15550100', 'parcel -lost'];
    const before = await Promise.all(queries.map((query) => logger.searchMessages({ query, sort: 'rank' })));
    expect(before.every((r) => r.matches.length > 0)).toBe(true);
    await logger.rebuildProjections();
    const after = await Promise.all(queries.map((query) => logger.searchMessages({ query, sort: 'rank' })));
    expect(after).toEqual(before);
    // And what is written after the rebuild is indexed too.
    await seed(logger, [{ callId: 'later', at: T0 + 3 * DAY, user: ['refund please'], assistant: [] }]);
    expect((await logger.searchMessages({ query: 'refund' })).matches[0]!.callId).toBe('later');
  });

  it('given old and recent calls, when cleaned up, then the old calls’ messages are no longer found', async () => {
    const now = Date.now();
    await seed(logger, [
      { callId: 'old', caller: '+15550111', at: now - 40 * DAY, user: ['refund for the old order'], assistant: ['refund approved'] },
      { callId: 'new', at: now - DAY, user: ['refund for the new order'], assistant: [] },
    ]);
    expect((await logger.searchMessages({ query: 'refund' })).matches).toHaveLength(3);
    await logger.cleanupOldData({ retentionDays: 30 });
    expect((await logger.searchMessages({ query: 'refund' })).matches.map((m) => m.callId)).toEqual(['new']);
    expect((await logger.searchMessages({ query: '+15550111' })).matches).toEqual([]);
    // A rebuild after the cleanup agrees.
    await logger.rebuildProjections();
    expect((await logger.searchMessages({ query: 'refund' })).matches.map((m) => m.callId)).toEqual(['new']);
  });
});

describeEachBackend('searchMessages with redaction on', (backend) => {
  let logger: ConversationLogger;
  beforeEach(async () => {
    logger = await openLogger(backend, { redaction: { redact: true, callerNumber: 'hash', hashSalt: 'test-salt' } });
  });
  afterEach(async () => {
    await logger.close();
  });

  it('given redacted messages, when searching their original phone number or e-mail, then nothing is found; the placeholder is', async () => {
    await seed(logger, [
      {
        callId: 'redacted',
        caller: '+14155550177',
        at: T0,
        user: ['call me on +1 415 555 0177 or write to jane.doe@example.com'],
        assistant: ['noted'],
      },
    ]);
    for (const query of ['4155550177', '"415 555 0177"', '0177', 'jane.doe@example.com', 'jane', 'example*', '+14155550177'])
      expect((await logger.searchMessages({ query })).matches, query).toEqual([]);
    const r = await logger.searchMessages({ query: 'PHONE EMAIL' });
    expect(texts(r)).toHaveLength(1);
    expect(texts(r)[0]).not.toMatch(/0177|jane/);
  });
});

describe('the query language', () => {
  it('given a query, when parsed and compiled, then user text is only inside quoted strings or parameters', () => {
    const q = parseSearchQuery('refund "call me" par* -voicemail NEAR( OR x');
    expect(q).toEqual({
      all: [
        [{ kind: 'word', text: 'refund' }],
        [{ kind: 'phrase', text: 'call me' }],
        [{ kind: 'prefix', text: 'par' }],
        [
          { kind: 'word', text: 'NEAR(' },
          { kind: 'word', text: 'x' },
        ],
      ],
      exclude: [{ kind: 'word', text: 'voicemail' }],
    });
    expect(() => parseSearchQuery('x"y')).toThrow(/closing/);
    const ok = parseSearchQuery('refund "call me" par* -voicemail NEAR( OR "y"""');
    expect(toFts5Match(ok)).toBe('("refund" AND "call me" AND "par"* AND ("NEAR(" OR "y")) NOT ("voicemail")');
    const pg = toPgTsquery(ok, 'cfg', 3);
    expect(pg.params).toEqual(['refund', 'call me', 'par:*', 'NEAR(', 'y', 'voicemail']);
    expect(pg.sql).not.toMatch(/refund|voicemail|NEAR/);
  });
});

describeEachBackend('the search migration', (backend) => {
  it('given messages stored before the index existed, when the migration runs, then they are found', async () => {
    const logger = await openLogger(backend);
    try {
      // given a store with messages, its search migration undone (as a store from before it)
      await seed(logger, [
        { callId: 'before-index', caller: '+15550123', at: T0, user: ['where is my parcel'], assistant: ['on its way'] },
      ]);
      const ds = await logger.dataSource();
      await ds.undoLastMigration({ transaction: 'all' });
      // when it is applied
      expect((await (await logger.migrations()).migrateToLatest()).ok).toBe(true);
      // then what was stored before is searchable, by its words and by its caller number
      expect(texts(await logger.searchMessages({ query: 'parcel' }))).toEqual(['where is my parcel']);
      expect((await logger.searchMessages({ query: '+15550123' })).matches).toHaveLength(2);
    } finally {
      await logger.close();
    }
  });
});

describeEachBackend('the search configuration', (backend) => {
  it('given a store, when rebuilt with another text search configuration, then searches use it (PostgreSQL); SQLite refuses it', async () => {
    const logger = await openLogger(backend);
    try {
      await seed(logger, [{ callId: 'stems', at: T0, user: ['I asked for two refunds'], assistant: ['Both refunds are approved'] }]);
      expect((await logger.searchMessages({ query: 'refund' })).matches).toEqual([]);
      if (backend === 'sqlite') {
        await expect(logger.rebuildProjections(undefined, { searchConfig: 'english' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
        return;
      }
      await expect(logger.rebuildProjections(undefined, { searchConfig: 'klingon' })).rejects.toMatchObject({
        code: 'CONFIG_INVALID',
        message: expect.stringContaining('klingon'),
      });
      // The failed rebuild changed nothing.
      expect((await logger.searchMessages({ query: 'refunds' })).matches).toHaveLength(2);
      await logger.rebuildProjections(undefined, { searchConfig: 'english' });
      expect((await logger.searchMessages({ query: 'refund' })).matches).toHaveLength(2);
      // Kept in the store: what is written afterwards is indexed with it too, and a plain rebuild keeps it.
      await seed(logger, [{ callId: 'stems-2', at: T0 + DAY, user: ['refunding takes a day'], assistant: [] }]);
      await logger.rebuildProjections();
      expect((await logger.searchMessages({ query: 'refunded' })).matches.map((m) => m.callId)).toEqual(['stems-2', 'stems', 'stems']);
    } finally {
      await logger.close();
    }
  });
});

describeEachBackend('searchMessages on long messages', (backend) => {
  it('given a 2 MB message, when stored and searched, then it is stored whole and its words are found', async () => {
    const logger = await openLogger(backend);
    try {
      const words = Array.from({ length: 200_000 }, (_, i) => `w${i.toString(36)}`).join(' ');
      const content = `needle at the start ${words} haystack`;
      expect(content.length).toBeGreaterThan(1_000_000);
      await seed(logger, [{ callId: 'long', at: T0, user: [content], assistant: [] }]);
      const [history] = await logger.getConversationHistory({
        conversationId: (await (await logger.dataSource()).query(`SELECT id FROM conversations`))[0].id,
      });
      expect(history!.content).toBe(content);
      const r = await logger.searchMessages({ query: 'needle' });
      expect(r.matches.map((m) => m.callId)).toEqual(['long']);
      expect(r.matches[0]!.snippet.filter((p) => p.match).map((p) => p.text)).toEqual(['needle']);
      // SQLite indexes every word; PostgreSQL the first 100,000 characters.
      expect((await logger.searchMessages({ query: 'haystack' })).matches).toHaveLength(backend === 'sqlite' ? 1 : 0);
    } finally {
      await logger.close();
    }
  });
});
