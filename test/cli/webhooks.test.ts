import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, inject, it } from 'vitest';
import { createCallEndedEvent } from '../../src/events/create.js';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { convlogInProcess } from '../support/cli-in-process.js';
import { describeEachBackend, openLogger } from '../support/stores.js';
import { bodies, WebhookReceiver } from '../support/webhook-receiver.js';

const SECRET = 'whsec-cli-0123456789abcdef';
let configs = 0;

describeEachBackend('convlog webhooks', (backend) => {
  let receiver: WebhookReceiver;
  let logger: ConversationLogger;
  let url: string;
  let config: string;
  const convlog = (...args: string[]) => convlogInProcess([...args, '--database-url', url, '--config', config]);

  beforeEach(async () => {
    receiver = await new WebhookReceiver().start();
    config = path.join(inject('tmpDir'), `webhooks-${process.pid}-${++configs}.config.mjs`);
    fs.writeFileSync(config, `export default { webhooks: [{ id: 'crm', url: '${receiver.url}', secret: '${SECRET}' }] };\n`);
    logger = await openLogger(backend, { webhooks: [{ id: 'crm', url: receiver.url, secret: SECRET }] });
    url = logger.config.databaseUrl;
    for (const callId of ['cli-1', 'cli-2']) {
      await logger.startCall({ callId });
      await logger.append(createCallEndedEvent({ callId }));
    }
  });
  afterEach(async () => {
    await logger.close();
    await receiver.stop();
  });

  it('given a receiver that is down, when deliver runs, then it exits 1, status lists both pending, and after retry a deliver sends both in order', async () => {
    await receiver.stop();
    const down = await convlog('webhooks', 'deliver');
    expect(down.code).toBe(1);
    expect(down.stdout).toBe('delivered 0, failed 1 attempt(s)\n');

    const status = await convlog('webhooks', 'status', '--json');
    expect(status.code).toBe(0);
    const rows = JSON.parse(status.stdout) as Array<{
      id: string;
      callId: string;
      status: string;
      attempts: number;
      endpointConfigured: boolean;
    }>;
    expect(rows.map((r) => [r.callId, r.status, r.attempts, r.endpointConfigured])).toEqual([
      ['cli-1', 'pending', 1, true],
      ['cli-2', 'pending', 0, true],
    ]);
    const table = await convlog('webhooks', 'status');
    expect(table.stdout).toMatch(/^DELIVERY +ENDPOINT +EVENT +CALL +STATUS +TRIES/);
    expect(table.stdout).toContain(rows[0]!.id);

    await receiver.start();
    const retried = await convlog('webhooks', 'retry', rows[0]!.id);
    expect(retried.code).toBe(0);
    expect(retried.stdout).toContain('is queued, due now');
    const sent = await convlog('webhooks', 'deliver', '--json');
    expect(sent.code).toBe(0);
    expect(JSON.parse(sent.stdout)).toMatchObject({ delivered: 2, failed: 0 });
    expect(bodies(receiver.requests).map((b) => b.callId)).toEqual(['cli-1', 'cli-2']);
    expect((await convlog('webhooks', 'status')).stdout).toBe('no pending or failed deliveries\n');
    expect((await convlog('webhooks', 'status', '--all', '--json')).stdout).toContain('"delivered"');
  });

  it('given no such delivery, when retried, then it exits 3; without a subcommand, 2', async () => {
    expect((await convlog('webhooks', 'retry', 'whd_nope')).code).toBe(3);
    const none = await convlog('webhooks');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('name a subcommand: deliver, status or retry');
  });
});
