// The description's "Configuration": the environment it names (DATABASE_URL, DB_POOL_SIZE,
// DB_POOL_OVERFLOW, CONVERSATION_LOG_RETENTION_DAYS, DEBUG, LOG_LEVEL) is what the logger reads.
import { getConversationLogger, loadConfig } from 'livekit-conversation-log';

const config = loadConfig();
console.log(`Database: ${config.dialect}`);
console.log(`Pool: ${config.poolSize} + ${config.poolOverflow}`);
console.log(`Retention: ${config.retentionDays} days`);

const logger = getConversationLogger();
await logger.startCall({ callId: 'configured_call' });
const deleted = await logger.cleanupOldData();
console.log(`Deleted ${deleted['calls']} old calls`);
