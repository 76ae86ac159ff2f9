// The description's "Statistics and Analytics". One call has ended and one is still active, as in
// production: the success rate is over the ended calls, and every figure prints as a number.
import { getConversationLogger } from 'livekit-conversation-log';

const logger = getConversationLogger();
for (const [callId, ms] of [
  ['call-ended', 900.0],
  ['call-active', 1700.0],
] as const) {
  await logger.startCall({ callId, callerNumber: '+1234567890', livekitRoom: 'room_001' });
  const conversationId = await logger.startConversation({ callId, aiModel: 'gpt-4' });
  await logger.logUserMessage({ conversationId, content: 'Hello, can you help me?', sttConfidence: 0.95 });
  await logger.logAssistantMessage({
    conversationId,
    content: 'Of course!',
    processingTimeMs: ms,
    llmModel: 'gpt-4',
    llmTokensInput: 25,
    llmTokensOutput: 18,
    llmCostUsd: 0.0012,
  });
}
await logger.endCall('call-ended');

// Get call statistics for the last 24 hours
const stats = await logger.getCallStatistics({ hours: 24 });

console.log(`Total calls: ${stats['calls']['total']}`);
console.log(`Success rate: ${stats['calls']['successRate'].toFixed(1)}%`);
console.log(`Average response time: ${stats['performance']['avgResponseTimeMs']!.toFixed(1)}ms`);
console.log(`Total cost: $${stats['performance']['totalCostUsd'].toFixed(4)}`);
