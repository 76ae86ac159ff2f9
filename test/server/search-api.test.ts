import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { startDashboardServer, type DashboardServer } from '../../src/server/index.js';
import { describeEachBackend, openLogger } from '../support/stores.js';
import { seedStore, XSS_SCRIPT } from './seed.js';
import { request } from './support.js';

describeEachBackend('dashboard search API', (backend) => {
  let logger: ConversationLogger;
  let server: DashboardServer;
  let base: string;

  beforeAll(async () => {
    logger = await openLogger(backend);
    await seedStore(logger);
    server = await startDashboardServer({ logger, port: 0, pollMs: 50 });
    base = server.url.replace(/\/$/, '');
  });
  afterAll(async () => {
    await server?.close();
    await logger?.close();
  });

  it('given a seeded store, when searching a word, then the matches come as JSON with the hostile text verbatim for the page to escape', async () => {
    const r = await request(`${base}/api/search?q=${encodeURIComponent('order late')}`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    const body = JSON.parse(r.body) as {
      matches: Array<{ callId: string; messageId: string; snippet: Array<{ text: string; match: boolean }> }>;
      more: boolean;
    };
    expect(body.matches.map((m) => [m.callId, m.messageId])).toEqual([['call-xss', 'm-xss-u1']]);
    expect(body.matches[0]!.snippet.map((p) => p.text).join('')).toContain('<script>');
    expect(body.matches[0]!.snippet.filter((p) => p.match).map((p) => p.text.toLowerCase())).toEqual(['order', 'late']);
    expect(XSS_SCRIPT).toContain('<script>');
  });

  it('given filters, when searching, then they narrow the matches; a caller number finds its call', async () => {
    const byRole = JSON.parse((await request(`${base}/api/search?q=order&role=assistant&sort=rank&limit=5`)).body) as {
      matches: Array<{ role: string }>;
    };
    expect(byRole.matches.length).toBeGreaterThan(0);
    expect(byRole.matches.every((m) => m.role === 'assistant')).toBe(true);
    const byNumber = JSON.parse((await request(`${base}/api/search?q=${encodeURIComponent('+15550100')}`)).body) as {
      matches: Array<{ callId: string }>;
    };
    expect(byNumber.matches.length).toBeGreaterThan(0);
    expect(new Set(byNumber.matches.map((m) => m.callId))).toEqual(new Set(['call-xss']));
  });

  it('given a query that cannot be parsed or bad parameters, when searched, then it is a 400 saying what to change', async () => {
    for (const [path, says] of [
      [`/api/search?q=${encodeURIComponent('"order')}`, /closing "/],
      [`/api/search?q=${encodeURIComponent('-order')}`, /Add a word/],
      ['/api/search', /q .*required/],
      ['/api/search?q=order&role=robot', /role must be one of/],
      ['/api/search?q=order&sort=oldest', /sort must be one of/],
      [`/api/search?q=${'x'.repeat(1001)}`, /longer than 1000/],
    ] as const) {
      const r = await request(`${base}${path}`);
      expect(r.status, path).toBe(400);
      expect((JSON.parse(r.body) as { error: string }).error).toMatch(says);
    }
  });

  it('serves the search page (the front end renders it)', async () => {
    const r = await request(`${base}/search?q=order`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/html/);
  });
});
