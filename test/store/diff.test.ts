import { afterAll, beforeAll, expect, it } from 'vitest';
import { isConversationLogError } from '../../src/errors.js';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { diffReleases, type DiffResult } from '../../src/queries/diff.js';
import { describeEachBackend, openLogger } from '../support/stores.js';
import { recordRelease } from '../support/releases.js';

const HOUR = 3_600_000;

describeEachBackend('diffReleases', (backend) => {
  let logger: ConversationLogger;
  const row = (d: DiffResult, metric: string) => {
    const r = d.rows.find((x) => x.metric === metric);
    if (!r) throw new Error(`no row ${metric}`);
    return r;
  };
  beforeAll(async () => {
    logger = await openLogger(backend);
    // Given a base release and four heads, drawn from seeded PRNGs around the same means except:
    // v2-slow answers 200 ms later at the LLM's first token (and on another model and prompt),
    // v2-dear pays twice as much per reply, v2-small has only 4 calls.
    const start = Date.now() - 30 * HOUR;
    await recordRelease(logger, { release: 'v1', calls: 30, seed: 1, instructionsHash: 'hash-a' }, start);
    await recordRelease(
      logger,
      { release: 'v2-slow', calls: 30, seed: 2, llmTtftMs: 600, llmModel: 'gpt-4o-mini', instructionsHash: 'hash-b' },
      start,
    );
    await recordRelease(logger, { release: 'v2-same', calls: 30, seed: 3, instructionsHash: 'hash-a' }, start);
    await recordRelease(logger, { release: 'v2-dear', calls: 30, seed: 4, replyCostUsd: 0.004, instructionsHash: 'hash-a' }, start);
    await recordRelease(logger, { release: 'v2-small', calls: 4, seed: 5, llmTtftMs: 900, instructionsHash: 'hash-c' }, start);
  }, 120_000);
  afterAll(async () => {
    await logger.close();
  });

  it('given a release 200 ms slower at LLM TTFT, when diffed against its base, then LLM TTFT and end to end are worse and cost is not', async () => {
    const d = await diffReleases(await logger.dataSource(), { base: 'v1', head: 'v2-slow' });
    expect(d.significant).toBe(true);
    expect(d.base).toEqual({ key: 'v1', calls: 30, turns: 240 });
    expect(d.head).toEqual({ key: 'v2-slow', calls: 30, turns: 240 });
    for (const metric of ['llm_ttft_p50', 'llm_ttft_p95', 'e2e_p50']) {
      const r = row(d, metric);
      expect(r.verdict, metric).toBe('worse');
      expect(r.difference.low!, metric).toBeGreaterThan(0);
    }
    const p50 = row(d, 'llm_ttft_p50');
    // The difference reads as the 200 ms the fixtures added, give or take sampling noise.
    expect(p50.difference.value!).toBeGreaterThan(170);
    expect(p50.difference.value!).toBeLessThan(230);
    expect(p50.difference.low!).toBeLessThanOrEqual(p50.difference.value!);
    expect(p50.difference.high!).toBeGreaterThanOrEqual(p50.difference.value!);
    expect(p50.base.low!).toBeLessThanOrEqual(p50.base.value!);
    expect(p50.base.high!).toBeGreaterThanOrEqual(p50.base.value!);
    expect(row(d, 'cost_per_turn').verdict).toBe('unclear');
    expect(row(d, 'eou_p50').verdict).toBe('unclear');
  });

  it('given a release drawn from the same distributions, when diffed, then no row is worse and LLM TTFT is unclear', async () => {
    const d = await diffReleases(await logger.dataSource(), { base: 'v1', head: 'v2-same' });
    expect(d.significant).toBe(true);
    expect(d.rows.filter((r) => r.verdict === 'worse').map((r) => r.metric)).toEqual([]);
    expect(row(d, 'llm_ttft_p50').verdict).toBe('unclear');
    expect(row(d, 'llm_ttft_p95').verdict).toBe('unclear');
    expect(Math.abs(row(d, 'llm_ttft_p50').changePct!)).toBeLessThan(10);
  });

  it('given a release that pays twice per reply, when diffed, then cost per turn and per minute are worse and latency is not', async () => {
    const d = await diffReleases(await logger.dataSource(), { base: 'v1', head: 'v2-dear' });
    const perTurn = row(d, 'cost_per_turn');
    expect(perTurn.verdict).toBe('worse');
    expect(perTurn.base.value!).toBeCloseTo(0.002, 6);
    expect(perTurn.head.value!).toBeCloseTo(0.004, 6);
    expect(perTurn.changePct!).toBeCloseTo(100, 3);
    expect(row(d, 'cost_per_minute').verdict).toBe('worse');
    expect(row(d, 'llm_ttft_p50').verdict).toBe('unclear');
    expect(row(d, 'tokens_per_turn').verdict).toBe('unclear');
  });

  it('given a release of 4 calls, however much slower, when diffed, then it is not significant and every row is unclear', async () => {
    const d = await diffReleases(await logger.dataSource(), { base: 'v1', head: 'v2-small' });
    expect(d.significant).toBe(false);
    expect(d.head.calls).toBe(4);
    expect(d.reason).toMatch(/too few calls/);
    expect(new Set(d.rows.map((r) => r.verdict))).toEqual(new Set(['unclear']));
    // The figures are still there to read.
    expect(row(d, 'llm_ttft_p50').head.value!).toBeGreaterThan(row(d, 'llm_ttft_p50').base.value!);
  });

  it('given turns stamped with their LLM model, when diffed --by model, then the slower model is worse at LLM TTFT', async () => {
    const d = await diffReleases(await logger.dataSource(), { base: 'gpt-4o', head: 'gpt-4o-mini', by: 'model' });
    expect(d.by).toBe('model');
    expect(d.base.turns).toBe((30 + 30 + 30 + 4) * 8);
    expect(d.head.turns).toBe(240);
    expect(row(d, 'llm_ttft_p50').verdict).toBe('worse');
    // gpt-4o's turns include v2-dear's, which pay twice: the mini model is the cheaper one.
    expect(row(d, 'cost_per_turn').verdict).toBe('better');
  });

  it('given conversations stamped with an instructions hash, when diffed --by instructions, then the other prompt is worse', async () => {
    const d = await diffReleases(await logger.dataSource(), { base: 'hash-a', head: 'hash-b', by: 'instructions' });
    expect(d.base.calls).toBe(90);
    expect(d.head.calls).toBe(30);
    expect(row(d, 'llm_ttft_p95').verdict).toBe('worse');
  });

  it('given the same store and seed, when diffed twice, then the intervals are the same; another window sees no calls', async () => {
    const ds = await logger.dataSource();
    const a = await diffReleases(ds, { base: 'v1', head: 'v2-same', until: Date.now() });
    const b = await diffReleases(ds, { base: 'v1', head: 'v2-same', until: a.until });
    expect(b.rows).toEqual(a.rows);
    const none = await diffReleases(ds, { base: 'v1', head: 'v2-same', since: Date.now() - HOUR });
    expect([none.base.calls, none.head.calls, none.significant]).toEqual([0, 0, false]);
    expect(none.rows.every((r) => r.base.value === null && r.verdict === 'unclear')).toBe(true);
  });

  it('given an agent name, when diffed --agent, then only its conversations count', async () => {
    const ds = await logger.dataSource();
    expect((await diffReleases(ds, { base: 'v1', head: 'v2-slow', agent: 'support' })).base.calls).toBe(30);
    expect((await diffReleases(ds, { base: 'v1', head: 'v2-slow', agent: 'billing' })).base.calls).toBe(0);
  });

  it('given bad options, when diffed, then it is a typed INVALID_ARGUMENT naming the option', async () => {
    const ds = await logger.dataSource();
    for (const [options, field] of [
      [{ head: 'v2' }, 'base'],
      [{ base: 'v1', head: '' }, 'head'],
      [{ base: 'v1', head: 'v2', by: 'colour' }, 'by'],
      [{ base: 'v1', head: 'v2', thresholdPct: -1 }, 'thresholdPct'],
      [{ base: 'v1', head: 'v2', resamples: 5 }, 'resamples'],
    ] as const) {
      const error = await diffReleases(ds, options as never).catch((e: unknown) => e);
      expect(isConversationLogError(error) && error.code === 'INVALID_ARGUMENT' && error.field === field, JSON.stringify(options)).toBe(
        true,
      );
    }
  });
});
