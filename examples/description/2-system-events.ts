// The description's "System Event Logging": a call and conversation to log against, then its lines.
import { getConversationLogger } from 'livekit-conversation-log';

const logger = getConversationLogger();
await logger.startCall({ callId: 'unique_call_id', callerNumber: '+1234567890', livekitRoom: 'room_001' });
const conversationId = await logger.startConversation({ callId: 'unique_call_id', aiModel: 'gpt-4' });

await logger.logEvent({
  eventType: 'balance_lookup',
  severity: 'INFO',
  message: 'User requested balance lookup',
  component: 'account_service',
  callId: 'unique_call_id',
  conversationId: conversationId,
  metadata: { account_type: 'checking' },
});
