import { voice } from '@livekit/agents';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { attachConversationLog, type JobContextLike } from '../../src/plugin/attach.js';
import { verifyWebhookSignature } from '../../src/webhooks/signature.js';
import { WeatherAgent, weatherLLM, withTimeout } from '../support/livekit/session.js';
import { describeEachBackend, openLogger } from '../support/stores.js';
import { bodies, WebhookReceiver } from '../support/webhook-receiver.js';

const SECRET = 'whsec-plugin-0123456789abcdef';

describeEachBackend('plugin webhooks on a real AgentSession', (backend) => {
  let receiver: WebhookReceiver;
  let logger: ConversationLogger;
  beforeEach(async () => {
    receiver = await new WebhookReceiver().start();
    logger = await openLogger(backend, { webhooks: [{ url: receiver.url, secret: SECRET, includeTranscript: true }] });
  });
  afterEach(async () => {
    await logger.close();
    await receiver.stop();
  });

  it('given the plugin attached with a webhook, when the job shuts down, then the call report was posted before the shutdown callback returned', async () => {
    const callbacks: Array<() => Promise<void>> = [];
    const ctx: JobContextLike = { job: { id: 'job-hook' }, addShutdownCallback: (cb) => callbacks.push(cb) };
    const session = new voice.AgentSession({ llm: weatherLLM() });
    // A budget no loaded machine runs out of: what is checked is that the report went before the callback returned.
    await attachConversationLog(session, ctx, { room: 'room-hook', sink: logger, webhookTimeoutMs: 30_000 });
    await session.start({ agent: new WeatherAgent() });
    await withTimeout(session.run({ userInput: 'Hello there' }).wait(), 10_000);
    await withTimeout(session.run({ userInput: 'What is the weather in Paris?' }).wait(), 10_000);
    await session.close();
    // LiveKit runs the job's shutdown callbacks when the job ends.
    for (const cb of callbacks) await cb();

    expect(receiver.acknowledged).toHaveLength(1);
    const [request] = receiver.requests;
    expect(
      verifyWebhookSignature({ payload: request!.body, header: request!.headers['x-conversationlog-signature'], secret: SECRET }),
    ).toBe(true);
    const [payload] = bodies(receiver.requests);
    expect(payload).toMatchObject({ event: 'call_ended', callId: 'job-hook' });
    const { report } = payload!;
    expect(report.call).toMatchObject({ id: 'job-hook', livekitRoom: 'room-hook', status: 'completed' });
    expect(report.transcript!.filter((m) => m.role !== 'tool').map((m) => m.content)).toEqual([
      'Hello there',
      'Hi! How can I help you today?',
      'What is the weather in Paris?',
      'It is sunny in Paris.',
    ]);
    // Each answered turn with its latency per stage (text input: the LLM's time to first token).
    expect(report.turns.length).toBeGreaterThanOrEqual(2);
    expect(report.turns.every((t) => t.llmTtftMs !== null)).toBe(true);
    expect(report.latency.llmTtft.num).toBeGreaterThanOrEqual(2);
    expect(report.analysis).toBeNull();
    const [row] = (await (await logger.dataSource()).query(`SELECT status FROM webhook_deliveries`)) as Array<{ status: string }>;
    expect(row!.status).toBe('delivered');
  });

  it('given a receiver that never answers, when the job shuts down, then the close is bounded by webhookTimeoutMs and the report stays queued', async () => {
    receiver.respond = () => new Promise<number>(() => undefined);
    const callbacks: Array<() => Promise<void>> = [];
    const ctx: JobContextLike = { job: { id: 'job-hang' }, addShutdownCallback: (cb) => callbacks.push(cb) };
    const session = new voice.AgentSession({ llm: weatherLLM() });
    await attachConversationLog(session, ctx, { room: 'room-hang', sink: logger, webhookTimeoutMs: 200 });
    await session.start({ agent: new WeatherAgent() });
    await withTimeout(session.run({ userInput: 'Hello there' }).wait(), 10_000);
    await session.close();
    // Only a guard against a hang: the bound itself is read from the attempt the deliverer recorded.
    await withTimeout(Promise.all(callbacks.map((cb) => cb())), 30_000);

    expect(receiver.requests).toHaveLength(1);
    const [row] = (await (await logger.dataSource()).query(`SELECT status, last_error FROM webhook_deliveries`)) as Array<{
      status: string;
      last_error: string;
    }>;
    expect(row!.status).toBe('pending');
    // The request was given at most what was left of webhookTimeoutMs, not the 10 s of a request.
    const budget = Number(/^no answer within (\d+) ms$/.exec(row!.last_error)?.[1]);
    expect(budget).toBeGreaterThan(0);
    expect(budget).toBeLessThanOrEqual(200);
  });
});
