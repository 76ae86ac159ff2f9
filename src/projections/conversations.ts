import { CONVERSATIONS } from '../../entities/tables.js';
import type { Column, Projection } from './projection.js';
import { callOf, jsonOrNull, pgSafe } from './projection.js';

/** The columns a conversation starts with (its counts start at 0; its end and summary come with `conversation_ended`). */
const STARTED = CONVERSATIONS.pick('id', 'callId', 'agentName', 'aiModel', 'systemPrompt', 'startedAt', 'metadata', 'instructionsHash');
const END = `UPDATE conversations SET ended_at = ?, summary = ? WHERE id = ?`;
const KEY: Column = CONVERSATIONS.column('id');
const COUNTS: readonly Column[] = [
  CONVERSATIONS.column('messageCount'),
  CONVERSATIONS.column('userMessageCount'),
  CONVERSATIONS.column('assistantMessageCount'),
  CONVERSATIONS.column('toolCallCount'),
];

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
          await ctx.exec(
            STARTED.insertSql,
            STARTED.values({
              id: d.conversationId,
              callId: callOf(event),
              agentName: pgSafe(ctx, d.agentName),
              aiModel: pgSafe(ctx, d.aiModel),
              systemPrompt: pgSafe(ctx, d.systemPrompt),
              startedAt: event.occurredAt,
              metadata: jsonOrNull(d.metadata),
              instructionsHash: pgSafe(ctx, d.instructionsHash ?? null),
            }),
          );
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
