import { afterEach, expect, it } from 'vitest';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { startDashboardServer, type DashboardServer } from '../../src/server/index.js';
import { describeEachBackend, freshDatabaseUrl, openLogger } from '../support/stores.js';

/** The dashboard says which store it reads, as the CLI does, with the password masked. */
describeEachBackend('the store the dashboard reads', (backend) => {
  let logger: ConversationLogger | undefined;
  let server: DashboardServer | undefined;
  afterEach(async () => {
    await server?.close();
    await logger?.close();
  });

  it('given a store, when any page is opened, then its header names that store and never its password', async () => {
    // given: on PostgreSQL a URL with a password (trust auth ignores it, so it opens)
    let databaseUrl = await freshDatabaseUrl(backend);
    if (backend === 'postgres') {
      const url = new URL(databaseUrl);
      url.username = 'postgres';
      url.password = 's3cret-pw';
      databaseUrl = url.toString();
    }
    logger = await openLogger(backend, { databaseUrl });
    server = await startDashboardServer({ logger, port: 0 });
    // when
    const html = await (await fetch(`${server.url}calls`)).text();
    // then
    const shown = /<span id="store"[^>]*>([^<]*)<\/span>/.exec(html)?.[1];
    if (backend === 'sqlite') expect(shown).toBe(`sqlite:${databaseUrl.slice('sqlite:'.length)}`);
    else {
      expect(shown).toContain('postgres:***@127.0.0.1:5432/');
      expect(html).not.toContain('s3cret-pw');
    }
  });
});
