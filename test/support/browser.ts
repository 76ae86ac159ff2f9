import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_PATH } from './requirements.js';

/**
 * Debian's Chromium, headless, as the browser tests run it: no sandbox (root in CI), no GPU, and
 * nothing that reaches the network on its own (only the test's loopback servers are reachable).
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launches {@link CHROMIUM_ARGS} Chromium at `CHROMIUM_PATH` (default `/usr/bin/chromium`). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}
