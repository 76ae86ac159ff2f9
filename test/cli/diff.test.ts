import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { useBuiltCli, type Run } from '../support/built-cli.js';
import { describeEachBackend, freshDatabaseUrl, openLogger, type Backend } from '../support/stores.js';
import { recordRelease } from '../support/releases.js';

// The CLI as users run it: the package built with tsc, run by node as a subprocess.
const built = useBuiltCli('cli-diff');
const convlog = (args: string[], env: Record<string, string | undefined>, cwd?: string): Promise<Run> => built.run(args, env, cwd);

describeEachBackend('convlog diff (the built CLI)', (backend: Backend) => {
  let logger: ConversationLogger;
  let env: Record<string, string>;
  beforeAll(async () => {
    const url = await freshDatabaseUrl(backend);
    logger = await openLogger(backend, { databaseUrl: url });
    // Given a base release, one 200 ms slower at the LLM's first token, one the same, one of 4 calls.
    const start = Date.now() - 30 * 3_600_000;
    await recordRelease(logger, { release: 'v1', calls: 30, seed: 11 }, start);
    await recordRelease(logger, { release: 'v2-slow', calls: 30, seed: 12, llmTtftMs: 600 }, start);
    await recordRelease(logger, { release: 'v2-same', calls: 30, seed: 13 }, start);
    await recordRelease(logger, { release: 'v2-small', calls: 4, seed: 14 }, start);
    await logger.flush();
    env = { DATABASE_URL: url };
  }, 120_000);
  afterAll(async () => {
    await logger?.close();
  });

  it('given a slower head, when run with --fail-on worse, then it exits 4 and names each worse row on its own line', async () => {
    const r = await convlog(['diff', '--base', 'v1', '--head', 'v2-slow', '--fail-on', 'worse'], env);
    expect(r.code).toBe(4);
    const worse = r.stderr.split('\n').filter((l) => l.startsWith('worse: '));
    expect(worse.some((l) => l.startsWith('worse: LLM TTFT p50 '))).toBe(true);
    expect(worse.some((l) => l.startsWith('worse: end to end p50 '))).toBe(true);
    expect(worse.every((l) => /95% CI of the difference/.test(l))).toBe(true);
    expect(r.stdout).toMatch(/^METRIC +BASE +.*VERDICT$/m);
    expect(r.stdout).toMatch(/^LLM TTFT p50 .* worse$/m);
    expect(r.stdout).toMatch(/Base 30 calls, 240 turns; head 30 calls, 240 turns/);
  });

  it('given a slower head, when run without --fail-on, then it reports and exits 0', async () => {
    const r = await convlog(['diff', '--base', 'v1', '--head', 'v2-slow'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^LLM TTFT p50 .* worse$/m);
  });

  it('given a head within noise, when run with --fail-on worse, then it exits 0', async () => {
    const r = await convlog(['diff', '--base', 'v1', '--head', 'v2-same', '--fail-on', 'worse'], env);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/^worse:/m);
  });

  it('given a side of 4 calls, then rows are unclear and it exits 0, or 5 with --require-significance', async () => {
    const plain = await convlog(['diff', '--base', 'v1', '--head', 'v2-small', '--fail-on', 'worse'], env);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/Not significant: too few calls/);
    const strict = await convlog(['diff', '--base', 'v1', '--head', 'v2-small', '--require-significance'], env);
    expect(strict.code).toBe(5);
    expect(strict.stderr).toMatch(/not significant: too few calls/);
  });

  it('--json: the comparison for bots, with the exit code it exits with', async () => {
    const r = await convlog(['diff', '--base', 'v1', '--head', 'v2-slow', '--fail-on', 'worse', '--json'], env);
    expect(r.code).toBe(4);
    const body = JSON.parse(r.stdout) as { exitCode: number; significant: boolean; rows: Array<{ metric: string; verdict: string }> };
    expect(body.exitCode).toBe(4);
    expect(body.significant).toBe(true);
    expect(body.rows.find((x) => x.metric === 'llm_ttft_p95')?.verdict).toBe('worse');
  });

  it('given no --head, or a --by it does not know, then it is a usage error (exit 2)', async () => {
    expect((await convlog(['diff', '--base', 'v1'], env)).code).toBe(2);
    const r = await convlog(['diff', '--base', 'v1', '--head', 'v2', '--by', 'colour'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--by must be one of release, instructions, model/);
  });

  it('--help documents the exit codes', async () => {
    const r = await convlog(['diff', '--help'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/4 a row is worse \(with --fail-on worse\), 5 too few calls/);
  });

  it('calls --release and stats --release keep the calls of that release; calls of several releases show a RELEASE column; stats --by release', async () => {
    const calls = await convlog(['calls', '--since', '48h', '--release', 'v2-small', '--json'], env);
    expect(calls.code).toBe(0);
    const page = JSON.parse(calls.stdout) as { total: number; rows: Array<{ release: string | null }> };
    expect(page.total).toBe(4);
    expect(page.rows.every((x) => x.release === 'v2-small')).toBe(true);
    const table = await convlog(['calls', '--since', '48h', '--limit', '8'], { ...env, COLUMNS: '120' });
    expect(table.stdout.split('\n')[0]).toMatch(/^CALL +STARTED UTC +STATUS +ROOM +RELEASE +DUR +TURN +COST +WORST$/);
    expect(table.stdout).toMatch(/ v2-slow /);
    const one = await convlog(['calls', '--since', '48h', '--release', 'v1'], { ...env, COLUMNS: '120' });
    expect(one.stdout.split('\n')[0]).not.toContain('RELEASE');
    const stats = await convlog(['stats', '--hours', '48', '--release', 'v2-small', '--json'], env);
    expect(stats.code).toBe(0);
    const body = JSON.parse(stats.stdout) as { statistics: { calls: { total: number } }; latency: { llmTtft: { num: number } } };
    expect(body.statistics.calls.total).toBe(4);
    expect(body.latency.llmTtft.num).toBe(32);
    const by = await convlog(['stats', '--hours', '48', '--by', 'release', '--json'], env);
    const groups = (JSON.parse(by.stdout) as { groups: Array<{ key: string; calls: number; turns: number }> }).groups;
    expect(groups.map((g) => [g.key, g.calls, g.turns])).toEqual([
      ['v1', 30, 240],
      ['v2-same', 30, 240],
      ['v2-slow', 30, 240],
      ['v2-small', 4, 32],
    ]);
  });
});
