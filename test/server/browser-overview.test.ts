import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { startDashboardServer, type DashboardServer } from '../../src/server/index.js';
import { skipWithout } from '../support/requirements.js';
import { launchChromium } from '../support/browser.js';
import { describeEachBackend, openLogger } from '../support/stores.js';
import { seedStore, type Seeded } from './seed.js';

/**
 * What a LiveKit developer looks for first on the overview and the call page: figures that link
 * to the calls behind them, the slowest turns, why calls ended, agents, models, tools and
 * interruptions, each call on one timeline with its own latency — and empty states that say
 * what to do. Headless Chromium on both backends.
 */
const search = (p: Page) => p.evaluate(() => (globalThis as unknown as { location: { search: string; hash: string } }).location);

describe.skipIf(skipWithout('chromium'))('needs Chromium', () =>
  describeEachBackend('dashboard overview and call page', (backend) => {
    let logger: ConversationLogger;
    let empty: ConversationLogger;
    let server: DashboardServer;
    let emptyServer: DashboardServer;
    let seeded: Seeded;
    let browser: Browser;
    let page: Page;
    const problems: string[] = [];

    beforeAll(async () => {
      logger = await openLogger(backend);
      seeded = await seedStore(logger);
      const conversationId = (
        (await (await logger.dataSource()).query(`SELECT id FROM conversations WHERE call_id = '${seeded.xssCallId}'`)) as Array<{
          id: string;
        }>
      )[0]!.id;
      await logger.recordQuality({ conversationId, relevanceScore: 4, satisfactionScore: 5 });
      empty = await openLogger(backend);
      server = await startDashboardServer({ logger, port: 0 });
      emptyServer = await startDashboardServer({ logger: empty, port: 0 });
      browser = await launchChromium();
      page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      await server?.close();
      await emptyServer?.close();
      await logger?.close();
      await empty?.close();
    });

    it('given a store, when the overview opens, then its panels show the slowest turns, end reasons, agents, models, tools and p99/max per stage', async () => {
      await page.goto(`${server.url}?range=24h`);
      const slowest = page.getByTestId('slowest-turns').locator('tbody tr');
      await slowest.first().waitFor();
      // the slowest turn first: the hostile call's 2350 ms reply
      expect(await slowest.first().locator('a').textContent()).toBe(seeded.xssCallId);
      const latencies = (await slowest.locator('td:first-child').allTextContents()).map((t) =>
        t.endsWith(' s') ? parseFloat(t) * 1000 : parseFloat(t),
      );
      expect(latencies).toEqual([...latencies].sort((a, b) => b - a));
      expect(await page.getByTestId('stage-table').locator('thead th').allTextContents()).toEqual([
        'Stage',
        'p50',
        'p95',
        'p99',
        'max',
        'Turns',
      ]);
      const reasons = await page.getByTestId('end-reasons').locator('tbody tr td:first-child').allTextContents();
      expect(reasons).toContain('(still active)');
      expect(await page.getByTestId('by-agent').textContent()).toContain('support-agent');
      expect(await page.getByTestId('by-model').textContent()).toContain('gpt-4o-mini');
      expect(await page.getByTestId('tools').textContent()).toContain('lookup_order');
      expect(await page.locator('[data-card="Interruptions"] .value').textContent()).toMatch(/^\d+(\.\d)?%$/);
    });

    it('given the overview, when a figure or a slowest turn is clicked, then it opens the calls behind it, or that turn, marked', async () => {
      await page.goto(`${server.url}?range=24h`);
      await page.locator('[data-card="Success rate"]').click();
      await expect.poll(async () => (await search(page)).search).toBe('?since=24h&status=failed');
      const table = page.getByTestId('calls-table');
      await expect.poll(() => table.locator('tbody tr').count()).toBeGreaterThan(0);
      expect(await table.locator('tbody .badge.failed').count()).toBe(await table.locator('tbody tr').count());
      await page.goBack();
      await page.getByTestId('slowest-turns').locator('tbody tr a').first().click();
      await expect.poll(async () => (await search(page)).hash).toMatch(/^#turn-/);
      const hash = (await search(page)).hash;
      const target = page.locator(`[id="${hash.slice(1)}"]`);
      await target.waitFor();
      expect(await target.getAttribute('class')).toContain('target');
    });

    it('given a call, when its page opens, then messages and errors share one timeline in t+ times, with its own stage latencies, tools and quality scores', async () => {
      await page.goto(`${server.url}calls/${seeded.xssCallId}`);
      const transcript = page.getByTestId('transcript');
      await transcript.waitFor();
      const whens = await transcript.locator('.when').allTextContents();
      expect(whens.length).toBeGreaterThan(4);
      expect(whens.every((w) => /^t\+\d+:\d\d(:\d\d)?$/.test(w))).toBe(true);
      // the timeline is in time order
      const secs = whens.map((w) =>
        w
          .slice(2)
          .split(':')
          .reduce((a, x) => a * 60 + Number(x), 0),
      );
      expect(secs).toEqual([...secs].sort((a, b) => a - b));
      // errors and SLA breaches sit between the messages
      expect(await transcript.locator('[data-role=event]').count()).toBeGreaterThanOrEqual(1);
      expect(await transcript.locator('[data-role=event][data-event=sla_violation]').count()).toBeGreaterThanOrEqual(1);
      const stages = page.getByTestId('call-stages');
      expect(await stages.locator('thead th').allTextContents()).toEqual(['Stage', 'p50', 'p90', 'max', 'Turns']);
      expect(await stages.locator('tbody tr', { hasText: 'End to end' }).locator('td').nth(3).textContent()).toBe('2.35 s');
      const tools = await page.getByTestId('call-tools').locator('tbody tr').allTextContents();
      expect(tools.some((t) => t.startsWith('lookup_order'))).toBe(true);
      expect(tools.some((t) => t.startsWith('upgrade_shipping') && t.includes('0%'))).toBe(true);
      expect(await page.locator('dl.kv').textContent()).toContain('relevance 4.00 (1) · satisfaction 5.00 (1)');
    });

    it('given an empty store, when the overview or the calls page opens, then they say how to record a first call', async () => {
      await page.goto(emptyServer.url);
      const hint = page.getByTestId('empty-state');
      await hint.waitFor();
      expect(await hint.textContent()).toContain('npm run demo');
      expect(await hint.textContent()).toContain('attachConversationLog(session, ctx)');
      await page.goto(`${emptyServer.url}calls`);
      const calls = page.getByTestId('calls-empty');
      await calls.waitFor();
      expect(await calls.textContent()).toContain('npm run demo');
      // and with a filter set on a store that has calls, the page says the filter matched none
      await page.goto(`${server.url}calls?room=no-such-room`);
      await page.getByTestId('calls-empty').waitFor();
      expect(await page.getByTestId('calls-empty').textContent()).toContain('No calls match these filters');
    });

    it('logged no page errors', () => {
      expect(problems).toEqual([]);
    });
  }),
);
