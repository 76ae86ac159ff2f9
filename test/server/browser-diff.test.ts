import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { startDashboardServer, type DashboardServer } from '../../src/server/index.js';
import { recordRelease } from '../support/releases.js';
import { skipWithout } from '../support/requirements.js';
import { launchChromium } from '../support/browser.js';
import { describeEachBackend, openLogger } from '../support/stores.js';

/** The dashboard's Compare page: `convlog diff` of two releases of production calls, in the browser. */
const HOUR = 3_600_000;

describe.skipIf(skipWithout('chromium'))('needs Chromium', () =>
  describeEachBackend('dashboard: compare releases', (backend) => {
    let logger: ConversationLogger;
    let server: DashboardServer;
    let browser: Browser;
    let page: Page;

    beforeAll(async () => {
      logger = await openLogger(backend);
      // given a base release and one whose LLM answers 200 ms later, 30 calls each, and a release of 3 calls
      const start = Date.now() - 30 * HOUR;
      await recordRelease(logger, { release: 'v1', calls: 30, seed: 11 }, start);
      await recordRelease(logger, { release: 'v2-slow', calls: 30, seed: 12, llmTtftMs: 600 }, start);
      await recordRelease(logger, { release: 'v2-tiny', calls: 3, seed: 13 }, start);
      server = await startDashboardServer({ logger, port: 0 });
      browser = await launchChromium();
      page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    }, 120_000);
    afterAll(async () => {
      await browser?.close();
      await server?.close();
      await logger?.close();
    });

    it('given no choice yet, when the page opens, then it lists the releases that ran to choose from', async () => {
      await page.goto(`${server.url}diff`);
      await page.getByRole('heading', { name: 'Compare releases' }).waitFor();
      expect(await page.locator('main p.muted').textContent()).toMatch(/v1.*v2-slow|v2-slow.*v1/);
      expect(await page.locator('datalist#releases option').count()).toBe(3);
    });

    it('given two releases, when compared from the form, then the LLM rows of the slower one are worse and the URL holds the choice', async () => {
      await page.goto(`${server.url}diff`);
      await page.locator('input[name=base]').fill('v1');
      await page.locator('input[name=head]').fill('v2-slow');
      await page.getByRole('button', { name: 'Compare' }).click();
      const table = page.getByTestId('diff-table');
      await table.waitFor();
      expect(await page.evaluate(() => (globalThis as unknown as { location: { search: string } }).location.search)).toBe(
        '?base=v1&head=v2-slow',
      );
      expect(await table.locator('tr[data-metric="llm_ttft_p50"] .badge').textContent()).toBe('worse');
      expect(await page.getByTestId('diff-sides').textContent()).toContain('Base v1: 30 calls');
      // the cost per turn did not change: not marked worse
      expect(await table.locator('tr[data-metric="cost_per_turn"] .badge').textContent()).not.toBe('worse');
    });

    it('given a release of 3 calls, when compared, then every row is unclear and the page says why', async () => {
      await page.goto(`${server.url}diff?base=v1&head=v2-tiny`);
      await page.getByTestId('diff-table').waitFor();
      expect(await page.getByTestId('diff-unclear').textContent()).toMatch(/3/);
      const verdicts = await page.getByTestId('diff-table').locator('tbody .badge').allTextContents();
      expect(new Set(verdicts)).toEqual(new Set(['unclear']));
    });
    it("given a comparison, when the head's call count is followed, then the Calls page lists that release's calls only", async () => {
      await page.goto(`${server.url}diff?base=v1&head=v2-tiny`);
      await page.getByTestId('diff-sides').getByRole('link', { name: '3 calls' }).click();
      await page.getByTestId('pager-status').filter({ hasText: 'of 3 ' }).waitFor();
      expect(await page.locator('input[name=release]').inputValue()).toBe('v2-tiny');
      const releases = await page.locator('[data-testid=calls-table] tbody tr td:nth-child(11)').allTextContents();
      expect(releases).toEqual(['v2-tiny', 'v2-tiny', 'v2-tiny']);
    });

    it('given the Calls page, when a release is typed in its filter, then only those calls are listed and the URL holds it', async () => {
      await page.goto(`${server.url}calls`);
      await page.getByTestId('pager-status').filter({ hasText: 'of 63 ' }).waitFor();
      await page.locator('input[name=release]').fill('v2-slow');
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.getByTestId('pager-status').filter({ hasText: 'of 30 ' }).waitFor();
      expect(await page.evaluate(() => (globalThis as unknown as { location: { search: string } }).location.search)).toBe(
        '?release=v2-slow',
      );
      const releases = new Set(await page.locator('[data-testid=calls-table] tbody tr td:nth-child(11)').allTextContents());
      expect(releases).toEqual(new Set(['v2-slow']));
    });
    it('given three releases, when the overview opens, then By release lists each with its calls and links to them', async () => {
      await page.goto(`${server.url}?range=7d`);
      const panel = page.getByTestId('by-release');
      await panel.waitFor();
      const rows = await panel
        .locator('tbody tr')
        .evaluateAll((trs) => trs.map((tr) => [tr.children[0]!.textContent, tr.children[1]!.textContent]));
      expect(rows.sort()).toEqual([
        ['v1', '30'],
        ['v2-slow', '30'],
        ['v2-tiny', '3'],
      ]);
      await panel.getByRole('link', { name: 'v2-tiny' }).click();
      await page.getByTestId('pager-status').filter({ hasText: 'of 3 ' }).waitFor();
      expect(await page.locator('input[name=release]').inputValue()).toBe('v2-tiny');
    });
  }),
);
