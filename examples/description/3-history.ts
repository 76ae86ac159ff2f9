// The description's "Conversation History Retrieval", after a short exchange to read back.
import { getConversationLogger } from 'livekit-conversation-log';

const logger = getConversationLogger();
await logger.startCall({ callId: 'unique_call_id', callerNumber: '+1234567890', livekitRoom: 'room_001' });
const conversationId = await logger.startConversation({ callId: 'unique_call_id', aiModel: 'gpt-4' });
await logger.logUserMessage({ conversationId, content: 'Hello, can you help me?', sttConfidence: 0.95 });
await logger.logAssistantMessage({ conversationId, content: 'Of course! How can I help you?', processingTimeMs: 1200.0 });

const history = await logger.getConversationHistory({
  conversationId: conversationId,
  limit: 10,
});

for (const message of history) {
  console.log(`${message['role']}: ${message['content']}`);
}
