import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { attachConversationLog } from '../../src/plugin/attach.js';
import { startDashboardServer, type DashboardServer } from '../../src/server/index.js';
import { audioSession } from '../support/livekit/audio-call.js';
import { withTimeout } from '../support/livekit/session.js';
import { skipWithout } from '../support/requirements.js';
import { launchChromium } from '../support/browser.js';
import { describeEachBackend, openLogger } from '../support/stores.js';

/**
 * The dashboard on what the plugin really records: a phone call on the audio path of a real
 * `voice.AgentSession`, a call whose usage has no known price, and active calls (one live, one
 * silent for half an hour), in headless Chromium at desktop and phone widths.
 */
const ARTIFACTS = path.resolve('test/artifacts/server');

describe.skipIf(skipWithout('chromium'))('needs Chromium', () =>
  describeEachBackend('dashboard on a plugin-recorded call', (backend) => {
    let logger: ConversationLogger;
    let ds: DataSource;
    let server: DashboardServer;
    let browser: Browser;
    const problems: string[] = [];

    beforeAll(async () => {
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      logger = await openLogger(backend);
      // given a phone call recorded by the plugin from a real AgentSession
      const { session, input, agent, finished } = audioSession();
      const log = await attachConversationLog(session, undefined, { callId: 'call-audio', room: 'room-audio', sink: logger });
      await session.start({ agent });
      input.start();
      await withTimeout(finished, 20_000);
      input.stop();
      await session.close();
      await log.flush();
      // a call whose only usage is of a model with no known price
      const unpriced = await logger.startCall({ callId: 'call-unpriced', livekitRoom: 'room-unpriced' });
      const conversationId = await logger.startConversation({ callId: unpriced });
      await logger.logAssistantMessage({
        conversationId,
        content: 'Hello.',
        llmModel: 'my-private-model',
        llmTokensInput: 100,
        llmTokensOutput: 20,
      });
      await logger.endCall(unpriced);
      // an active call that is live, and one silent for 30 minutes
      await logger.startCall({ callId: 'call-live-now', livekitRoom: 'room-live' });
      await logger.startCall({ callId: 'call-silent', livekitRoom: 'room-silent', startedAt: Date.now() - 30 * 60_000 });
      ds = await logger.dataSource();
      server = await startDashboardServer({ logger, port: 0, pollMs: 100 });
      browser = await launchChromium();
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      await server?.close();
      await logger?.close();
    });

    const open = async (width: number, url: string): Promise<Page> => {
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      const page = await context.newPage();
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
      });
      await page.goto(`${server.url}${url}`);
      return page;
    };
    const scrollWidth = (page: Page) =>
      page.evaluate(
        () => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth,
      );

    for (const width of [1400, 400]) {
      it(`at ${width} px: the call page names the agent and the models, shows every waterfall row the CLI shows and labels each cost`, async () => {
        const page = await open(width, 'calls/call-audio');
        try {
          await page.getByTestId('transcript').waitFor();
          // then the agent and the models the call used (from its conversations and usage metrics)
          const [conv] = (await ds.query(`SELECT agent_name FROM conversations WHERE call_id = 'call-audio'`)) as Array<{
            agent_name: string;
          }>;
          expect(conv!.agent_name).toBeTruthy();
          const details = (await page.locator('dl.kv').textContent()) ?? '';
          expect(details).toContain(`Agent${conv!.agent_name}`);
          const models = await page.getByTestId('models').locator('li').allTextContents();
          expect(models.some((m) => m.startsWith('LLM '))).toBe(true);
          expect(models.some((m) => m.startsWith('STT '))).toBe(true);
          expect(models.some((m) => m.startsWith('TTS '))).toBe(true);
          // every turn's waterfall has the rows the CLI prints: playback when measured, and what no stage explains
          const turns = (await ds.query(
            `SELECT playback_latency_ms, unattributed_ms FROM turns WHERE call_id = 'call-audio' AND assistant_message_id IS NOT NULL`,
          )) as Array<{ playback_latency_ms: unknown; unattributed_ms: unknown }>;
          expect(turns.length).toBeGreaterThan(0);
          const labels = await page.locator('.waterfall svg text').allTextContents();
          if (turns.some((t) => t.unattributed_ms !== null)) expect(labels).toContain('Other (unattributed)');
          if (turns.some((t) => t.playback_latency_ms !== null)) expect(labels).toContain('Playback');
          // each cost says what it is
          const meta = (await page.locator('.msg.assistant .meta').allTextContents()).join(' ');
          expect(meta).toMatch(/LLM cost \$\d/);
          expect((await page.locator('.waterfall').first().textContent()) ?? '').toMatch(/turn cost \$\d/);
          expect(await scrollWidth(page)).toBeLessThanOrEqual(width);
          await page.screenshot({ path: path.join(ARTIFACTS, `${backend}-call-plugin-${width}.png`), fullPage: true });
        } finally {
          await page.context().close();
        }
      });

      it(`at ${width} px: an unknown cost reads "unknown", not $0, and the list fits the screen`, async () => {
        const [m] = (await ds.query(
          `SELECT unpriced_usage_count AS n FROM conversation_metrics WHERE call_id = 'call-unpriced'`,
        )) as Array<{
          n: unknown;
        }>;
        expect(Number(m!.n)).toBeGreaterThan(0);
        const page = await open(width, 'calls');
        try {
          const row = page.getByTestId('calls-table').locator('tbody tr', { hasText: 'call-unpriced' });
          await row.waitFor();
          expect(await row.textContent()).toContain('unknown');
          expect(await row.textContent()).not.toContain('$0');
          expect(await scrollWidth(page)).toBeLessThanOrEqual(width);
        } finally {
          await page.context().close();
        }
      });

      it(`at ${width} px: Live counts "Running for" up every second and marks a call silent for 30 minutes stale`, async () => {
        const page = await open(width, 'live');
        try {
          const live = page.locator('[data-call="call-live-now"] [data-testid=running-for]');
          await live.waitFor();
          const first = await live.textContent();
          await expect.poll(() => live.textContent()).not.toBe(first);
          const silent = page.locator('[data-call="call-silent"] [data-testid=running-for]');
          expect(await silent.textContent()).toMatch(/^30m \d\ds/);
          expect(await silent.locator('.badge').textContent()).toMatch(/^stale · silent 30m/);
          expect(await live.locator('.badge').count()).toBe(0);
          expect(await scrollWidth(page)).toBeLessThanOrEqual(width);
          await page.screenshot({ path: path.join(ARTIFACTS, `${backend}-live-${width}.png`), fullPage: true });
        } finally {
          await page.context().close();
        }
      });
    }

    it('logged no page or console errors (a CSP violation is one)', () => {
      expect(problems).toEqual([]);
    });
  }),
);
