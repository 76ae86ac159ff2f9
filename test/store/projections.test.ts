import { afterEach, beforeEach, expect, it } from 'vitest';
import type { MetricsRecordedData, NewEvent } from '../../src/events/types.js';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { describeEachBackend, openLogger } from '../support/stores.js';
import { createMetricsRecordedEvent } from '../../src/events/create.js';

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);

const metrics = (conversationId: string, kind: 'llm' | 'stt' | 'tts' | 'eou', over: Partial<MetricsRecordedData>): NewEvent =>
  createMetricsRecordedEvent({ callId: 'call', occurredAt: T0 + 1000, conversationId, kind, ...over });

describeEachBackend('projections', (backend) => {
  let logger: ConversationLogger;
  let conversationId: string;
  beforeEach(async () => {
    logger = await openLogger(backend);
    await logger.startCall({ callId: 'call', startedAt: T0 });
    conversationId = await logger.startConversation({ callId: 'call' });
  });
  afterEach(async () => {
    await logger.close();
  });

  it('given usage metrics, when applied, then conversation_metrics sums costs and tokens and averages plausible latencies only', async () => {
    await Promise.all([
      logger.append(
        metrics(conversationId, 'llm', { latencyMs: 300, tokensInput: 100, tokensCachedInput: 40, tokensOutput: 20, costUsd: 0.01 }),
      ),
      logger.append(metrics(conversationId, 'llm', { latencyMs: 500, tokensInput: 50, tokensOutput: 10, costUsd: null })),
      logger.append(metrics(conversationId, 'llm', { latencyMs: 500_000 })), // implausible: not averaged
      logger.append(metrics(conversationId, 'stt', { latencyMs: 80, audioDurationMs: 3000, costUsd: 0.002 })),
      logger.append(metrics(conversationId, 'tts', { latencyMs: 150, characters: 42, costUsd: 0.003 })),
      logger.append(metrics(conversationId, 'eou', { latencyMs: -5 })), // implausible
    ]);
    const ds = await logger.dataSource();
    const [m] = await ds.query(`SELECT * FROM conversation_metrics WHERE conversation_id = '${conversationId}'`);
    expect(Number(m.llm_latency_count)).toBe(2);
    expect(Number(m.llm_latency_avg_ms)).toBe(400);
    expect(Number(m.eou_delay_count)).toBe(0);
    expect(Number(m.llm_tokens_input)).toBe(150);
    expect(Number(m.llm_tokens_cached)).toBe(40);
    expect(Number(m.llm_tokens_output)).toBe(30);
    expect(Number(m.llm_cost_usd)).toBeCloseTo(0.01, 12);
    expect(Number(m.stt_cost_usd)).toBeCloseTo(0.002, 12);
    expect(Number(m.tts_cost_usd)).toBeCloseTo(0.003, 12);
    expect(Number(m.total_cost_usd)).toBeCloseTo(0.015, 12);
    expect(Number(m.unpriced_usage_count)).toBe(1);
  });

  it('given assistant messages, when one is implausible, then response time stats ignore it but keep the row', async () => {
    for (const ms of [1000, 2000, 3000, 200_000]) await logger.logAssistantMessage({ conversationId, content: 'x', processingTimeMs: ms });
    const ds = await logger.dataSource();
    const [m] = await ds.query(`SELECT * FROM conversation_metrics`);
    expect(Number(m.response_time_count)).toBe(3);
    expect(Number(m.response_time_avg_ms)).toBe(2000);
    expect(Number(m.response_time_p50_ms)).toBe(2000);
    expect(Number(m.response_time_p95_ms)).toBeCloseTo(2900, 9);
    expect(Number(m.response_time_max_ms)).toBe(3000);
    expect(Number(m.sla_violations)).toBe(2);
    expect(Number(m.turns)).toBe(4);
    const rows = await ds.query(`SELECT processing_time_ms, implausible FROM messages ORDER BY processing_time_ms`);
    expect(rows).toHaveLength(4);
  });

  it('given a failed call, when ended, then calls has its status and system_events a call_failed row', async () => {
    await logger.endCall('call', { status: 'failed', reason: 'error', error: 'llm down' });
    const ds = await logger.dataSource();
    const [c] = await ds.query(`SELECT status, end_reason, error FROM calls`);
    expect(c).toEqual({ status: 'failed', end_reason: 'error', error: 'llm down' });
    const sys = await ds.query(`SELECT event_type, severity FROM system_events`);
    expect(sys).toEqual([{ event_type: 'call_failed', severity: 'ERROR' }]);
    const stats = await logger.getCallStatistics({ hours: 24 * 365 * 10 });
    expect(stats.calls.successRate).toBe(0);
    expect(stats.errors.byType).toEqual({ call_failed: 1 });
  });
});
