/** Opens a ConversationLogger on argv[2] (which migrates), logs one call, prints `started`. */
import { ConversationLogger } from '../../../src/logger/conversation-logger.js';
import { createLog } from '../../../src/config/log.js';

const logger = await ConversationLogger.open({ databaseUrl: process.argv[2]!, log: createLog('error'), poolSize: 1, poolOverflow: 0 });
await logger.startCall({ callId: `migrated-by-${process.pid}` });
await logger.close();
process.stdout.write('started\n');
