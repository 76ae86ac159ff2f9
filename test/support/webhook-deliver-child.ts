/**
 * A deliverer in a process of its own: `node --import tsx webhook-deliver-child.ts <databaseUrl>
 * <url> <secret>` runs one pass over the outbox and prints the report. Tests kill it mid-request.
 */
import { ConversationLogger } from '../../src/logger/conversation-logger.js';
import { createLog } from '../../src/config/log.js';

const [databaseUrl, url, secret] = process.argv.slice(2) as [string, string, string];
const logger = await ConversationLogger.open({
  databaseUrl,
  writerThread: 'inline',
  poolSize: 1,
  poolOverflow: 0,
  log: createLog('error'),
  webhooks: [{ url, secret, id: 'hook' }],
});
process.stdout.write('ready\n');
const report = await logger.deliverWebhooks({ timeoutMs: 30_000 });
process.stdout.write(`${JSON.stringify(report)}\n`);
await logger.close();
