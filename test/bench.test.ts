import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const run = promisify(execFile);

/** `name: value unit (target …: met|MISSED) [note]`: a figure line as `npm run bench` prints it. */
const FIGURE = /^(?<name>.+?): (?<value>-?[\d,]+(?:\.\d+)?) (?<unit>\S+)(?: \(target [^)]*: (?:met|MISSED)\))?(?: \[.*\])?$/;

// Not a timed test: the figures are whatever this machine gives; what is checked is that the
// script measures and reports them in its documented format, and fails only when it cannot.
it('npm run bench measures and prints each figure as a line and a summary (quick sizes, no targets asserted)', async () => {
  const { stdout } = await run('npx', ['tsx', 'bench/run.ts', '--quick', '--only=ingest,queries', '--no-pg'], {
    env: { ...process.env, LOG_LEVEL: 'error' },
    timeout: 240_000,
  });
  const lines = stdout.split('\n');
  const figures = lines.map((l) => FIGURE.exec(l)?.groups).filter((g) => g !== undefined);
  const names = figures.map((g) => g.name);
  expect(names).toEqual(
    expect.arrayContaining([
      'ingest SQLite, store / raw',
      'getConversationHistory p99',
      'getCallStatistics({hours: 24})',
      'cleanupOldData longest lock',
    ]),
  );
  for (const g of figures) expect(Number(g.value?.replaceAll(',', ''))).not.toBeNaN();
  const ratio = figures.find((g) => g.name === 'ingest SQLite, store / raw');
  expect(Number(ratio?.value)).toBeGreaterThan(0);
  expect(stdout).toMatch(/^summary: \d+ figures, \d+\/\d+ targets met/m);
}, 300_000);

it('npm run bench exits non-zero and says NOT MEASURED when it cannot measure a figure', async () => {
  const failed = await run('npx', ['tsx', 'bench/run.ts', '--quick', '--only=pg'], {
    env: { ...process.env, BENCH_PG_URL: 'postgres://nobody@127.0.0.1:1/none' },
    timeout: 60_000,
  }).then(
    () => null,
    (error: { code?: number; stdout?: string }) => error,
  );
  expect(failed?.code).toBe(1);
  expect(failed?.stdout).toMatch(/^ingest PostgreSQL: NOT MEASURED \(PostgreSQL not reachable at BENCH_PG_URL/m);
}, 120_000);
