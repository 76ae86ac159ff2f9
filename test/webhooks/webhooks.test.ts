import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createCallEndedEvent } from '../../src/events/create.js';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import type { WebhookConfig } from '../../src/config/webhooks.js';
import { WebhookDeliverer } from '../../src/webhooks/deliverer.js';
import { listDeliveries, retryDelivery } from '../../src/store/webhook-outbox.js';
import { verifyWebhookSignature } from '../../src/webhooks/signature.js';
import { describeEachBackend, freshDatabaseUrl, openLogger, quietLog, type Backend } from '../support/stores.js';
import { bodies, WebhookReceiver } from '../support/webhook-receiver.js';
import { voice } from '@livekit/agents';
import { ANALYSIS_REQUEST } from '../../src/analysis/prompt.js';

const SECRET = 'whsec-test-0123456789abcdef';
const CHILD = path.resolve('test/support/webhook-deliver-child.ts');

/** A call with one exchange; ended through `endCall` (which sends at once) or appended (which only queues). */
async function recordCall(logger: ConversationLogger, callId: string, end: 'endCall' | 'queue'): Promise<void> {
  await logger.startCall({ callId, livekitRoom: `room-${callId}` });
  const conversationId = await logger.startConversation({ callId, aiModel: 'gpt-4o-mini' });
  await logger.logUserMessage({ conversationId, content: `hello from ${callId}` });
  await logger.logAssistantMessage({ conversationId, content: 'Hi!', processingTimeMs: 420, llmModel: 'gpt-4o-mini', llmCostUsd: 0.0012 });
  if (end === 'endCall') await logger.endCall(callId);
  else await logger.append(createCallEndedEvent({ callId, status: 'completed' }));
}

/** A deliverer over `logger`'s store with its own clock, as a second process would run it. */
const delivererOf = (logger: ConversationLogger, endpoints: WebhookConfig[], now: () => number, giveUpAfterMs?: number): WebhookDeliverer =>
  new WebhookDeliverer({
    ...(giveUpAfterMs === undefined ? {} : { giveUpAfterMs }),
    dataSource: () => logger.dataSource(),
    dialect: logger.config.dialect,
    endpoints: endpoints.map((e) => ({ id: 'hook', events: ['call_ended'], includeTranscript: false, ...e })),
    runExclusive: (fn) => logger.store.exclusive(fn),
    now,
    log: quietLog,
  });

const statuses = async (logger: ConversationLogger): Promise<Array<[string, string]>> =>
  (
    (await (await logger.dataSource()).query(`SELECT call_id, status FROM webhook_deliveries ORDER BY event_position`)) as Array<{
      call_id: string;
      status: string;
    }>
  ).map((r) => [r.call_id, r.status]);

describeEachBackend('webhooks', (backend: Backend) => {
  let receiver: WebhookReceiver;
  let logger: ConversationLogger;
  const open = async (extra: Partial<WebhookConfig> = {}) =>
    (logger = await openLogger(backend, { webhooks: [{ url: receiver.url, secret: SECRET, id: 'hook', ...extra }] }));

  beforeEach(async () => {
    receiver = await new WebhookReceiver().start();
  });
  afterEach(async () => {
    await logger?.close();
    await receiver.stop();
  });

  it('given an endpoint for both events, when a call ends and then its analysis (by the library\u2019s FakeLLM) is stored, then a second report carries the analysis', async () => {
    await open({ events: ['call_ended', 'analysis_completed'] });
    await recordCall(logger, 'call-analysed', 'endCall');
    await expect.poll(() => receiver.acknowledged.length).toBe(1);
    // FakeLLM answers by the last message, which is the same request for every call.
    const llm = new voice.testing.FakeLLM([
      {
        input: ANALYSIS_REQUEST,
        content: JSON.stringify({ summary: 'The caller said hello.', verdict: 'pass', reason: 'greeted' }),
      },
    ]);
    const result = await logger.analyzeCall('call-analysed', { llm, criteria: 'The agent greets the caller.' });
    expect(result.status).toBe('completed');
    await expect.poll(() => receiver.acknowledged.length).toBe(2);
    const [ended, analysed] = bodies(receiver.requests);
    expect([ended!.event, ended!.report.analysis]).toEqual(['call_ended', null]);
    expect(receiver.requests[1]!.headers['x-conversationlog-event']).toBe('analysis_completed');
    expect(analysed).toMatchObject({ event: 'analysis_completed', callId: 'call-analysed' });
    expect(analysed!.report.analysis).toMatchObject({
      status: 'completed',
      verdict: 'pass',
      verdictReason: 'greeted',
      summary: 'The caller said hello.',
    });
  });

  it('given a configured endpoint, when a call ends, then its report arrives signed, with the transcript, turns, cost and no analysis yet', async () => {
    await open({ includeTranscript: true });
    await recordCall(logger, 'call-signed', 'endCall');
    await expect.poll(() => receiver.acknowledged.length).toBe(1);

    const [request] = receiver.requests;
    const signature = request!.headers['x-conversationlog-signature'];
    expect(verifyWebhookSignature({ payload: request!.body, header: signature, secret: SECRET })).toBe(true);
    // Another secret, or a body changed in transit, does not verify.
    expect(verifyWebhookSignature({ payload: request!.body, header: signature, secret: 'another-secret-0123456789' })).toBe(false);
    expect(verifyWebhookSignature({ payload: request!.body.replace('hello', 'HELLO'), header: signature, secret: SECRET })).toBe(false);
    // A replay an hour later is refused by the timestamp check.
    expect(verifyWebhookSignature({ payload: request!.body, header: signature, secret: SECRET, now: Date.now() + 3_600_000 })).toBe(false);

    const [payload] = bodies(receiver.requests);
    expect(request!.headers['x-conversationlog-delivery']).toBe(payload!.id);
    expect(request!.headers['x-conversationlog-event']).toBe('call_ended');
    expect(payload).toMatchObject({ event: 'call_ended', callId: 'call-signed' });
    const report = payload!.report;
    expect(report.call).toMatchObject({ id: 'call-signed', status: 'completed', livekitRoom: 'room-call-signed' });
    expect(report.conversations).toHaveLength(1);
    expect(report.transcript!.map((m) => [m.role, m.content])).toEqual([
      ['user', 'hello from call-signed'],
      ['assistant', 'Hi!'],
    ]);
    expect(report.cost.llm).toBeCloseTo(0.0012, 9);
    expect(report.analysis).toBeNull();
    // Recorded once the answer reached the deliverer.
    await expect.poll(() => statuses(logger)).toEqual([['call-signed', 'delivered']]);
  });

  it('given an endpoint without includeTranscript, when the report is posted, then it carries no transcript', async () => {
    await open();
    await recordCall(logger, 'call-private', 'endCall');
    await expect.poll(() => receiver.acknowledged.length).toBe(1);
    const [payload] = bodies(receiver.requests);
    expect(payload!.report.transcript).toBeNull();
    expect(receiver.requests[0]!.body).not.toContain('hello from');
  });

  it('given a receiver down for an hour (refused, then 500), when it is back, then it gets every report once, in order', async () => {
    await open();
    let clock = Date.now();
    const deliverer = delivererOf(logger, [{ url: receiver.url, secret: SECRET }], () => clock);
    await receiver.stop(); // connection refused
    for (const id of ['c1', 'c2', 'c3']) await recordCall(logger, id, 'queue');
    // Down: every few minutes of the hour one attempt fails, and later reports wait behind the first.
    for (let minute = 0; minute < 60; minute += 5) {
      clock += 5 * 60_000;
      expect(await deliverer.deliverPending()).toMatchObject({ delivered: 0 });
    }
    // Back, but failing with 500 twice.
    await receiver.start();
    let errors = 2;
    receiver.respond = () => (errors-- > 0 ? 500 : 200);
    for (let i = 0; i < 10 && receiver.acknowledged.length < 3; i++) {
      clock += 5 * 60_000;
      await deliverer.deliverPending();
    }
    expect(bodies(receiver.acknowledged).map((b) => b.callId)).toEqual(['c1', 'c2', 'c3']);
    const ids = bodies(receiver.acknowledged).map((b) => b.id);
    expect(new Set(ids).size).toBe(3);
    expect(await statuses(logger)).toEqual([
      ['c1', 'delivered'],
      ['c2', 'delivered'],
      ['c3', 'delivered'],
    ]);
    // Acknowledged means never again: a later pass (or a restarted deliverer) sends nothing.
    const sent = receiver.requests.length;
    clock += 86_400_000;
    await deliverer.deliverPending();
    await delivererOf(logger, [{ url: receiver.url, secret: SECRET }], () => clock).deliverPending();
    expect(receiver.requests.length).toBe(sent);
  });

  it('given a receiver that times out, then fails, then recovers, then each retry waits twice as long as the last and the report is acknowledged once, with one id', async () => {
    await open();
    const ds = await logger.dataSource();
    await recordCall(logger, 'flaky', 'queue');
    let clock = Date.now();
    const deliverer = new WebhookDeliverer({
      dataSource: () => logger.dataSource(),
      dialect: logger.config.dialect,
      endpoints: [{ id: 'hook', url: receiver.url, secret: SECRET, events: ['call_ended'], includeTranscript: false }],
      runExclusive: (fn) => logger.store.exclusive(fn),
      requestTimeoutMs: 200,
      retryBaseDelayMs: 1_000,
      // No jitter: each wait is the whole step, 1 s · 2^(attempt − 1).
      random: () => 1,
      now: () => clock,
      log: quietLog,
    });
    // Two requests left unanswered (past requestTimeoutMs), then 500 and 503, then 200.
    const answers: Array<number | null> = [null, null, 500, 503];
    receiver.respond = () => {
      const a = answers.shift();
      return a === null ? new Promise<number>(() => undefined) : (a ?? 200);
    };
    const waits: number[] = [];
    const errors: Array<string | null> = [];
    for (let attempt = 1; attempt <= 4; attempt++) {
      expect(await deliverer.deliverPending()).toMatchObject({ delivered: 0, failed: 1 });
      const [d] = await listDeliveries(ds);
      waits.push(d!.nextAttemptAt - clock);
      errors.push(d!.lastError);
      // Not yet due: nothing is sent.
      clock = d!.nextAttemptAt - 1;
      expect(await deliverer.deliverPending()).toMatchObject({ delivered: 0, failed: 0 });
      clock = d!.nextAttemptAt;
    }
    expect(waits).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(errors).toEqual(['no answer within 200 ms', 'no answer within 200 ms', 'HTTP 500', 'HTTP 503']);
    expect(await deliverer.deliverPending()).toMatchObject({ delivered: 1, failed: 0 });
    expect(receiver.requests).toHaveLength(5);
    expect(receiver.acknowledged).toHaveLength(1);
    expect(new Set(receiver.requests.map((r) => r.headers['x-conversationlog-delivery'])).size).toBe(1);
    expect(await statuses(logger)).toEqual([['flaky', 'delivered']]);
    clock += 86_400_000;
    await deliverer.deliverPending();
    expect(receiver.requests).toHaveLength(5);
  });

  it('given a delivery failing past giveUpAfterMs, then it is failed, the later ones go, and retry queues it again', async () => {
    await open();
    let clock = Date.now();
    const deliverer = delivererOf(logger, [{ url: receiver.url, secret: SECRET }], () => clock, 3_600_000);
    for (const id of ['g1', 'g2']) await recordCall(logger, id, 'queue');
    receiver.respond = (r) => (r.body.includes('"callId":"g1"') ? 410 : 200);
    for (let i = 0; i < 30 && (await statuses(logger))[0]![1] === 'pending'; i++) {
      clock += 5 * 60_000;
      await deliverer.deliverPending();
    }
    expect(await statuses(logger)).toEqual([
      ['g1', 'failed'],
      ['g2', 'delivered'],
    ]);
    const [failed] = await listDeliveries(await logger.dataSource());
    expect(failed).toMatchObject({ callId: 'g1', status: 'failed', lastStatus: 410 });

    receiver.respond = () => 200;
    await logger.store.exclusive(async () => retryDelivery(await logger.dataSource(), logger.config.dialect, failed!.id, clock));
    expect(await deliverer.deliverPending()).toMatchObject({ delivered: 1 });
    expect(await statuses(logger)).toEqual([
      ['g1', 'delivered'],
      ['g2', 'delivered'],
    ]);
  });

  it('given a deliverer killed after the POST but before it recorded the answer, then the report is sent again with the same id; once recorded, never', async () => {
    const url = await freshDatabaseUrl(backend);
    logger = await openLogger(backend, { databaseUrl: url });
    // A call ended by a process without webhooks queues nothing; one with the endpoint queues its delivery.
    await recordCall(logger, 'call-killed', 'queue');
    const writer = await openLogger(backend, { databaseUrl: url, webhooks: [{ url: receiver.url, secret: SECRET, id: 'hook' }] });
    await recordCall(writer, 'call-killed-2', 'queue');
    await writer.close();

    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, url, receiver.url, SECRET], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    // The receiver gets the request, then the deliverer dies before the answer reaches it.
    receiver.respond = async () => {
      child.kill('SIGKILL');
      await exited;
      return 200;
    };
    await exited;
    expect(receiver.requests).toHaveLength(1);
    expect(await statuses(logger)).toEqual([['call-killed-2', 'pending']]);

    // Another deliverer, once the dead one's claim expired (60 s), sends it again: same delivery id.
    receiver.respond = () => 200;
    let clock = Date.now() + 61_000;
    const deliverer = delivererOf(logger, [{ url: receiver.url, secret: SECRET }], () => clock);
    expect(await deliverer.deliverPending()).toMatchObject({ delivered: 1 });
    const [first, second] = receiver.requests;
    expect(second!.headers['x-conversationlog-delivery']).toBe(first!.headers['x-conversationlog-delivery']);
    expect(await statuses(logger)).toEqual([['call-killed-2', 'delivered']]);

    // Recorded: no deliverer sends it again, in this process or another.
    clock += 86_400_000;
    await deliverer.deliverPending();
    const again = spawn(process.execPath, ['--import', 'tsx', CHILD, url, receiver.url, SECRET], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    again.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise<void>((resolve) => again.on('exit', () => resolve()));
    expect(out).toContain('"delivered":0');
    expect(receiver.requests).toHaveLength(2);
  });

  it('given two deliverers on their own connections at once, then no delivery is sent twice and each endpoint gets them in order', async () => {
    const url = await freshDatabaseUrl(backend);
    logger = await openLogger(backend, { databaseUrl: url, webhooks: [{ url: receiver.url, secret: SECRET, id: 'hook' }] });
    const other = await openLogger(backend, { databaseUrl: url });
    try {
      const ids = Array.from({ length: 12 }, (_, i) => `par-${String(i).padStart(2, '0')}`);
      for (const id of ids) await recordCall(logger, id, 'queue');
      // A slow receiver, so both deliverers are at work while requests are in flight.
      receiver.respond = () => new Promise((r) => setTimeout(() => r(200), 5));
      const endpoints = [{ url: receiver.url, secret: SECRET }];
      const a = delivererOf(logger, endpoints, Date.now);
      const b = delivererOf(other, endpoints, Date.now);
      const until = async (d: WebhookDeliverer) => {
        for (let i = 0; i < 200 && receiver.acknowledged.length < ids.length; i++) {
          await d.deliverPending();
          await new Promise((r) => setTimeout(r, 1));
        }
      };
      await Promise.all([until(a), until(b), until(a), until(b)]);
      const received = bodies(receiver.requests).map((p) => p.callId);
      expect(received).toEqual(ids);
      expect(receiver.requests.every((r) => r.answered === 200)).toBe(true);
    } finally {
      await other.close();
    }
  });

  it('given two deliverer processes started at once, then each delivery is sent once, in order', async () => {
    const url = await freshDatabaseUrl(backend);
    logger = await openLogger(backend, { databaseUrl: url, webhooks: [{ url: receiver.url, secret: SECRET, id: 'hook' }] });
    const ids = Array.from({ length: 8 }, (_, i) => `proc-${i}`);
    for (const id of ids) await recordCall(logger, id, 'queue');
    receiver.respond = () => new Promise((r) => setTimeout(() => r(200), 50));
    const children = [0, 1].map(() => {
      const child = spawn(process.execPath, ['--import', 'tsx', CHILD, url, receiver.url, SECRET, 'wait'], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      const ready = new Promise<void>((resolve) =>
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('ready\n')) resolve();
        }),
      );
      return { child, ready, exited: new Promise<string>((resolve) => child.on('exit', () => resolve(out))) };
    });
    // Both opened the store; both start their pass at once.
    await Promise.all(children.map((c) => c.ready));
    for (const c of children) c.child.stdin.end('go\n');
    const outputs = await Promise.all(children.map((c) => c.exited));
    const delivered = outputs.map((o) => Number(/"delivered":(\d+)/.exec(o)?.[1] ?? NaN));
    expect(delivered.reduce((a, b) => a + b, 0)).toBe(ids.length);
    expect(bodies(receiver.requests).map((b) => b.callId)).toEqual(ids);
  });

  it('given delivered and pending deliveries, when the projections are rebuilt, then the outbox is kept as it was; cleanup deletes it with its call', async () => {
    await open();
    await recordCall(logger, 'kept-1', 'queue');
    await logger.deliverWebhooks();
    await receiver.stop();
    await recordCall(logger, 'kept-2', 'queue');
    await logger.deliverWebhooks();
    const before = await (await logger.dataSource()).query(`SELECT * FROM webhook_deliveries ORDER BY event_position`);
    await logger.rebuildProjections();
    expect(await (await logger.dataSource()).query(`SELECT * FROM webhook_deliveries ORDER BY event_position`)).toEqual(before);
    expect(await statuses(logger)).toEqual([
      ['kept-1', 'delivered'],
      ['kept-2', 'pending'],
    ]);
    const result = await logger.cleanupOldData({ retentionDays: 0 });
    expect(result.webhookDeliveries).toBe(2);
    expect(await statuses(logger)).toEqual([]);
  });
});
