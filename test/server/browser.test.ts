import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { startDashboardServer, type DashboardServer } from '../../src/server/index.js';
import { skipWithout } from '../support/requirements.js';
import { launchChromium } from '../support/browser.js';
import { describeEachBackend, openLogger } from '../support/stores.js';
import { callStarted, conversationStarted, messageAdded, seedStore, XSS_IMG, XSS_SCRIPT, type Seeded } from './seed.js';

/**
 * End to end in headless Chromium (Debian's `chromium`, driven by playwright-core): each page of
 * the dashboard on a seeded store, checked for what a person sees, for hostile text staying
 * text, and for console errors (a CSP violation is one). Screenshots go to test/artifacts/.
 */
const ARTIFACTS = path.resolve('test/artifacts/server');

describe.skipIf(skipWithout('chromium'))('needs Chromium', () =>
  describeEachBackend('dashboard in Chromium', (backend) => {
    let logger: ConversationLogger;
    let server: DashboardServer;
    let seeded: Seeded;
    let browser: Browser;
    let page: Page;
    const problems: string[] = [];

    beforeAll(async () => {
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      logger = await openLogger(backend);
      seeded = await seedStore(logger);
      server = await startDashboardServer({ logger, port: 0, pollMs: 100 });
      browser = await launchChromium();
      const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
      page = await context.newPage();
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

    const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${backend}-${name}.png`), fullPage: true });
    const xss = () => page.evaluate(() => (globalThis as unknown as { __xss?: unknown }).__xss);

    it('Overview: figures, five charts and a stage table for the chosen range', async () => {
      await page.goto(`${server.url}?range=24h`);
      await page.locator('[data-chart]').first().waitFor();
      await expect.poll(() => page.locator('[data-chart]').count()).toBe(5);
      expect(await page.title()).toBe('Overview · convlog');
      const cards = page.locator('.card');
      await expect.poll(() => cards.filter({ hasText: 'Calls' }).first().locator('.value').textContent()).toBe('33');
      expect(await page.getByRole('heading', { name: 'Calls per hour' }).count()).toBe(1);
      expect(await page.getByRole('heading', { name: 'End-to-end latency (p50 / p95)' }).count()).toBe(1);
      expect(await page.getByRole('heading', { name: 'Cost per day by component (UTC days)' }).count()).toBe(1);
      // drawn by the vendored uPlot, on canvas, each with its legend; the latency chart has the SLA line
      await expect.poll(() => page.locator('[data-chart] .uplot canvas').count()).toBe(5);
      const latency = page.locator('[data-chart]').nth(2);
      expect(await latency.locator('.u-legend').textContent()).toContain('SLA 1.50 s');
      expect(await latency.locator('.u-legend').textContent()).toContain('p95');
      expect(await page.locator('[aria-label="Time range"] a.active').textContent()).toBe('Last 24h');
      await shot('overview');
      await page.getByRole('link', { name: 'Last 7d' }).click();
      await expect.poll(() => page.locator('[aria-label="Time range"] a.active').textContent()).toBe('Last 7d');
      await expect.poll(() => page.getByRole('heading', { name: 'Calls per 6 hours' }).count()).toBe(1);
      expect(await xss()).toBeUndefined();
    });

    const ticksOf = async (p: Page, axis: 'x' | 'y'): Promise<string[][]> =>
      p.locator('[data-chart]').evaluateAll((els, a) => els.map((e) => (e.getAttribute(`data-${a}-ticks`) ?? '').split('|')), axis);

    for (const width of [1400, 400]) {
      it(`Overview axes at ${width} px: 7 and 30 days read by the day, counts whole, one unit per axis, UTC or local, no sideways scroll`, async () => {
        const context = await browser.newContext({ viewport: { width, height: 900 } });
        const p = await context.newPage();
        p.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
        try {
          for (const range of ['7d', '30d'] as const) {
            await p.goto(`${server.url}?range=${range}`);
            await expect.poll(() => p.locator('[data-chart] .uplot canvas').count()).toBe(5);
            await expect.poll(async () => (await ticksOf(p, 'x')).every((t) => t.length >= 2 && t[0] !== '')).toBe(true);
            for (const labels of await ticksOf(p, 'x')) {
              // every tick its own day ("Nov 27"), in order, none repeated, never a bare 00:00
              expect(labels.every((l) => /^[A-Z][a-z]{2} \d{1,2}$/.test(l))).toBe(true);
              expect(new Set(labels).size).toBe(labels.length);
            }
            const [calls, rate, latencyTicks, sla, cost] = await ticksOf(p, 'y');
            for (const counts of [calls!, sla!]) {
              expect(counts.every((l) => /^\d[\d,]*$/.test(l))).toBe(true);
              expect(new Set(counts).size).toBe(counts.length);
            }
            expect(rate!.every((l) => /^\d+%$/.test(l))).toBe(true);
            // one unit per axis
            const units = new Set(latencyTicks!.map((l) => l.replace(/^[\d.]+ /, '')));
            expect(units.size).toBe(1);
            const decimals = new Set(cost!.map((l) => /\.(\d+)$/.exec(l)?.[1]?.length ?? 0));
            expect(decimals.size).toBe(1);
            expect(await p.locator('figcaption.tz').first().textContent()).toBe('Times in UTC');
            await p.screenshot({ path: path.join(ARTIFACTS, `${backend}-overview-${range}-${width}.png`), fullPage: true });
            expect(
              await p.evaluate(
                () =>
                  (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement
                    .scrollWidth,
              ),
            ).toBeLessThanOrEqual(width);
          }
          // the browser's own zone is one click away, and kept in the URL
          await p.getByRole('link', { name: 'Local time' }).click();
          await expect
            .poll(() => p.evaluate(() => (globalThis as unknown as { location: { search: string } }).location.search))
            .toContain('tz=local');
          await expect.poll(() => p.locator('figcaption.tz').first().textContent()).toMatch(/^Times in local time \(.+\)$/);
          await p.getByRole('link', { name: 'Last 24h' }).click();
          await expect
            .poll(() => p.evaluate(() => (globalThis as unknown as { location: { search: string } }).location.search))
            .toBe('?range=24h&tz=local');
        } finally {
          await context.close();
        }
      });
    }

    it('Calls: a paginated table, filters and sorting', async () => {
      await page.getByRole('navigation').getByRole('link', { name: 'Calls' }).click();
      const table = page.getByTestId('calls-table');
      await table.waitFor();
      await expect.poll(() => table.locator('tbody tr').count()).toBe(25);
      expect(await page.getByTestId('pager-status').textContent()).toBe(`1–25 of ${seeded.total} · page 1 of 2`);
      await shot('calls');
      await page.getByRole('link', { name: 'Next →' }).click();
      await expect.poll(() => page.getByTestId('pager-status').textContent()).toBe(`26–${seeded.total} of ${seeded.total} · page 2 of 2`);
      await page.locator('select[name=status]').selectOption('failed');
      await page.getByRole('button', { name: 'Filter' }).click();
      await expect
        .poll(() => page.evaluate(() => (globalThis as unknown as { location: { search: string } }).location.search))
        .toBe('?status=failed');
      await expect
        .poll(async () => (await table.locator('tbody .badge.failed').count()) === (await table.locator('tbody tr').count()))
        .toBe(true);
      expect(await table.getByRole('link', { name: seeded.failedCallId }).count()).toBe(1);
      const search = () => page.evaluate(() => (globalThis as unknown as { location: { search: string } }).location.search);
      await page.getByRole('link', { name: 'Reset' }).click();
      // The reset page renders a fresh form: type into it only once it shows the unfiltered list.
      await expect.poll(search).toBe('');
      await expect.poll(() => table.locator('tbody tr').count()).toBe(25);
      await expect.poll(() => page.locator('select[name=status]').inputValue()).toBe('');
      await page.locator('input[name=room]').fill('helpdesk');
      await page.getByRole('button', { name: 'Filter' }).click();
      await expect.poll(search).toBe('?room=helpdesk');
      await expect.poll(() => table.locator('tbody tr').count()).toBe(1);
      await page.getByRole('link', { name: 'Reset' }).click();
      await page.getByRole('link', { name: 'Worst latency' }).click();
      await expect.poll(() => table.locator('tbody tr').first().locator('td').nth(1).textContent()).toBe(seeded.xssCallId);
      expect(await xss()).toBeUndefined();
    });

    it('One call: the transcript as a chat with waterfalls, tool calls, interruptions, errors and the event log — hostile text stays text', async () => {
      await page.getByRole('link', { name: seeded.xssCallId }).click();
      const transcript = page.getByTestId('transcript');
      await transcript.waitFor();
      expect(await page.title()).toBe(`Call ${seeded.xssCallId} · convlog`);
      const text = (await transcript.textContent()) ?? '';
      expect(text).toContain(`Hi, my order ${XSS_SCRIPT} is late`);
      expect(text).toContain(XSS_IMG);
      expect(await page.locator('main img, main script').count()).toBe(0);
      expect(await transcript.locator('.msg.user').count()).toBe(2);
      expect(await transcript.locator('.msg.assistant').count()).toBe(2);
      expect(await transcript.locator('.waterfall svg').count()).toBe(2);
      const firstWaterfall = transcript.locator('.waterfall').first();
      for (const label of ['End of turn (EOU)', 'Transcription', 'LLM TTFT', 'TTS TTFB', 'End to end'])
        expect(await firstWaterfall.locator('svg text', { hasText: label }).count()).toBeGreaterThanOrEqual(1);
      expect(await firstWaterfall.locator('svg text.value', { hasText: '510 ms' }).count()).toBe(1);
      expect(await transcript.locator('.waterfall').nth(1).getByText('SLA violation').count()).toBe(1);
      expect(await transcript.locator('.msg.assistant.interrupted .badge', { hasText: 'interrupted' }).count()).toBe(1);
      const args = await transcript.getByTestId('tool-args').first().textContent();
      expect(args).toContain(`"note": ${JSON.stringify(XSS_IMG)}`);
      expect(await transcript.getByTestId('tool-output').first().textContent()).toContain(`"carrier": ${JSON.stringify(XSS_SCRIPT)}`);
      expect(await transcript.locator('.tool.error .name').textContent()).toBe('upgrade_shipping');
      const errors = page.getByTestId('errors');
      expect(await errors.textContent()).toContain(`TTS request timed out ${XSS_SCRIPT}`);
      expect(await errors.textContent()).toContain('sla_violation');
      const log = page.getByTestId('event-log');
      expect(await log.locator('tbody tr').count()).toBeGreaterThanOrEqual(15);
      await log.locator('tbody tr').nth(2).locator('summary').click();
      expect(await log.locator('tbody tr').nth(2).locator('pre').textContent()).toContain(XSS_SCRIPT);
      await shot('call');
      expect(await xss()).toBeUndefined();
    });

    it('Live: new calls and events appear without reloading', async () => {
      await page.getByRole('navigation').getByRole('link', { name: 'Live' }).click();
      const status = page.getByTestId('live-status');
      await expect.poll(() => status.textContent(), { timeout: 10_000 }).toMatch(/^Live — following the log after position \d+\.$/);
      expect(await page.getByTestId('active-calls').getByRole('link', { name: seeded.activeCallId }).count()).toBe(1);
      const marker = await page.evaluate(() => {
        (globalThis as unknown as { __marker: number }).__marker = 42;
        return 42;
      });
      const now = Date.now();
      await logger.append(callStarted('call-e2e-live', now, { livekitRoom: 'room-e2e' }));
      await logger.append(conversationStarted('call-e2e-live', 'conv-e2e-live', now + 1));
      await logger.append(messageAdded('conv-e2e-live', 'm-e2e-1', 'user', `New caller says ${XSS_IMG}`, now + 2));
      const feed = page.getByTestId('live-feed');
      await feed.locator('li[data-type=message_added]', { hasText: `user: New caller says ${XSS_IMG}` }).waitFor({ timeout: 10_000 });
      await page.getByTestId('active-calls').getByRole('link', { name: 'call-e2e-live' }).waitFor({ timeout: 10_000 });
      expect(await page.getByTestId('live-count').textContent()).toBe('3');
      expect(await page.evaluate(() => (globalThis as unknown as { __marker: number }).__marker)).toBe(marker); // no reload
      expect(await feed.locator('img').count()).toBe(0);
      await shot('live');
      expect(await xss()).toBeUndefined();
    });

    it('logged no console errors and no CSP violations on any page', () => {
      expect(problems).toEqual([]);
    });
  }),
);
