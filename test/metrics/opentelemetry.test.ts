import { voice } from '@livekit/agents';
import { MeterProvider, MetricReader, type HistogramMetricData } from '@opentelemetry/sdk-metrics';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { latencyBuckets } from '../../src/metrics/index.js';
import { attachConversationLog } from '../../src/plugin/attach.js';
import { WeatherAgent, weatherLLM, withTimeout } from '../support/livekit/session.js';
import { describeEachBackend, openLogger } from '../support/stores.js';

/** A reader the test collects from on demand (the SDK's own base class, no exporter). */
class OnDemandReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

describeEachBackend("OpenTelemetry metrics: LiveKit's lk.agents.turn.* histograms on the app's MeterProvider", (backend) => {
  let logger: ConversationLogger;
  beforeEach(async () => {
    logger = await openLogger(backend);
  });
  afterEach(async () => {
    await logger.close();
  });

  it('given a MeterProvider, when a real AgentSession call is attached with it, then each answer is one e2e observation in seconds, on the SLA buckets, labelled without the call', async () => {
    // given
    const reader = new OnDemandReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    const session = new voice.AgentSession({ llm: weatherLLM() });
    const log = await attachConversationLog(session, undefined, {
      callId: 'call-otel-1',
      room: 'room-otel',
      sink: logger,
      slaThresholdMs: 1500,
      metrics: { registry: false, meterProvider },
    });
    // when
    await session.start({ agent: new WeatherAgent() });
    for (const text of ['Hello there', 'What is the weather in Paris?', 'Thanks, bye'])
      await withTimeout(session.run({ userInput: text }).wait(), 10_000);
    await session.close();
    await log.flush();

    // then
    const { resourceMetrics } = await reader.collect();
    const metrics = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    const e2e = metrics.find((m) => m.descriptor.name === 'lk.agents.turn.e2e_latency') as HistogramMetricData | undefined;
    expect(e2e).toBeDefined();
    expect(e2e!.descriptor.unit).toBe('s');
    const points = e2e!.dataPoints;
    const count = points.reduce((a, p) => a + p.value.count, 0);
    const ds = await logger.dataSource();
    const [answers] = (await ds.query(
      `SELECT COUNT(*) AS n FROM messages WHERE call_id = 'call-otel-1' AND role = 'assistant' AND processing_time_ms IS NOT NULL`,
    )) as Array<{ n: unknown }>;
    expect(count).toBe(Number(answers!.n));
    expect(count).toBeGreaterThan(0);
    // seconds, not ms: every answer of a scripted call is well under 10 s
    for (const p of points) expect(p.value.max!).toBeLessThan(10);
    expect(points[0]!.value.buckets.boundaries).toEqual(latencyBuckets(1500));
    for (const p of points) {
      expect(Object.keys(p.attributes).sort()).toEqual(['agent_name', 'model_name', 'model_provider', 'outcome']);
      expect(JSON.stringify(p.attributes)).not.toContain('call-otel-1');
      expect(JSON.stringify(p.attributes)).not.toContain('room-otel');
    }
    expect(metrics.map((m) => m.descriptor.name)).toContain('lk.agents.turn.llm_ttft');
    await meterProvider.shutdown();
  });
});
