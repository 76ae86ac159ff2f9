/**
 * A deliverer in a process of its own: `node --import tsx webhook-deliver-child.ts <databaseUrl>
 * <url> <secret> [wait]` runs one pass over the outbox and prints the report (with `wait`: once a
 * line arrives on stdin, so that two start their pass together). Tests kill it mid-request.
 */
import { once } from 'node:events';
import { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { createLog } from '../../src/config/log.js';

const [databaseUrl, url, secret, wait] = process.argv.slice(2) as [string, string, string, string | undefined];
const logger = await ConversationLogger.open({
  databaseUrl,
  writerThread: 'inline',
  poolSize: 1,
  poolOverflow: 0,
  log: createLog('error'),
  webhooks: [{ url, secret, id: 'hook' }],
});
process.stdout.write('ready\n');
if (wait === 'wait') {
  await once(process.stdin, 'data');
  process.stdin.destroy();
}
const report = await logger.deliverWebhooks({ timeoutMs: 30_000 });
process.stdout.write(`${JSON.stringify(report)}\n`);
await logger.close();
