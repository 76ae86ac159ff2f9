/**
 * The tables that hold a call's rows, children before parents (the order retention deletes them
 * in), each with the key retention counts it under and the column naming the call.
 */
export const CALL_TABLES = [
  ['systemEvents', 'system_events', 'call_id'],
  ['callAnalyses', 'call_analyses', 'call_id'],
  ['callTags', 'call_tags', 'call_id'],
  ['conversationMetrics', 'conversation_metrics', 'call_id'],
  ['turns', 'turns', 'call_id'],
  ['messages', 'messages', 'call_id'],
  ['conversations', 'conversations', 'call_id'],
  ['webhookDeliveries', 'webhook_deliveries', 'call_id'],
  ['events', 'events', 'call_id'],
  ['calls', 'calls', 'id'],
] as const;

/** The key retention counts a table's deleted rows under. */
export type CallTableKey = (typeof CALL_TABLES)[number][0];
