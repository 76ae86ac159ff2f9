import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/**
 * A newcomer's first `npm test` on a machine without Chromium or PostgreSQL: it passes and
 * ends with one line naming what it could not run and how to enable it; under `CI=true` the
 * same run fails. Checked by running the browser suite in a child vitest with both made missing.
 */
const run = (env: Record<string, string | undefined>) => {
  const merged: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...env })) if (v !== undefined) merged[k] = v;
  return spawnSync('npx', ['vitest', 'run', 'test/server/browser.test.ts'], { env: merged, encoding: 'utf8', timeout: 120_000 });
};

const MISSING = {
  CHROMIUM_PATH: '/nonexistent/chromium',
  // a loopback port nothing listens on
  CONVLOG_TEST_PG_ADMIN_URL: 'postgres://postgres@127.0.0.1:9/test',
};

describe('a machine without Chromium or PostgreSQL', () => {
  it('given neither, when npm test runs without CI, then it passes and its last line says what was not run and the commands that enable it', () => {
    const r = run({ ...MISSING, CI: undefined });
    const out = `${r.stdout}\n${r.stderr}`;
    expect(r.status).toBe(0);
    const line = out.split('\n').find((l) => l.includes('not run here'));
    expect(line).toBeDefined();
    expect(line).toContain('Chromium');
    expect(line).toContain('apt-get install -y chromium');
    expect(line).toContain('PostgreSQL');
  }, 150_000);

  it('given neither, when the same run has CI=true, then it fails naming what is missing', () => {
    const r = run({ ...MISSING, CI: 'true' });
    expect(r.status).not.toBe(0);
    expect(`${r.stdout}\n${r.stderr}`).toMatch(/CI=true/);
  }, 150_000);
});
