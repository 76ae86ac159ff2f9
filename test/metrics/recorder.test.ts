import { voice } from '@livekit/agents';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewEvent } from '../../src/events/types.js';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { latencyBuckets, MetricsRecorder, registerPrometheusMetrics } from '../../src/metrics/index.js';
import { attachConversationLog } from '../../src/plugin/attach.js';
import { WeatherAgent, weatherLLM, withTimeout } from '../support/livekit/session.js';
import { openLogger } from '../support/stores.js';
import { callEnded, callStarted, conversationStarted, messageAdded, metricsRecorded, toolExecuted, turnCompleted } from '../server/seed.js';
import { labelsOf, sampleValue } from './prom-text.js';

const CALL = 'call-metrics-7f3a';
const inCall = (e: NewEvent): NewEvent => ({ ...e, callId: CALL }) as NewEvent;

/** One call: an answer in 1180 ms, one in 2350 ms (over the 1500 ms SLA, interrupted), a failing tool, priced usage, failed. */
function oneCall(at: number): NewEvent[] {
  return [
    callStarted(CALL, at, { agentName: 'support-agent', callerNumber: '+15550100' }),
    conversationStarted(CALL, 'conv-m', at + 10),
    metricsRecorded('conv-m', 'llm', at + 20, 0.0021, 510),
    messageAdded('conv-m', 'm-u1', 'user', 'Hello', at + 100),
    messageAdded('conv-m', 'm-a1', 'assistant', 'Hi!', at + 1_300, { processingTimeMs: 1_180 }),
    turnCompleted('conv-m', 't-1', at + 1_300, { llmTtftMs: 510, ttsTtfbMs: 250, e2eLatencyMs: 1_180, transcriptionDelayMs: 300 }),
    toolExecuted('conv-m', 'm-t1', 'upgrade_shipping', '{}', 'carrier API unavailable', at + 2_000, true),
    messageAdded('conv-m', 'm-a2', 'assistant', 'I can upgrade', at + 4_000, { processingTimeMs: 2_350, interrupted: true }),
    turnCompleted('conv-m', 't-2', at + 4_000, { llmTtftMs: 1_190, e2eLatencyMs: 2_350, outcome: 'interrupted' }),
    callEnded(CALL, at + 9_000, 'failed', 'error', 'LLM unavailable'),
  ].map(inCall);
}

describe('MetricsRecorder into a prom-client registry', () => {
  it('given one call of events, when recorded, then the registry shows its latencies, SLA violation, tool error, cost and end', async () => {
    const registry = new Registry();
    const recorder = new MetricsRecorder([registerPrometheusMetrics({ registry, slaThresholdMs: 1500 })]);
    for (const e of oneCall(Date.now())) recorder.record(e);
    const text = await registry.metrics();

    const turn = { agent_name: 'support-agent', model_provider: 'test', model_name: 'gpt-4o-mini' };
    expect(sampleValue(text, 'lk_agents_turn_e2e_latency_seconds_count', { ...turn, outcome: 'completed' })).toBe(1);
    expect(sampleValue(text, 'lk_agents_turn_e2e_latency_seconds_count', { ...turn, outcome: 'interrupted' })).toBe(1);
    expect(sampleValue(text, 'lk_agents_turn_e2e_latency_seconds_sum', { ...turn, outcome: 'interrupted' })).toBeCloseTo(2.35, 6);
    // 1180 ms falls in the bucket up to 1.2 s (0.8 × SLA), not in the one below it.
    expect(sampleValue(text, 'lk_agents_turn_e2e_latency_seconds_bucket', { ...turn, outcome: 'completed', le: '1.2' })).toBe(1);
    expect(sampleValue(text, 'lk_agents_turn_e2e_latency_seconds_bucket', { ...turn, outcome: 'completed', le: '1.05' })).toBe(0);
    expect(sampleValue(text, 'convlog_sla_violations_total', turn)).toBe(1);
    expect(sampleValue(text, 'lk_agents_turn_llm_ttft_seconds_count', { ...turn, outcome: 'completed' })).toBe(1);
    expect(sampleValue(text, 'convlog_turns_total', { ...turn, outcome: 'interrupted' })).toBe(1);
    expect(sampleValue(text, 'convlog_interruptions_total', { agent_name: 'support-agent' })).toBe(1);
    expect(sampleValue(text, 'convlog_tool_errors_total', { agent_name: 'support-agent', tool_name: 'upgrade_shipping' })).toBe(1);
    expect(sampleValue(text, 'convlog_cost_usd_total', turn)).toBeCloseTo(0.0021, 9);
    expect(sampleValue(text, 'convlog_llm_tokens_total', { ...turn, type: 'input' })).toBe(420);
    expect(sampleValue(text, 'convlog_calls_total', { agent_name: 'support-agent', status: 'failed', end_reason: 'error' })).toBe(1);
  });

  it('given one call of events, when recorded, then no label names the call, its conversation, room or caller', async () => {
    const registry = new Registry();
    const recorder = new MetricsRecorder([registerPrometheusMetrics({ registry })]);
    for (const e of oneCall(Date.now())) recorder.record(e);
    const text = await registry.metrics();
    expect(text).not.toContain(CALL);
    expect(text).not.toContain('conv-m');
    expect(text).not.toContain('+1555');
    const names = new Set(labelsOf(text).flatMap((l) => Object.keys(l)));
    expect([...names].sort()).toEqual([
      'agent_name',
      'end_reason',
      'le',
      'model_name',
      'model_provider',
      'outcome',
      'status',
      'tool_name',
      'type',
    ]);
  });

  it('given an SLA of 2000 ms, when the metrics are registered, then the latency buckets are dense around 2 s', async () => {
    const registry = new Registry();
    registerPrometheusMetrics({ registry, slaThresholdMs: 2000 });
    new MetricsRecorder([registerPrometheusMetrics({ registry, slaThresholdMs: 2000 })]).record(
      inCall(messageAdded('conv-m', 'm-a', 'assistant', 'ok', Date.now(), { processingTimeMs: 1_900 })),
    );
    const les = labelsOf(await registry.metrics())
      .filter((l) => l['le'] !== undefined)
      .map((l) => l['le']);
    for (const le of ['1.6', '1.8', '2', '2.2', '2.5', '3', '4', '6']) expect(les).toContain(le);
    expect(latencyBuckets(2000)).toEqual([...latencyBuckets(2000)].sort((a, b) => a - b));
  });

  it('given two registrations on one registry, when both record, then they add to the same series', async () => {
    const registry = new Registry();
    const a = new MetricsRecorder([registerPrometheusMetrics({ registry })]);
    const b = new MetricsRecorder([registerPrometheusMetrics({ registry })]);
    const answer = inCall(messageAdded('conv-m', 'm-a', 'assistant', 'ok', Date.now(), { processingTimeMs: 900 }));
    a.record(answer);
    b.record(answer);
    expect(sampleValue(await registry.metrics(), 'lk_agents_turn_e2e_latency_seconds_count', { outcome: 'completed' })).toBe(2);
  });

  it('given an event the store did not queue, when recorded, then it counts as dropped', async () => {
    const registry = new Registry();
    const recorder = new MetricsRecorder([registerPrometheusMetrics({ registry })]);
    recorder.record(inCall(callStarted(CALL, Date.now())), false);
    expect(sampleValue(await registry.metrics(), 'convlog_events_dropped_total', {})).toBe(1);
  });
});

describe('attachConversationLog with metrics.registry on a real AgentSession', () => {
  let logger: ConversationLogger;
  beforeEach(async () => {
    logger = await openLogger('sqlite');
  });
  afterEach(async () => {
    await logger.close();
  });

  it('given a three-answer call with a tool, when it ends, then the registry counts its answers, tool call and end without the call id', async () => {
    const registry = new Registry();
    const session = new voice.AgentSession({ llm: weatherLLM() });
    const log = await attachConversationLog(session, undefined, {
      callId: 'call-live-9c1e',
      room: 'room-live',
      agentName: 'weather-agent',
      sink: logger,
      metrics: { registry },
    });
    await session.start({ agent: new WeatherAgent() });
    await withTimeout(session.run({ userInput: 'Hello there' }).wait(), 10_000);
    await withTimeout(session.run({ userInput: 'What is the weather in Paris?' }).wait(), 10_000);
    await withTimeout(session.run({ userInput: 'Thanks, bye' }).wait(), 10_000);
    await session.close();
    await log.flush();

    const text = await registry.metrics();
    const stats = await logger.getCallStatistics({ hours: 1 });
    expect(sampleValue(text, 'lk_agents_turn_e2e_latency_seconds_count', { agent_name: 'weather-agent' })).toBe(
      stats.performance.responses,
    );
    expect(stats.performance.responses).toBeGreaterThanOrEqual(3);
    expect(sampleValue(text, 'convlog_tool_calls_total', { agent_name: 'weather-agent', tool_name: 'get_weather' })).toBe(1);
    expect(sampleValue(text, 'convlog_calls_total', { agent_name: 'weather-agent', status: 'completed' })).toBe(1);
    expect(text).not.toContain('call-live-9c1e');
    expect(text).not.toContain('room-live');
  });
});
