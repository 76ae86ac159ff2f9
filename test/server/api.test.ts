import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { startDashboardServer, type DashboardServer } from '../../src/server/index.js';
import { describeEachBackend, openLogger } from '../support/stores.js';
import { callStarted, seedStore, XSS_IMG, XSS_SCRIPT, type Seeded } from './seed.js';
import { getJson, rawRequest, readSse, request } from './support.js';

describeEachBackend('dashboard server', (backend) => {
  let logger: ConversationLogger;
  let server: DashboardServer;
  let seeded: Seeded;
  let base: string;

  beforeAll(async () => {
    logger = await openLogger(backend);
    seeded = await seedStore(logger);
    server = await startDashboardServer({ logger, port: 0, pollMs: 50 });
    base = server.url.replace(/\/$/, '');
  });
  afterAll(async () => {
    await server?.close();
    await logger?.close();
  });

  it('given a seeded store, when the overview is asked for 24 h, then it counts the calls and charts them per hour', async () => {
    const o = await getJson(`${base}/api/overview?range=24h`);
    // 30 bulk calls in the last 24 h (+2 older), the hostile call, the failed call and the active call.
    expect(o.statistics.calls.total).toBe(33);
    expect(o.statistics.calls.active).toBe(1);
    expect(o.series.bucketMs).toBe(3_600_000);
    expect(o.series.buckets).toHaveLength(25); // aligned to whole hours: the partial hour 24 h ago and the current one
    expect(o.series.from % 3_600_000).toBe(0);
    const perBucket = o.series.buckets.reduce((a: number, b: { calls: { total: number } }) => a + b.calls.total, 0);
    expect(perBucket).toBe(33);
    const withLatency = o.series.buckets.filter((b: { latency: { p50Ms: number | null } }) => b.latency.p50Ms !== null);
    expect(withLatency.length).toBeGreaterThan(5);
    for (const b of withLatency) expect(b.latency.p95Ms).toBeGreaterThanOrEqual(b.latency.p50Ms);
    // The hostile call's second turn (2350 ms) broke the 1500 ms SLA; it counts once although message and turn both say so.
    expect(o.series.slaThresholdMs).toBe(1500);
    const sla = o.series.buckets.reduce((a: number, b: { slaViolations: number }) => a + b.slaViolations, 0);
    expect(sla).toBeGreaterThanOrEqual(1);
    expect(o.series.components.llmTtft.samples).toBeGreaterThan(30);
    // Costs per UTC day, up to today's; the last 24 h span two days, or only yesterday's hold
    // calls when this runs just after midnight UTC, so the costs are summed over the range.
    const DAY = 86_400_000;
    expect(o.series.costByDay.at(-1).day).toBe(Math.floor(o.series.to / DAY) * DAY);
    const sum = (key: 'llmUsd' | 'sttUsd') => o.series.costByDay.reduce((a: number, d: Record<string, number>) => a + d[key]!, 0);
    expect(sum('llmUsd')).toBeGreaterThan(0);
    expect(sum('sttUsd')).toBeGreaterThan(0);
  });

  it('when the overview covers 7 days, the costs of earlier days appear per UTC day', async () => {
    const o = await getJson(`${base}/api/overview?range=7d`);
    expect(o.series.bucketMs).toBe(6 * 3_600_000);
    expect(o.statistics.calls.total).toBe(35);
    const days = o.series.costByDay.filter((d: { totalUsd: number }) => d.totalUsd > 0);
    expect(days.length).toBeGreaterThanOrEqual(3);
  });

  it('lists calls newest first, 25 a page, with turns, cost and worst latency', async () => {
    const page1 = await getJson(`${base}/api/calls?limit=25`);
    expect(page1.total).toBe(seeded.total);
    expect(page1.rows).toHaveLength(25);
    const starts = page1.rows.map((r: { startedAt: number }) => r.startedAt);
    expect(starts).toEqual([...starts].sort((a, b) => b - a));
    const page2 = await getJson(`${base}/api/calls?limit=25&offset=25`);
    expect(page2.rows).toHaveLength(seeded.total - 25);
    const ids = new Set([...page1.rows, ...page2.rows].map((r: { id: string }) => r.id));
    expect(ids.size).toBe(seeded.total);
    const xss = page1.rows.find((r: { id: string }) => r.id === seeded.xssCallId);
    expect(xss).toMatchObject({ status: 'completed', turns: 2, worstLatencyMs: 2350, interruptions: 1, errors: 1, slaViolations: 1 });
    expect(xss.costUsd).toBeCloseTo(0.0041, 6);
    expect(xss.durationMs).toBe(95_000);
  });

  it('given a page chosen by the calls alone (newest, by duration) and one chosen by the figures (by cost), then every call shows the same turns, cost, errors and worst latency in both, and calls without a duration come last', async () => {
    const byFigures = await getJson(`${base}/api/calls?sort=cost&limit=500`);
    const figuresOf = new Map(byFigures.rows.map((r: { id: string }) => [r.id, r]));
    for (const route of ['/api/calls?limit=500', '/api/calls?sort=duration&dir=asc&limit=500', '/api/calls?status=completed&limit=500']) {
      const page = await getJson(`${base}${route}`);
      expect(page.rows.length).toBeGreaterThan(0);
      for (const row of page.rows) expect(row).toEqual(figuresOf.get(row.id));
    }
    const durations = (await getJson(`${base}/api/calls?sort=duration&dir=asc&limit=500`)).rows.map(
      (r: { durationMs: number | null }) => r.durationMs,
    );
    const known = durations.filter((d: number | null) => d !== null);
    expect(durations).toEqual([...known.sort((a: number, b: number) => a - b), ...durations.filter((d: number | null) => d === null)]);
    expect(durations.at(-1)).toBeNull(); // the active call
  });

  it('filters calls by status, room, duration, turns, cost and worst latency, and sorts them', async () => {
    const failed = await getJson(`${base}/api/calls?status=failed`);
    expect(failed.rows.map((r: { id: string }) => r.id)).toContain(seeded.failedCallId);
    expect(failed.rows.every((r: { status: string }) => r.status === 'failed')).toBe(true);
    const room = await getJson(`${base}/api/calls?room=HELPDESK-1`);
    expect(room.rows.map((r: { id: string }) => r.id)).toEqual([seeded.xssCallId]);
    const wildcard = await getJson(`${base}/api/calls?room=${encodeURIComponent('%')}`);
    expect(wildcard.total).toBe(0);
    const slow = await getJson(`${base}/api/calls?minWorstLatencyMs=2000`);
    expect(slow.rows.length).toBeGreaterThan(0);
    expect(slow.rows.every((r: { worstLatencyMs: number }) => r.worstLatencyMs >= 2000)).toBe(true);
    const long = await getJson(`${base}/api/calls?minDurationMs=90000`);
    expect(long.rows.map((r: { id: string }) => r.id)).toEqual([seeded.xssCallId]);
    const many = await getJson(`${base}/api/calls?minTurns=4`);
    expect(many.rows.every((r: { turns: number }) => r.turns >= 4)).toBe(true);
    expect(many.total).toBeGreaterThan(0);
    const pricey = await getJson(`${base}/api/calls?minCostUsd=0.004&sort=cost&dir=asc`);
    const costs = pricey.rows.map((r: { costUsd: number }) => r.costUsd);
    expect(costs.every((c: number) => c >= 0.004)).toBe(true);
    expect(costs).toEqual([...costs].sort((a, b) => a - b));
    const bad = await request(`${base}/api/calls?status=exploded`);
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error).toMatch(/status/);
  });

  it('returns one call with its transcript verbatim, tool calls, turn waterfalls, errors and raw events', async () => {
    const d = await getJson(`${base}/api/calls/${seeded.xssCallId}`);
    expect(d.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'tool', 'user', 'assistant', 'tool']);
    expect(d.messages[0].content).toContain(XSS_SCRIPT);
    expect(d.messages[1].content).toContain(XSS_IMG);
    expect(d.messages[2]).toMatchObject({ toolName: 'lookup_order', toolIsError: false });
    expect(JSON.parse(d.messages[2].toolArguments).note).toBe(XSS_IMG);
    expect(d.messages[5]).toMatchObject({ toolName: 'upgrade_shipping', toolIsError: true });
    expect(d.messages[4].interrupted).toBe(true);
    expect(d.turns).toHaveLength(2);
    expect(d.turns[0]).toMatchObject({
      assistantMessageId: 'm-xss-a1',
      endOfTurnDelayMs: 420,
      transcriptionDelayMs: 310,
      llmTtftMs: 510,
      ttsTtfbMs: 250,
      e2eLatencyMs: 1180,
      slaViolation: false,
    });
    expect(d.turns[1]).toMatchObject({ outcome: 'interrupted', slaViolation: true });
    expect(d.systemEvents.map((e: { eventType: string }) => e.eventType)).toEqual(expect.arrayContaining(['error', 'sla_violation']));
    expect(d.events[0].type).toBe('call_started');
    expect(d.events.at(-1).type).toBe('call_ended');
    expect(d.eventCount).toBe(d.events.length);
    expect(d.conversations[0].costUsd.tts).toBeCloseTo(0.0012, 8);
    const missing = await request(`${base}/api/calls/no-such-call`);
    expect(missing.status).toBe(404);
  });

  it('streams new log events over SSE by position, from any writer, without reloading', async () => {
    const { position } = await getJson(`${base}/api/health`);
    expect(position).toBeGreaterThan(0);
    const events = await readSse(
      `${base}/api/live?after=${position}`,
      (es) => es.some((e) => e.event === 'log' && JSON.parse(e.data).callId === 'call-live-new'),
      () => logger.append(callStarted('call-live-new', Date.now(), { livekitRoom: 'room-new' })),
    );
    const log = events.filter((e) => e.event === 'log');
    expect(log).toHaveLength(1);
    expect(Number(log[0]!.id)).toBeGreaterThan(position);
    expect(JSON.parse(log[0]!.data)).toMatchObject({ type: 'call_started', data: { livekitRoom: 'room-new' } });
    // Last-Event-ID resumes after the position the client saw; nothing newer → only the ready event.
    const tail = await getJson(`${base}/api/events?after=${position}`);
    expect(tail.events.map((e: { callId: string }) => e.callId)).toEqual(['call-live-new']);
  });

  it('is read-only: every method but GET and HEAD is answered 405 on every route', async () => {
    const paths = [
      '/',
      '/calls',
      '/live',
      `/calls/${seeded.xssCallId}`,
      '/api/calls',
      `/api/calls/${seeded.xssCallId}`,
      '/api/overview',
      '/api/live',
      '/api/events',
      '/assets/app.js',
      '/nope',
    ];
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT', 'PROPFIND']) {
      for (const path of paths) {
        const res = method === 'CONNECT' ? await request(`${base}${path}`, { method }) : await rawRequest(`${base}${path}`, method);
        expect([method, path, res.status]).toEqual([method, path, 405]);
        expect(res.headers['allow']).toBe('GET, HEAD');
      }
    }
    const head = await request(`${base}/api/calls`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    const after = await getJson(`${base}/api/calls?limit=1`);
    expect(after.total).toBe(seeded.total + 1); // the one call the SSE test appended, nothing else
  });

  it('sends a strict CSP and security headers on pages, assets and APIs, and serves the front end', async () => {
    for (const path of ['/', '/calls', '/assets/app.js', '/assets/app.css', '/api/health', '/nope']) {
      const res = await request(`${base}${path}`);
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toContain('unsafe-eval');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
    }
    const page = await request(`${base}/calls/${seeded.xssCallId}`);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('<script type="module" src="/assets/app.js"></script>');
    expect(page.body).not.toContain(seeded.xssCallId); // the shell carries no data
    const app = await request(`${base}/assets/app.js`);
    expect(app.headers['content-type']).toMatch(/^text\/javascript/);
    expect(app.body).toContain('renderOverview');
    expect(app.body).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    const pageModule = await request(`${base}/assets/pages/call.js`);
    expect(pageModule.status).toBe(200);
    for (const path of [
      '/assets/../server/auth.js',
      '/assets/..%2Fserver%2Fauth.js',
      '/assets/pages/../../server/auth.js',
      '/assets/dom.ts',
      '/assets/x.js',
    ]) {
      expect([path, (await request(`${base}${path}`)).status]).toEqual([path, 404]);
    }
  });

  it('answers only to loopback host names when it has no token (DNS rebinding)', async () => {
    const res = await request(`${base}/api/health`, { headers: { Host: `evil.example:${server.port}` } });
    expect(res.status).toBe(421);
    const ok = await request(`${base}/api/health`, { headers: { Host: `localhost:${server.port}` } });
    expect(ok.status).toBe(200);
  });
});

describe('dashboard server access', () => {
  const token = 'test-token-0123456789abcdef';
  let logger: ConversationLogger;
  beforeAll(async () => {
    logger = await openLogger('sqlite');
  });
  afterAll(async () => {
    await logger?.close();
  });

  it('refuses to bind a non-loopback host without a token, or with a short one', async () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.20']) {
      await expect(startDashboardServer({ logger, host, port: 0 })).rejects.toMatchObject({ code: 'CONFIG_INVALID', field: 'token' });
    }
    await expect(startDashboardServer({ logger, host: '0.0.0.0', port: 0, token: 'short' })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    });
  });

  it('with a token on 0.0.0.0: 401 without it, Bearer works, /?token= sets an HttpOnly cookie and drops the token from the URL', async () => {
    const server = await startDashboardServer({ logger, host: '0.0.0.0', port: 0, token });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      expect((await request(`${base}/api/health`)).status).toBe(401);
      expect((await request(`${base}/`)).status).toBe(401);
      expect((await request(`${base}/api/health`, { headers: { Authorization: `Bearer ${token}x` } })).status).toBe(401);
      expect((await request(`${base}/api/health`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
      expect((await request(`${base}/?token=wrong-token-0123456789`)).status).toBe(401);
      const login = await request(`${base}/calls?status=failed&token=${token}`);
      expect(login.status).toBe(303);
      expect(login.headers.location).toBe('/calls?status=failed');
      const sneaky = await rawRequest(`${base}/a/..//evil.example/?token=${token}`, 'GET');
      expect(sneaky.status).toBe(303);
      expect(sneaky.headers['location']).toBe('/');
      const cookie = String(login.headers['set-cookie']);
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Strict/);
      expect(cookie).not.toContain(token);
      const session = cookie.split(';')[0]!;
      expect((await request(`${base}/api/health`, { headers: { Cookie: session } })).status).toBe(200);
      expect((await request(`${base}/api/health`, { headers: { Cookie: session.replace(/.$/, '0') } })).status).toBe(401);
      // Still read-only with a valid session.
      expect((await request(`${base}/api/calls`, { method: 'POST', headers: { Cookie: session } })).status).toBe(405);
    } finally {
      await server.close();
    }
  });

  it('close() ends open live streams and frees the port', async () => {
    const server = await startDashboardServer({ logger, port: 0, pollMs: 20 });
    // Given a client following the live stream (its own timeout far past the test's, so only the
    // server ending the stream lets it settle)…
    let opened!: () => void;
    const ready = new Promise<void>((r) => (opened = r));
    const stream = readSse(
      `${server.url}api/live`,
      () => false,
      () => opened(),
      600_000,
    );
    await ready;
    // …when the server closes, then the stream ends (the events it got are returned, no error) and the port is free.
    await server.close();
    await expect(stream).resolves.toEqual(expect.arrayContaining([expect.objectContaining({ event: 'ready' })]));
    await expect(request(`${server.url}api/health`)).rejects.toThrow();
  });
});
