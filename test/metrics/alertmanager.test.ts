import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { renderAlertRules } from '../../src/metrics/monitoring.js';
import { startDashboardServer, type DashboardServer } from '../../src/server/index.js';
import { skipWithout } from '../support/requirements.js';
import { describeEachBackend, openLogger } from '../support/stores.js';
import { scalarOf, startAlertmanager, startPrometheus, type RunningServer } from './servers.js';

const TOKEN = 'alerting-scrape-token-77b2e4f10c';
const WAIT = { timeout: 60_000, interval: 500 };

interface Notification {
  status: 'firing' | 'resolved';
  alerts: Array<{ status: 'firing' | 'resolved'; labels: Record<string, string>; annotations: Record<string, string> }>;
}

/** Alertmanager's webhook receiver: a loopback HTTP server keeping every notification it is sent. */
async function webhookReceiver(): Promise<{ url: string; notifications: Notification[]; close(): Promise<void> }> {
  const notifications: Notification[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      if (req.method === 'POST') notifications.push(JSON.parse(body) as Notification);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/alerts`,
    notifications,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe.skipIf(skipWithout('prometheus', 'alertmanager'))('needs prometheus and prometheus-alertmanager', () =>
  describeEachBackend('SLA alert through Alertmanager', (backend) => {
    let logger: ConversationLogger;
    let server: DashboardServer;
    let hook: Awaited<ReturnType<typeof webhookReceiver>>;
    let alertmanager: RunningServer;
    let prometheus: RunningServer;
    let conversationId: string;

    beforeAll(async () => {
      logger = await openLogger(backend, { slaThresholdMs: 1500 });
      server = await startDashboardServer({ logger, port: 0, token: TOKEN, metrics: { pollMs: 200 } });
      hook = await webhookReceiver();
      alertmanager = await startAlertmanager(`global:
  resolve_timeout: 5s
route:
  receiver: webhook
  group_by: ["alertname", "agent_name"]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: webhook
    webhook_configs:
      - url: ${JSON.stringify(hook.url)}
        send_resolved: true
`);
      // The shipped rules, with windows short enough for a test and no waiting before firing.
      const rules = renderAlertRules({ shortWindow: '5s', longWindow: '10s', costBaseline: '1m', for: '0s' });
      prometheus = await startPrometheus(
        `global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - rules.yml
alerting:
  alertmanagers:
    - static_configs:
        - targets: ["127.0.0.1:${alertmanager.port}"]
scrape_configs:
  - job_name: convlog
    authorization:
      credentials: ${JSON.stringify(TOKEN)}
    static_configs:
      - targets: ["127.0.0.1:${server.port}"]
`,
        { 'rules.yml': rules },
      );
      const callId = await logger.startCall({ callId: 'call-alert-1', agentName: 'billing-agent' });
      conversationId = await logger.startConversation({ callId });
    }, 90_000);
    afterAll(async () => {
      await prometheus?.stop();
      await alertmanager?.stop();
      await hook?.close();
      await server?.close();
      await logger?.close();
    });

    /** Answers every 200 ms of `ms` latency until `stop()` resolves it. */
    function answerEvery200ms(ms: number): { stop(): Promise<void> } {
      let running = true;
      const loop = (async () => {
        while (running) {
          await logger.logUserMessage({ conversationId, content: 'Is my invoice paid?' });
          await logger.logAssistantMessage({ conversationId, content: 'Let me check.', processingTimeMs: ms });
          await new Promise((r) => setTimeout(r, 200));
        }
      })();
      return {
        stop: async () => {
          running = false;
          await loop;
        },
      };
    }

    const sla = (status: 'firing' | 'resolved') => () =>
      hook.notifications.flatMap((n) => n.alerts).filter((a) => a.labels['alertname'] === 'ConvlogSlaBurnRateHigh' && a.status === status);

    it('given answers over the SLA, when the burn rate crosses both windows, then the alert reaches the webhook firing, and resolves once answers are fast again', async () => {
      // Fast answers first: nothing fires.
      const fast = answerEvery200ms(400);
      try {
        await expect.poll(() => scalarOf(prometheus, 'sum(lk_agents_turn_e2e_latency_seconds_count)'), WAIT).toBeGreaterThan(10);
      } finally {
        await fast.stop();
      }
      expect(sla('firing')()).toEqual([]);

      const slow = answerEvery200ms(2_600);
      try {
        await expect.poll(() => sla('firing')().length, WAIT).toBeGreaterThan(0);
      } finally {
        await slow.stop();
      }
      const [firing] = sla('firing')();
      expect(firing!.labels).toMatchObject({ alertname: 'ConvlogSlaBurnRateHigh', agent_name: 'billing-agent', severity: 'page' });
      expect(firing!.annotations['summary']).toBe('Agent billing-agent answers over its SLA too often');
      expect(JSON.stringify(hook.notifications)).not.toContain('call-alert-1');

      const recovered = answerEvery200ms(400);
      try {
        await expect.poll(() => sla('resolved')().length, WAIT).toBeGreaterThan(0);
      } finally {
        await recovered.stop();
      }
      expect(sla('resolved')()[0]!.labels['agent_name']).toBe('billing-agent');
    }, 180_000);
  }),
);
