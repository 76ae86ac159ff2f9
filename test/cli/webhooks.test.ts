import { spawn } from 'node:child_process';
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

  it('given deliveries waiting, when deliver --follow and then serve run, then each sends them as they come, until Ctrl-C', async () => {
    const start = (...args: string[]) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', path.resolve('src/cli/main.ts'), ...args, '--database-url', url, '--config', config],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      return { child, exited };
    };
    const follow = start('webhooks', 'deliver', '--follow', '--interval', '100ms', '--json');
    await expect.poll(() => receiver.acknowledged.length, { timeout: 30_000 }).toBe(2);
    // A call that ends while it runs is sent on its next look.
    await logger.startCall({ callId: 'cli-3' });
    await logger.append(createCallEndedEvent({ callId: 'cli-3' }));
    await expect.poll(() => receiver.acknowledged.length, { timeout: 30_000 }).toBe(3);
    follow.child.kill('SIGINT');
    expect(await follow.exited).toBe(0);

    const serve = start('serve', '--port', '0', '--json');
    await logger.startCall({ callId: 'cli-4' });
    await logger.append(createCallEndedEvent({ callId: 'cli-4' }));
    await expect.poll(() => receiver.acknowledged.length, { timeout: 30_000 }).toBe(4);
    serve.child.kill('SIGINT');
    expect(await serve.exited).toBe(0);
    expect(bodies(receiver.requests).map((b) => b.callId)).toEqual(['cli-1', 'cli-2', 'cli-3', 'cli-4']);
  }, 90_000);

  it('given no such delivery, when retried, then it exits 3; without a subcommand, 2', async () => {
    expect((await convlog('webhooks', 'retry', 'whd_nope')).code).toBe(3);
    const none = await convlog('webhooks');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('name a subcommand: deliver, status or retry');
  });
});
