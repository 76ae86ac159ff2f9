import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { startDashboardServer, type DashboardServer } from '../../src/server/index.js';
import { skipWithout } from '../support/requirements.js';
import { launchChromium } from '../support/browser.js';
import { describeEachBackend, freshDatabaseUrl, openLogger } from '../support/stores.js';

/** Issue 27, item 10: dot-segment call ids, a token kept out of `ps`, a bounded number of live views. */
const TOKEN = 'tok-9f3c1e7a55d0b2c4e8a1';

describeEachBackend('dashboard edges', (backend) => {
  let logger: ConversationLogger;
  let server: DashboardServer;
  beforeAll(async () => {
    logger = await openLogger(backend);
    for (const id of ['.', '..']) {
      await logger.startCall({ callId: id, livekitRoom: `room-${id === '.' ? 'dot' : 'dotdot'}` });
      await logger.endCall(id);
    }
    server = await startDashboardServer({ logger, port: 0, pollMs: 100, maxLiveClients: 2 });
  });
  afterAll(async () => {
    await server?.close();
    await logger?.close();
  });

  it.skipIf(skipWithout('chromium'))(
    'given calls with the ids "." and "..", when each is opened from the call list, then its own page shows',
    async () => {
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        for (const id of ['.', '..']) {
          await page.goto(`${server.url}calls`);
          await page.getByTestId('calls-table').getByRole('link', { name: id, exact: true }).click();
          await expect.poll(() => page.title()).toBe(`Call ${id} · convlog`);
          expect(await page.locator('dl.kv').textContent()).toContain(`room-${id === '.' ? 'dot' : 'dotdot'}`);
        }
      } finally {
        await browser.close();
      }
    },
  );

  it('given a cap of 2 live views, when a third opens, then it gets 503 with Retry-After and the first two keep streaming', async () => {
    const open = () =>
      new Promise<http.IncomingMessage>((resolve, reject) => {
        const req = http.get(`${server.url}api/live`, resolve);
        req.on('error', reject);
      });
    const a = await open();
    const b = await open();
    const c = await open();
    try {
      expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
      expect(c.statusCode).toBe(503);
      expect(c.headers['retry-after']).toBe('5');
      // one closes: a new one is let in
      a.destroy();
      await expect
        .poll(async () => {
          const d = await open();
          d.destroy();
          return d.statusCode;
        })
        .toBe(200);
    } finally {
      for (const r of [a, b, c]) r.destroy();
    }
  });
});

describe('convlog serve --token-file', () => {
  it('given the token in a file, when serve runs, then the token is not in its command line (ps) and it guards the dashboard', async () => {
    const url = await freshDatabaseUrl('sqlite');
    const seed = await openLogger('sqlite', { databaseUrl: url });
    await seed.close();
    const file = path.join(inject('tmpDir'), 'token.txt');
    fs.writeFileSync(file, `${TOKEN}\n`, { mode: 0o600 });
    const child = spawn('npx', ['tsx', 'src/cli/main.ts', 'serve', '--port', '0', '--token-file', file, '--json'], {
      env: { ...process.env, DATABASE_URL: url },
    });
    try {
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      await expect.poll(() => out.includes('\n'), { timeout: 30_000 }).toBe(true);
      const served = JSON.parse(out.split('\n')[0]!) as { url: string };
      // every process of the tree: npx, tsx and node
      const args = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
      expect(args).toContain('--token-file');
      expect(args).not.toContain(TOKEN);
      expect((await fetch(`${served.url}api/health`)).status).toBe(401);
      expect((await fetch(`${served.url}api/health`, { headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    } finally {
      child.kill('SIGINT');
    }
  }, 60_000);

  it('given an unreadable or empty token file, when serve starts, then it refuses with CONFIG_INVALID naming the flag', async () => {
    const { resolveServeOptions } = await import('../../src/server/serve-options.js');
    expect(() => resolveServeOptions({ tokenFile: '/nonexistent/token' }, {})).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', field: 'token-file' }),
    );
    const empty = path.join(inject('tmpDir'), 'empty-token.txt');
    fs.writeFileSync(empty, '\n');
    expect(() => resolveServeOptions({ tokenFile: empty }, {})).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => resolveServeOptions({ token: TOKEN, tokenFile: empty }, {})).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });
});
