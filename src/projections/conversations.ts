import type { Projection } from './projection.js';
import { jsonOrNull, pgSafe } from './projection.js';

const INSERT = `INSERT INTO conversations (id, call_id, agent_name, ai_model, system_prompt, started_at, metadata)
  VALUES (?, ?, ?, ?, ?, ?, ?)`;
const END = `UPDATE conversations SET ended_at = ?, summary = ? WHERE id = ?`;
const COUNT_MESSAGE = `UPDATE conversations SET message_count = message_count + 1,
  user_message_count = user_message_count + ?, assistant_message_count = assistant_message_count + ? WHERE id = ?`;
const COUNT_TOOL = `UPDATE conversations SET message_count = message_count + 1, tool_call_count = tool_call_count + 1
  WHERE id = ?`;

/** `conversations`: one row per agent conversation, with its message counts. */
export const conversationsProjection: Projection = {
  name: 'conversations',
  table: 'conversations',
  canHandle: ['conversation_started', 'conversation_ended', 'message_added', 'tool_executed'],
  async handle(event, ctx) {
    switch (event.type) {
      case 'conversation_started': {
        const d = event.data;
        await ctx.exec(INSERT, [
          d.conversationId,
          event.callId,
          pgSafe(ctx, d.agentName),
          pgSafe(ctx, d.aiModel),
          pgSafe(ctx, d.systemPrompt),
          event.occurredAt,
          jsonOrNull(d.metadata),
        ]);
        return;
      }
      case 'conversation_ended':
        await ctx.exec(END, [event.occurredAt, pgSafe(ctx, event.data.summary), event.data.conversationId]);
        return;
      case 'message_added': {
        const role = event.data.role;
        await ctx.exec(COUNT_MESSAGE, [
          role === 'user' ? 1 : 0,
          role === 'assistant' ? 1 : 0,
          event.data.conversationId,
        ]);
        return;
      }
      case 'tool_executed':
        await ctx.exec(COUNT_TOOL, [event.data.conversationId]);
        return;
      default:
        return;
    }
  },
};
