import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { startDashboardServer, type DashboardServer } from '../../src/server/index.js';
import { describeEachBackend, openLogger } from '../support/stores.js';
import { callStarted, conversationStarted, messageAdded } from './seed.js';
import { getJson } from './support.js';

describeEachBackend('dashboard: active calls now, and stale ones', (backend) => {
  let logger: ConversationLogger;
  let server: DashboardServer;
  let base: string;

  beforeAll(async () => {
    logger = await openLogger(backend);
    const now = Date.now();
    // Given a call started 2 minutes ago that spoke a minute ago, and one started 30 h ago, silent since.
    await Promise.all([
      logger.append(callStarted('call-fresh', now - 120_000)),
      logger.append(conversationStarted('call-fresh', 'conv-fresh', now - 119_000)),
      logger.append(messageAdded('conv-fresh', 'm-fresh', 'user', 'Hello', now - 60_000)),
      logger.append(callStarted('call-silent', now - 30 * 3_600_000)),
    ]);
    server = await startDashboardServer({ logger, port: 0, pollMs: 50 });
    base = server.url.replace(/\/$/, '');
  });
  afterAll(async () => {
    await server?.close();
    await logger?.close();
  });

  it('when the overview is asked for 1 h or 24 h, then both active calls count as active now, one of them stale', async () => {
    for (const range of ['1h', '24h']) {
      const o = await getJson(`${base}/api/overview?range=${range}`);
      expect(o.activeNow).toEqual({ calls: 2, stale: 1 });
    }
  });

  it('when the calls are listed, then each carries the time of its newest event', async () => {
    const page = await getJson(`${base}/api/calls?status=active`);
    const byId = Object.fromEntries(page.rows.map((r: { id: string; lastEventAt: number; startedAt: number }) => [r.id, r]));
    expect(byId['call-fresh'].lastEventAt).toBe(byId['call-fresh'].startedAt + 60_000);
    expect(byId['call-silent'].lastEventAt).toBe(byId['call-silent'].startedAt);
  });
});
