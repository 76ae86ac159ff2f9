import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHeardLatencyMeasuredEvent, createRecordingAvailableEvent, createTurnCompletedEvent } from '../../src/events/create.js';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { startDashboardServer, type DashboardServer } from '../../src/server/index.js';
import { skipWithout } from '../support/requirements.js';
import { launchChromium } from '../support/browser.js';
import { describeEachBackend, openLogger } from '../support/stores.js';

const TOKEN = 'player-token-0123456789abcdef';

/** The call page's player on a recorded call: served under the token and the CSP, each message and turn seeking to its moment. */
describe.skipIf(skipWithout('chromium', 'ffmpeg'))('needs Chromium and ffmpeg', () => {
  describeEachBackend('the recording on the call page and the overview', (backend) => {
    let logger: ConversationLogger;
    let server: DashboardServer;
    let browser: Browser;
    let dir: string;
    const problems: string[] = [];
    const T0 = Date.now() - 60_000;

    beforeAll(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'convlog-player-'));
      const file = path.join(dir, 'call-played.ogg');
      // given a 6 s stereo ogg/opus recording, as the recorder writes
      execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=300:duration=6', '-ac', '2', '-c:a', 'libopus', file]);
      logger = await openLogger(backend, { recordingsDir: dir });
      await logger.startCall({ callId: 'call-played', startedAt: T0 });
      const conversationId = await logger.startConversation({ callId: 'call-played', startedAt: T0 });
      await logger.logUserMessage({ conversationId, content: 'Book a table for four', createdAt: T0 + 1000 });
      const reply = await logger.logAssistantMessage({ conversationId, content: 'Booked.', createdAt: T0 + 3000, processingTimeMs: 400 });
      await logger.append(
        createRecordingAvailableEvent({
          callId: 'call-played',
          path: file,
          startedAt: T0,
          durationMs: 6000,
          sizeBytes: fs.statSync(file).size,
        }),
      );
      await logger.append(
        createTurnCompletedEvent({
          callId: 'call-played',
          conversationId,
          turnId: 'turn-1',
          assistantMessageId: reply,
          startedAt: T0 + 2600,
          e2eLatencyMs: 400,
        }),
      );
      await logger.endCall('call-played');
      await logger.append(
        createHeardLatencyMeasuredEvent({
          callId: 'call-played',
          conversationId,
          turnId: 'turn-1',
          heardLatencyMs: 900,
          reportedLatencyMs: 400,
          mismatchThresholdMs: 150,
        }),
      );
      server = await startDashboardServer({ logger, port: 0, token: TOKEN });
      browser = await launchChromium();
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      await server?.close();
      await logger?.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    const open = async (): Promise<Page> => {
      const page = await (await browser.newContext()).newPage();
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
      });
      await page.goto(`${server.url}calls/call-played?token=${TOKEN}`);
      await page.getByTestId('transcript').waitFor();
      return page;
    };

    it('given a recorded call, the page plays it, a message seeks to its moment, and the message playing is highlighted', async () => {
      const page = await open();
      try {
        const audio = page.getByTestId('recording');
        // the browser loads the file through the range route (the session cookie carries the token; the CSP lets media in)
        await page.waitForFunction(() => {
          const el = (
            globalThis as unknown as { document: { querySelector(s: string): { readyState: number } | null } }
          ).document.querySelector('audio');
          return el !== null && el.readyState >= 1;
        });
        const duration = await audio.evaluate((el) => (el as unknown as { duration: number }).duration);
        expect(duration).toBeGreaterThan(5.5);
        // the user's message is 1 s into the recording, the agent's 3 s
        await page.locator('.msg.assistant .who .seek').click();
        const at = await audio.evaluate((el) => (el as unknown as { currentTime: number }).currentTime);
        expect(at).toBeGreaterThanOrEqual(3);
        expect(at).toBeLessThan(3.6);
        await page.waitForFunction(() =>
          (globalThis as unknown as { document: { querySelector(s: string): unknown } }).document.querySelector('.msg.assistant.playing'),
        );
        await page.locator('.msg.user .who .seek').click();
        await page.waitForFunction(() =>
          (globalThis as unknown as { document: { querySelector(s: string): unknown } }).document.querySelector('.msg.user.playing'),
        );
        expect(await page.locator('.msg.assistant.playing').count()).toBe(0);
        // the waterfall shows the heard latency beside the reported one, flagged
        expect(await page.locator('.waterfall svg text').allTextContents()).toContain('Heard (recording)');
        await expect(page.getByTestId('heard-mismatch').count()).resolves.toBe(1);
        expect(problems).toEqual([]);
      } finally {
        await page.context().close();
      }
    });

    it('given a recorded call, a turn seeks to its moment, and as the recording plays on the highlight moves to the next message', async () => {
      const page = await open();
      try {
        const audio = page.getByTestId('recording');
        const currentTime = () => audio.evaluate((el) => (el as unknown as { currentTime: number }).currentTime);
        // the turn started 2.6 s into the recording (no user speech end was measured)
        await page.getByRole('button', { name: '▶ hear this turn' }).click();
        const at = await currentTime();
        expect(at).toBeGreaterThanOrEqual(2.6);
        expect(at).toBeLessThan(3);
        // from the user's message (1 s), playing on past 3 s: the agent's message becomes the one heard
        await page.locator('.msg.user .who .seek').click();
        await page.waitForFunction(() =>
          (globalThis as unknown as { document: { querySelector(s: string): unknown } }).document.querySelector('.msg.user.playing'),
        );
        await page.waitForFunction(
          () =>
            (globalThis as unknown as { document: { querySelector(s: string): unknown } }).document.querySelector('.msg.assistant.playing'),
          undefined,
          { timeout: 20_000 },
        );
        expect(await currentTime()).toBeGreaterThanOrEqual(3);
        expect(await page.locator('.msg.user.playing').count()).toBe(0);
        expect(problems).toEqual([]);
      } finally {
        await page.context().close();
      }
    });

    it("given a measured call, the overview's stage table has the heard latency beside end to end", async () => {
      const page = await (await browser.newContext()).newPage();
      try {
        await page.goto(`${server.url}?range=24h&token=${TOKEN}`);
        const table = page.getByTestId('stage-table');
        await table.locator('tbody tr').first().waitFor();
        const labels = await table.locator('tbody tr td:first-child').allTextContents();
        expect(labels.slice(-2)).toEqual(['End to end', 'Heard (from the recordings)']);
        const heard = table.locator('tbody tr', { hasText: 'Heard (from the recordings)' }).locator('td');
        // p50, p95 and the count of measured turns
        expect(await heard.allTextContents()).toEqual(['Heard (from the recordings)', '900 ms', '900 ms', '900 ms', '900 ms', '1']);
      } finally {
        await page.context().close();
      }
    });
  });
});
