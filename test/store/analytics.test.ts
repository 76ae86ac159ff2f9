import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import {
  callsBy,
  costByDay,
  costByModelAndDay,
  interruptionRate,
  latencyPercentiles,
  responseLatencyHistogram,
  toolCallStats,
} from '../../src/queries/analytics.js';
import type { NewEvent } from '../../src/events/types.js';
import { describeEachBackend, openLogger } from '../support/stores.js';
import { callEnded, callStarted, conversationStarted, messageAdded, toolExecuted, turnCompleted } from '../server/seed.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const TODAY = NOW - (NOW % DAY);

describeEachBackend('analytics helpers', (backend) => {
  let logger: ConversationLogger;
  beforeAll(async () => {
    logger = await openLogger(backend);
    // Given two calls: yesterday on gpt-4o (2 replies, 1 interrupted, a failed tool call) and today
    // on gpt-4o-mini (1 reply, an unpriced model's reply, a slow turn, a successful tool call).
    const events: NewEvent[] = [];
    const call = (id: string, conv: string, at: number, room: string, model: string) =>
      events.push(callStarted(id, at, { livekitRoom: room }), conversationStarted(id, conv, at + 1, model));
    const reply = (conv: string, id: string, at: number, model: string | null, cost: number | null, ms: number, interrupted = false) =>
      events.push(
        messageAdded(conv, id, 'assistant', `reply ${id}`, at, {
          llmModel: model,
          llmTokensInput: 100,
          llmTokensOutput: 10,
          llmCostUsd: cost,
          processingTimeMs: ms,
          interrupted,
        }),
      );
    const y = TODAY - DAY + 3_600_000;
    call('c-y', 'conv-y', y, 'room-a', 'gpt-4o');
    reply('conv-y', 'y1', y + 1000, 'gpt-4o', 0.002, 800);
    reply('conv-y', 'y2', y + 5000, 'gpt-4o', 0.003, 1200, true);
    events.push({ ...toolExecuted('conv-y', 'ty', 'refund', '{}', 'denied', y + 4000, true) });
    events.push(turnCompleted('conv-y', 'turn-y1', y + 900, { e2eLatencyMs: 800, llmTtftMs: 300, endOfTurnDelayMs: 200 }));
    events.push(
      turnCompleted('conv-y', 'turn-y2', y + 4900, { e2eLatencyMs: 1200, llmTtftMs: 500, endOfTurnDelayMs: 250, outcome: 'interrupted' }),
    );
    events.push(callEnded('c-y', y + 6000));
    const t = TODAY + 3_600_000;
    call('c-t', 'conv-t', t, 'room-b', 'gpt-4o-mini');
    reply('conv-t', 't1', t + 1000, 'gpt-4o-mini', 0.0005, 2600);
    reply('conv-t', 't2', t + 3000, 'mystery-model', null, 400);
    events.push(toolExecuted('conv-t', 'tt', 'refund', '{}', 'ok', t + 500));
    events.push(turnCompleted('conv-t', 'turn-t1', t + 900, { e2eLatencyMs: 2600, llmTtftMs: 2000, endOfTurnDelayMs: 300 }));
    events.push(turnCompleted('conv-t', 'turn-t2', t + 2900, { e2eLatencyMs: 999_999, implausible: true }));
    events.push(callEnded('c-t', t + 4000, 'failed', 'error', 'llm down'));
    for (const e of events) await logger.append(e);
  });
  afterAll(async () => {
    await logger.close();
  });

  const window = { hours: 48, now: NOW };

  it('latency percentiles per component leave implausible turns out', async () => {
    const l = await latencyPercentiles(await logger.dataSource(), window);
    expect(l.e2e).toMatchObject({ num: 3, min: 800, max: 2600, p50: 1200 });
    expect(l.llmTtft).toMatchObject({ num: 3, min: 300, max: 2000, p50: 500 });
    expect(l.endOfTurn.p50).toBe(250);
    expect(l.ttsTtfb.num).toBe(0);
  });

  it('the response histogram counts each plausible reply once, in its bucket', async () => {
    const h = await responseLatencyHistogram(await logger.dataSource(), window);
    const at = (ms: number) => h.find((b) => b.fromMs <= ms && (b.toMs === null || ms < b.toMs))!.count;
    expect(at(400)).toBe(1);
    expect(at(800)).toBe(1);
    expect(at(1200)).toBe(1);
    expect(at(2600)).toBe(1);
    expect(h.reduce((a, b) => a + b.count, 0)).toBe(4);
  });

  it('cost by model and UTC day, with unpriced replies counted, not guessed', async () => {
    const rows = await costByModelAndDay(await logger.dataSource(), window);
    expect(rows).toEqual([
      {
        day: TODAY - DAY,
        model: 'gpt-4o',
        replies: 2,
        tokensInput: 200,
        tokensOutput: 20,
        llmCostUsd: expect.closeTo(0.005, 12),
        unpricedReplies: 0,
      },
      {
        day: TODAY,
        model: 'gpt-4o-mini',
        replies: 1,
        tokensInput: 100,
        tokensOutput: 10,
        llmCostUsd: expect.closeTo(0.0005, 12),
        unpricedReplies: 0,
      },
      { day: TODAY, model: 'mystery-model', replies: 1, tokensInput: 100, tokensOutput: 10, llmCostUsd: 0, unpricedReplies: 1 },
    ]);
    const days = await costByDay(await logger.dataSource(), window);
    expect(days.map((d) => [d.day, d.calls, d.turns])).toEqual([
      [TODAY - DAY, 1, 2],
      [TODAY, 1, 2],
    ]);
  });

  it('interruption rate and tool-call success rate and duration', async () => {
    const ds = await logger.dataSource();
    expect(await interruptionRate(ds, window)).toEqual({ replies: 4, interruptions: 1, falseInterruptions: 0, rate: 0.25 });
    const [refund] = await toolCallStats(ds, window);
    expect(refund).toMatchObject({ name: 'refund', calls: 2, errors: 1, successRate: 0.5 });
    expect(refund!.duration).toMatchObject({ num: 2, avg: 212, p50: 212 });
  });

  it('calls grouped by room, day and model', async () => {
    const ds = await logger.dataSource();
    expect((await callsBy(ds, 'room', window)).map((g) => [g.key, g.calls, g.completed, g.failed, g.turns])).toEqual([
      ['room-a', 1, 1, 0, 2],
      ['room-b', 1, 0, 1, 2],
    ]);
    const days = await callsBy(ds, 'day', window);
    expect(days.map((g) => g.key)).toEqual([new Date(TODAY - DAY).toISOString().slice(0, 10), new Date(TODAY).toISOString().slice(0, 10)]);
    const models = await callsBy(ds, 'model', window);
    expect(models.find((g) => g.key === 'gpt-4o')).toMatchObject({ calls: 1, turns: 2, avgResponseTimeMs: 1000 });
    await expect(callsBy(ds, 'room', { hours: -1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describeEachBackend('calls by model, replies without a model', (backend) => {
  it('given replies that reported no model and no usage, when calls are grouped by model, then their row says the cost is unknown, not $0', async () => {
    const logger = await openLogger(backend);
    try {
      // Given a call with one priced reply and two that reported no LLM metrics at all
      const at = TODAY + 7_200_000;
      const events: NewEvent[] = [callStarted('c-u', at), conversationStarted('c-u', 'conv-u', at + 1, 'gpt-4o')];
      events.push(
        messageAdded('conv-u', 'u1', 'assistant', 'priced', at + 1000, {
          llmModel: 'gpt-4o',
          llmTokensInput: 100,
          llmTokensOutput: 10,
          llmCostUsd: 0.002,
        }),
      );
      for (const id of ['u2', 'u3']) events.push(messageAdded('conv-u', id, 'assistant', 'no metrics', at + 2000, {}));
      events.push(callEnded('c-u', at + 3000));
      for (const e of events) await logger.append(e);
      // When grouped by model
      const rows = await callsBy(await logger.dataSource(), 'model', { hours: 48, now: NOW });
      // Then the model's row has its cost, and the replies without a model are counted as unpriced
      expect(rows.map((g) => [g.key, g.turns, g.costUsd, g.unpricedUsage])).toEqual([
        ['(unknown)', 2, null, 2],
        ['gpt-4o', 1, 0.002, 0],
      ]);
    } finally {
      await logger.close();
    }
  });
});
