import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSystemEventLoggedEvent } from '../../src/events/create.js';
import type { NewEvent } from '../../src/events/types.js';
import { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { startDashboardServer, type DashboardServer } from '../../src/server/index.js';
import { callEnded, callStarted, conversationStarted, messageAdded, metricsRecorded } from '../server/seed.js';
import { request } from '../server/support.js';
import { describeEachBackend, freshDatabaseUrl, quietLog } from '../support/stores.js';
import { labelsOf, sampleValue } from './prom-text.js';

const TOKEN = 'metrics-test-token-0123456789abcdef';
const AUTH = { authorization: `Bearer ${TOKEN}` };

/** A call of `answers` answers (ms each) by `agent`, ended with `status` unless left open. */
function call(id: string, agent: string, answers: number[], at: number, status: 'completed' | 'failed' | null = 'completed'): NewEvent[] {
  const conv = `conv-${id}`;
  const events: NewEvent[] = [callStarted(id, at, { agentName: agent }), conversationStarted(id, conv, at + 1)];
  answers.forEach((ms, i) => {
    events.push(messageAdded(conv, `${id}-u${i}`, 'user', 'hello', at + 10 + i * 10));
    events.push(messageAdded(conv, `${id}-a${i}`, 'assistant', 'hi', at + 15 + i * 10, { processingTimeMs: ms }));
  });
  events.push(metricsRecorded(conv, 'llm', at + 500, 0.002, 400));
  if (status !== null) events.push(callEnded(id, at + 1_000, status, status === 'failed' ? 'error' : 'user_initiated'));
  return events;
}

async function write(logger: ConversationLogger, events: NewEvent[]): Promise<void> {
  for (const e of events) await logger.append(e);
}

describeEachBackend('convlog serve /metrics', (backend) => {
  let url: string;
  let dashboard: ConversationLogger;
  let worker: ConversationLogger;
  let server: DashboardServer;
  let base: string;
  const now = Date.now() - 60_000;

  beforeAll(async () => {
    url = await freshDatabaseUrl(backend);
    const open = (sla: number) =>
      ConversationLogger.open({ databaseUrl: url, slaThresholdMs: sla, flushIntervalMs: 5, poolSize: 2, log: quietLog });
    worker = await open(1500);
    // Before the server starts: one finished call, and one still in progress (its agent is only in the calls table).
    await write(worker, call('call-before-1', 'early-agent', [700, 800], now));
    await write(worker, call('call-open-2', 'open-agent', [600], now + 10, null));
    await worker.flush();
    // The dashboard's own store config has a 2000 ms SLA: its buckets are placed around that.
    dashboard = await open(2000);
    server = await startDashboardServer({ logger: dashboard, port: 0, token: TOKEN, pollMs: 50, metrics: { pollMs: 50 } });
    base = server.url.replace(/\/$/, '');
  });
  afterAll(async () => {
    await server?.close();
    await dashboard?.close();
    await worker?.close();
  });

  it('given a token, when /metrics is asked without it, then it is refused 401 and asks for a Bearer token', async () => {
    const res = await request(`${base}/metrics`);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toContain('Bearer');
    expect(res.body).not.toContain('lk_agents');
    const wrong = await request(`${base}/metrics`, { headers: { authorization: 'Bearer not-the-token-at-all-123' } });
    expect(wrong.status).toBe(401);
  });

  it('given the Bearer token, when /metrics is scraped, then it answers the Prometheus text format with process metrics', async () => {
    const res = await request(`${base}/metrics`, { headers: AUTH });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.body).toContain('# TYPE lk_agents_turn_e2e_latency_seconds histogram');
    expect(res.body).toContain('# TYPE convlog_calls_total counter');
    expect(sampleValue(res.body, 'process_cpu_user_seconds_total', {})).not.toBeNull();
  });

  it('given calls written by another process after the server started, when scraped, then only they are counted, from the log', async () => {
    await write(worker, call('call-after-3', 'late-agent', [900, 1_700, 2_600], now + 100));
    await write(worker, call('call-after-4', 'late-agent', [1_100], now + 200, 'failed'));
    // The call that was open when the server started answers again and ends.
    await write(worker, [
      messageAdded('conv-call-open-2', 'call-open-2-a9', 'assistant', 'still here', now + 300, { processingTimeMs: 1_200 }),
      callEnded('call-open-2', now + 400, 'completed', 'user_initiated'),
      // A writer's report that its queue overflowed.
      createSystemEventLoggedEvent({
        occurredAt: now + 500,
        eventType: 'events_dropped',
        severity: 'ERROR',
        message: '7 events were dropped: the write queue was full',
        component: 'writer',
        count: 7,
      }),
    ]);
    await worker.flush();

    const scrape = async () => (await request(`${base}/metrics`, { headers: AUTH })).body;
    await expect.poll(async () => sampleValue(await scrape(), 'convlog_calls_total', {})).toBe(3);
    const text = await scrape();
    // Counted from the log's end when the server started: the earlier call is not in the counters.
    expect(sampleValue(text, 'convlog_calls_total', { agent_name: 'early-agent' })).toBeNull();
    expect(sampleValue(text, 'convlog_calls_total', { agent_name: 'late-agent', status: 'failed', end_reason: 'error' })).toBe(1);
    expect(sampleValue(text, 'convlog_calls_total', { agent_name: 'late-agent', status: 'completed' })).toBe(1);
    expect(sampleValue(text, 'lk_agents_turn_e2e_latency_seconds_count', { agent_name: 'late-agent' })).toBe(4);
    // The call in progress keeps its agent's name, read from the calls table.
    expect(sampleValue(text, 'lk_agents_turn_e2e_latency_seconds_count', { agent_name: 'open-agent' })).toBe(1);
    expect(sampleValue(text, 'convlog_calls_total', { agent_name: 'open-agent', status: 'completed' })).toBe(1);
    // Violations by each answer's own threshold (1500 ms): 1700 and 2600.
    expect(sampleValue(text, 'convlog_sla_violations_total', { agent_name: 'late-agent' })).toBe(2);
    expect(sampleValue(text, 'convlog_cost_usd_total', { agent_name: 'late-agent' })).toBeCloseTo(0.004, 9);
    expect(sampleValue(text, 'convlog_events_dropped_total', {})).toBe(7);
    // Buckets around the serving store's 2000 ms SLA: 1.8, 2, 2.2 and 2.5 s.
    const les = new Set(labelsOf(text).map((l) => l['le']));
    for (const le of ['1.8', '2', '2.2', '2.5']) expect(les).toContain(le);
    expect(sampleValue(text, 'lk_agents_turn_e2e_latency_seconds_bucket', { agent_name: 'late-agent', le: '2' })).toBe(3);
    for (const id of ['call-after-3', 'call-after-4', 'call-open-2', 'conv-call']) expect(text).not.toContain(id);
  });

  it('given no token, when /metrics is asked under a name other than loopback, then it is refused like the dashboard (421)', async () => {
    const open = await startDashboardServer({ logger: dashboard, port: 0, metrics: { processMetrics: false } });
    try {
      const rebound = await request(`${open.url}metrics`, { headers: { host: `attacker.example:${open.port}` } });
      expect(rebound.status).toBe(421);
      expect(rebound.body).not.toContain('lk_agents');
      const local = await request(`${open.url}metrics`);
      expect(local.status).toBe(200);
      expect(local.body).toContain('# TYPE convlog_calls_total counter');
      expect(local.body).not.toContain('process_cpu');
    } finally {
      await open.close();
    }
  });

  it('given metrics turned off, when /metrics is asked, then it is not found', async () => {
    const off = await startDashboardServer({ logger: dashboard, port: 0, metrics: false });
    try {
      expect((await request(`${off.url}metrics`)).status).toBe(404);
    } finally {
      await off.close();
    }
  });
});
