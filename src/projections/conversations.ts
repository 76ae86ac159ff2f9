import type { Column, Projection } from './projection.js';
import { jsonOrNull, pgSafe } from './projection.js';

const INSERT = `INSERT INTO conversations (id, call_id, agent_name, ai_model, system_prompt, started_at, metadata,
  instructions_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;
const END = `UPDATE conversations SET ended_at = ?, summary = ? WHERE id = ?`;
const KEY: Column = { name: 'id', pgType: 'varchar' };
const COUNTS: readonly Column[] = ['message_count', 'user_message_count', 'assistant_message_count', 'tool_call_count'].map((name) => ({
  name,
  pgType: 'integer',
}));

/** `conversations`: one row per agent conversation, with its message counts. */
export const conversationsProjection: Projection = {
  name: 'conversations',
  table: 'conversations',
  canHandle: ['conversation_started', 'conversation_ended', 'message_added', 'tool_executed'],
  async handle(events, ctx) {
    // Counts are folded per conversation: one UPDATE each per batch, after its row exists.
    const counts = new Map<string, [messages: number, user: number, assistant: number, tools: number]>();
    const count = (id: string) => {
      let c = counts.get(id);
      if (c === undefined) counts.set(id, (c = [0, 0, 0, 0]));
      return c;
    };
    for (const event of events) {
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
            pgSafe(ctx, d.instructionsHash ?? null),
          ]);
          break;
        }
        case 'conversation_ended':
          await ctx.exec(END, [event.occurredAt, pgSafe(ctx, event.data.summary), event.data.conversationId]);
          break;
        case 'message_added': {
          const c = count(event.data.conversationId);
          c[0]++;
          if (event.data.role === 'user') c[1]++;
          else if (event.data.role === 'assistant') c[2]++;
          break;
        }
        case 'tool_executed': {
          const c = count(event.data.conversationId);
          c[0]++;
          c[3]++;
          break;
        }
        default:
          break;
      }
    }
    if (counts.size > 0)
      await ctx.update(
        'conversations',
        KEY,
        COUNTS,
        [...counts].map(([id, c]) => [id, ...c]),
        'add',
      );
  },
};
