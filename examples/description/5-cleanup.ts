// The description's "Data Cleanup", on a store holding one call from 40 days ago and one from today.
import { getConversationLogger } from 'livekit-conversation-log';

const logger = getConversationLogger();
const DAY = 86_400_000;
await logger.startCall({ callId: 'old_call', startedAt: Date.now() - 40 * DAY });
await logger.startCall({ callId: 'new_call' });

// Clean up data older than 30 days
const deletedCounts = await logger.cleanupOldData({ retentionDays: 30 });
console.log(`Deleted ${deletedCounts['calls']} old calls`);
