// The description's "Basic Usage", line by line (snake_case → camelCase, keyword arguments → an object).
import { getConversationLogger } from 'livekit-conversation-log';

// Get the global logger instance
const logger = getConversationLogger();

// Start a call
await logger.startCall({
  callId: 'unique_call_id',
  callerNumber: '+1234567890',
  livekitRoom: 'room_001',
});

// Start a conversation
const conversationId = await logger.startConversation({
  callId: 'unique_call_id',
  aiModel: 'gpt-4',
  systemPrompt: 'You are a helpful assistant.',
});

// Log user message (from STT)
await logger.logUserMessage({
  conversationId: conversationId,
  content: 'Hello, can you help me?',
  sttConfidence: 0.95,
  processingTimeMs: 150.0,
});

// Log assistant message (AI response)
await logger.logAssistantMessage({
  conversationId: conversationId,
  content: 'Of course! How can I help you?',
  processingTimeMs: 1200.0,
  llmModel: 'gpt-4',
  llmTokensInput: 25,
  llmTokensOutput: 18,
  llmCostUsd: 0.0012,
});

// End conversation
await logger.endConversation({
  conversationId: conversationId,
  summary: 'User requested help, assistance provided',
});

// End call
await logger.endCall('unique_call_id');
