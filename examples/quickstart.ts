import { getConversationLogger } from 'livekit-conversation-log';

// The process-wide logger, configured from the environment (DATABASE_URL, default sqlite:./data/voice_ai.db).
const logger = getConversationLogger();

// startCall returns the call id (pass `callId` to choose it, e.g. the LiveKit room's job id).
const callId = await logger.startCall({ callerNumber: '+1234567890', livekitRoom: 'room_001' });

const conversationId = await logger.startConversation({
  callId,
  aiModel: 'gpt-4o',
  systemPrompt: 'You are a helpful assistant.',
});

await logger.logUserMessage({ conversationId, content: 'Hello, can you help me?', sttConfidence: 0.95, processingTimeMs: 150 });

await logger.logAssistantMessage({
  conversationId,
  content: 'Of course! How can I help you?',
  processingTimeMs: 1200,
  llmModel: 'gpt-4o',
  llmTokensInput: 25,
  llmTokensOutput: 18,
  llmCostUsd: 0.0012,
});

await logger.logEvent({
  eventType: 'balance_lookup',
  severity: 'INFO',
  message: 'User requested balance lookup',
  component: 'account_service',
  callId,
  conversationId,
  metadata: { account_type: 'checking' },
});

await logger.endConversation({ conversationId, summary: 'User requested help, assistance provided' });
await logger.endCall(callId);

for (const message of await logger.getConversationHistory({ conversationId, limit: 10 })) {
  console.log(`${message.role}: ${message.content}`);
}

const stats = await logger.getCallStatistics({ hours: 24 });
console.log(`Total calls: ${stats.calls.total}`);
console.log(`Success rate: ${stats.calls.successRate.toFixed(1)}%`); // 0 while no call has ended (stats.calls.ended)
console.log(`Average response time: ${stats.performance.avgResponseTimeMs?.toFixed(1)}ms`);
console.log(`Total cost: $${stats.performance.totalCostUsd.toFixed(4)}`); // stats.costs.totalUsd: null when unknown

const deleted = await logger.cleanupOldData({ retentionDays: 30 });
console.log(`Deleted ${deleted.calls} old calls`);

await logger.close();
