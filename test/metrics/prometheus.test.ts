import { voice } from '@livekit/agents';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { latencyBuckets } from '../../src/metrics/definitions.js';
import { dashboardQueries } from '../../src/metrics/monitoring.js';
import { attachConversationLog } from '../../src/plugin/attach.js';
import { startDashboardServer, type DashboardServer } from '../../src/server/index.js';
import { WeatherAgent, weatherLLM, withTimeout } from '../support/livekit/session.js';
import { skipWithout } from '../support/requirements.js';
import { describeEachBackend, openLogger } from '../support/stores.js';
import { get, query, scalarOf, startPrometheus, type RunningServer } from './servers.js';

const TOKEN = 'prometheus-scrape-token-5d1c0a9e';
const RULES = path.resolve(import.meta.dirname, '../../monitoring/prometheus/convlog-rules.yml');
const SLA_MS = 1500;
const BUCKETS = latencyBuckets(SLA_MS);
const WAIT = { timeout: 60_000, interval: 500 };

/** Deterministic answer latencies (ms): most well under the 1500 ms SLA, a tail over it (a 32-bit LCG). */
function latencies(n: number, seed = 42): number[] {
  let x = seed;
  const next = () => (x = (Math.imul(x, 1_664_525) + 1_013_904_223) >>> 0) / 2 ** 32;
  return Array.from({ length: n }, () => {
    const u = next();
    return Math.round(u < 0.88 ? 350 + next() * 1_050 : 1_450 + next() * 900);
  });
}

/** The bounds of the bucket holding `ms`, widened by one bucket each side: "within one bucket". */
function withinOneBucket(ms: number): [number, number] {
  const s = ms / 1000;
  const i = BUCKETS.findIndex((b) => s <= b);
  return [BUCKETS[i - 2] ?? 0, BUCKETS[i + 1] ?? Infinity];
}

/** A call through the logger's API: `answers` answers of the given latencies, ended `status`. */
async function scriptedCall(logger: ConversationLogger, id: string, answers: number[], status: 'completed' | 'failed'): Promise<void> {
  const callId = await logger.startCall({ callId: id, agentName: 'support-agent', livekitRoom: `room-${id}` });
  const conversationId = await logger.startConversation({ callId, aiModel: 'gpt-4o-mini' });
  for (const ms of answers) {
    await logger.logUserMessage({ conversationId, content: 'Where is my order?' });
    await logger.logAssistantMessage({
      conversationId,
      content: 'It ships tomorrow.',
      processingTimeMs: ms,
      llmModel: 'gpt-4o-mini',
      llmTokensInput: 300,
      llmTokensOutput: 40,
      llmCostUsd: 0.0005,
    });
  }
  await logger.endCall(callId, { status, reason: status === 'failed' ? 'error' : 'user_initiated' });
}

/** A real text-path AgentSession call (FakeLLM) recorded by the plugin. */
async function sessionCall(logger: ConversationLogger, callId: string): Promise<void> {
  const session = new voice.AgentSession({ llm: weatherLLM() });
  const log = await attachConversationLog(session, undefined, { callId, agentName: 'weather-agent', sink: logger });
  await session.start({ agent: new WeatherAgent() });
  for (const text of ['Hello there', 'What is the weather in Paris?', 'Thanks, bye'])
    await withTimeout(session.run({ userInput: text }).wait(), 10_000);
  await session.close();
  await log.flush();
}

describe.skipIf(skipWithout('prometheus'))('needs prometheus', () =>
  describeEachBackend('Prometheus scraping convlog serve', (backend) => {
    let logger: ConversationLogger;
    let server: DashboardServer;
    let prometheus: RunningServer;

    beforeAll(async () => {
      logger = await openLogger(backend, { slaThresholdMs: SLA_MS });
      server = await startDashboardServer({ logger, port: 0, token: TOKEN, metrics: { pollMs: 200 } });
      const config = `global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - ${JSON.stringify(path.basename(RULES))}
scrape_configs:
  - job_name: convlog
    metrics_path: /metrics
    authorization:
      credentials: ${JSON.stringify(TOKEN)}
    static_configs:
      - targets: ["127.0.0.1:${server.port}"]
`;
      prometheus = await startPrometheus(config, { [path.basename(RULES)]: fs.readFileSync(RULES, 'utf8') });
    }, 90_000);
    afterAll(async () => {
      await prometheus?.stop();
      await server?.close();
      await logger?.close();
    });

    it('given the token in the scrape config, when Prometheus scrapes /metrics, then the target is up', async () => {
      await expect.poll(() => scalarOf(prometheus, 'up{job="convlog"}'), WAIT).toBe(1);
      const targets = JSON.parse((await get(`${prometheus.url}/api/v1/targets`)).body) as {
        data: { activeTargets: Array<{ health: string; lastError: string }> };
      };
      expect(targets.data.activeTargets.map((t) => [t.health, t.lastError])).toEqual([['up', '']]);
    }, 90_000);

    it('given a scripted load, when Prometheus computes the p95 from the histogram, then it agrees with getCallStatistics within one bucket', async () => {
      // The series exist before the load, as in a running fleet: one real session and one scripted call.
      await sessionCall(logger, 'call-warmup-session');
      await scriptedCall(logger, 'call-warmup-scripted', [800], 'completed');
      const warm = (await logger.getCallStatistics({ hours: 1 })).performance.responses;
      await expect.poll(() => scalarOf(prometheus, 'sum(lk_agents_turn_e2e_latency_seconds_count)'), WAIT).toBe(warm);
      const before = await scalarOf(prometheus, 'vector(time())');

      const all = latencies(240);
      for (let c = 0; c < 48; c++)
        await scriptedCall(logger, `call-load-${c}`, all.slice(c * 5, c * 5 + 5), c % 8 === 0 ? 'failed' : 'completed');
      const stats = await logger.getCallStatistics({ hours: 1 });
      expect(stats.performance.responses).toBe(warm + 240);
      await expect
        .poll(() => scalarOf(prometheus, 'sum(lk_agents_turn_e2e_latency_seconds_count)'), WAIT)
        .toBe(stats.performance.responses);
      // Two more scrapes, so that the rate's last sample holds everything.
      await expect.poll(async () => (await scalarOf(prometheus, 'vector(time())'))! - before!, WAIT).toBeGreaterThan(3);

      const exact = stats.performance.p95ResponseTimeMs!;
      const [low, high] = withinOneBucket(exact);
      const window = `${Math.ceil((await scalarOf(prometheus, 'vector(time())'))! - before!) + 5}s`;
      const p95Rate = await scalarOf(
        prometheus,
        `histogram_quantile(0.95, sum by (le) (rate(lk_agents_turn_e2e_latency_seconds_bucket[${window}])))`,
      );
      const p95All = await scalarOf(prometheus, 'histogram_quantile(0.95, sum by (le) (lk_agents_turn_e2e_latency_seconds_bucket))');
      expect(exact).toBeGreaterThan(SLA_MS);
      expect(p95Rate).toBeGreaterThanOrEqual(low);
      expect(p95Rate).toBeLessThanOrEqual(high);
      expect(p95All).toBeGreaterThanOrEqual(low);
      expect(p95All).toBeLessThanOrEqual(high);

      // The counters agree with the store's aggregates exactly.
      expect(await scalarOf(prometheus, 'sum(convlog_sla_violations_total)')).toBe(stats.performance.slaViolations);
      expect(await scalarOf(prometheus, 'sum(convlog_calls_total{status="failed"})')).toBe(stats.calls.failed);
      expect(await scalarOf(prometheus, 'sum(convlog_calls_total)')).toBe(stats.calls.ended);
      expect(await scalarOf(prometheus, 'sum(convlog_cost_usd_total)')).toBeCloseTo(stats.costs.totalUsd!, 9);
      expect(await scalarOf(prometheus, 'sum(convlog_tool_calls_total{tool_name="get_weather"})')).toBe(1);
      // No series carries a call id.
      const series = await query(prometheus, '{job="convlog", __name__=~"lk_agents_.*|convlog_.*"}');
      expect(series.length).toBeGreaterThan(0);
      expect(JSON.stringify(series)).not.toMatch(/call-(?:load|warmup)/);
    }, 180_000);

    it('given the shipped rules loaded, when Prometheus evaluates them, then every rule is healthy', async () => {
      await expect
        .poll(
          async () => {
            const body = JSON.parse((await get(`${prometheus.url}/api/v1/rules`)).body) as {
              data: { groups: Array<{ rules: Array<{ name: string; health: string }> }> };
            };
            return body.data.groups.flatMap((g) => g.rules.map((r) => `${r.name}: ${r.health}`)).sort();
          },
          { timeout: 20_000, interval: 500 },
        )
        .toEqual(
          [
            'convlog:sla_violation_ratio:rate5m: ok',
            'convlog:sla_violation_ratio:rate1h: ok',
            'convlog:call_failure_ratio:rate1h: ok',
            'convlog:cost_usd_per_minute:rate1h: ok',
            'ConvlogSlaBurnRateHigh: ok',
            'ConvlogCallFailureRateHigh: ok',
            'ConvlogCostPerMinuteHigh: ok',
            'ConvlogEventsDropped: ok',
          ].sort(),
        );
      // 28 of the 240 load answers are over the SLA, well past the 14.4 % burn threshold, so the alert is pending or firing.
      expect(await scalarOf(prometheus, 'convlog:sla_violation_ratio:rate5m{agent_name="support-agent"}')).toBeGreaterThan(0.05);
    }, 60_000);

    it('given the Grafana dashboard, when each of its queries runs on Prometheus, then it is valid and the main panels have data', async () => {
      const nonEmpty = new Set<string>();
      for (const q of dashboardQueries()) {
        const expr = q.expr.replaceAll('$agent', '.*').replaceAll('$__rate_interval', '1m');
        const result = await query(prometheus, expr);
        if (result.some((r) => Number.isFinite(Number(r.value[1])))) nonEmpty.add(q.panel);
      }
      for (const panel of [
        'Turn end-to-end latency',
        'Answers over the SLA',
        'Calls ended per minute',
        'Call failure rate',
        'Cost per minute',
      ])
        expect(nonEmpty).toContain(panel);
    }, 60_000);
  }),
);
