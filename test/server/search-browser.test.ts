import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { startDashboardServer, type DashboardServer } from '../../src/server/index.js';
import { skipWithout } from '../support/requirements.js';
import { launchChromium } from '../support/browser.js';
import { describeEachBackend, openLogger } from '../support/stores.js';
import { seedStore, XSS_SCRIPT } from './seed.js';

describe.skipIf(skipWithout('chromium'))('needs Chromium', () =>
  describeEachBackend('dashboard search in Chromium', (backend) => {
    let logger: ConversationLogger;
    let server: DashboardServer;
    let browser: Browser;
    let page: Page;
    const problems: string[] = [];

    beforeAll(async () => {
      logger = await openLogger(backend);
      await seedStore(logger);
      // A long call whose one mention of "zeppelin" is its last message: far below the fold.
      const t0 = Date.now() - 3_600_000;
      await logger.startCall({ callId: 'call-long', livekitRoom: 'room-long', startedAt: t0 });
      const conversationId = await logger.startConversation({ callId: 'call-long' });
      for (let i = 0; i < 40; i++) {
        await logger.logUserMessage({ conversationId, content: `question number ${i} about the weather`, createdAt: t0 + i * 2000 + 1000 });
        await logger.logAssistantMessage({
          conversationId,
          content: `answer number ${i}: sunny`,
          processingTimeMs: 400,
          createdAt: t0 + i * 2000 + 2000,
        });
      }
      await logger.logUserMessage({ conversationId, content: 'and how about a zeppelin ride?', createdAt: t0 + 90_000 });
      server = await startDashboardServer({ logger, port: 0, pollMs: 100 });
      browser = await launchChromium();
      page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    });
    afterAll(async () => {
      await browser?.close();
      await server?.close();
      await logger?.close();
    });

    const xss = () => page.evaluate(() => (globalThis as unknown as { __xss?: unknown }).__xss);

    it('given hostile transcripts, when searched from the box, then matches show with the words marked and the hostile text as text', async () => {
      await page.goto(`${server.url}search`);
      await page.getByRole('searchbox', { name: 'Search' }).fill('order late');
      await page.getByRole('button', { name: 'Search' }).click();
      const results = page.getByTestId('search-results');
      await expect.poll(() => page.getByTestId('search-match').count()).toBe(1);
      expect(await results.locator('mark').allTextContents()).toEqual(['order', 'late']);
      expect(await results.textContent()).toContain(XSS_SCRIPT);
      expect(await results.locator('script, img').count()).toBe(0);
      expect(await page.getByRole('link', { name: 'call-xss' }).count()).toBe(1);
      expect(await xss()).toBeUndefined();
      expect(problems).toEqual([]);
    });

    it('given a match deep in a long call, when its link is followed, then the call page opens scrolled to that message, highlighted', async () => {
      await page.getByRole('searchbox', { name: 'Search' }).fill('zeppelin');
      await page.getByRole('button', { name: 'Search' }).click();
      await expect.poll(() => page.getByRole('link', { name: 'call-long' }).count()).toBe(1);
      await page.getByRole('link', { name: 'call-long' }).click();
      const target = page.locator('.msg.target');
      await target.waitFor();
      expect(await target.textContent()).toContain('zeppelin');
      await expect
        .poll(() =>
          target.evaluate((el) => {
            const r = (el as unknown as { getBoundingClientRect(): { top: number; bottom: number } }).getBoundingClientRect();
            return r.top >= 0 && r.bottom <= (globalThis as unknown as { innerHeight: number }).innerHeight;
          }),
        )
        .toBe(true);
      expect(await page.evaluate(() => (globalThis as unknown as { scrollY: number }).scrollY)).toBeGreaterThan(500);
      expect(problems).toEqual([]);
    });

    it('given a query that cannot be parsed, when searched, then the page says what to change and keeps the box', async () => {
      await page.goto(`${server.url}search?q=${encodeURIComponent('"order')}`);
      await page.getByTestId('search-error').waitFor();
      expect(await page.getByTestId('search-error').textContent()).toMatch(/closing "/);
      expect(await page.getByRole('searchbox', { name: 'Search' }).inputValue()).toBe('"order');
      // A 400 is an answer the page shows, not a script error.
      expect(problems.filter((p) => !p.includes('400'))).toEqual([]);
    });
  }),
);
