import type { Projection, ProjectionContext } from './projection.js';
import { jsonOrNull, pgSafe } from './projection.js';
import { isSlaViolation } from './rules.js';
import { indexMessages, PG_INDEX_INSERTED } from './search-index.js';

const COLUMNS = [
  'id',
  'conversation_id',
  'call_id',
  'event_position',
  'role',
  'content',
  'content_encoding',
  'created_at',
  'stt_confidence',
  'processing_time_ms',
  'llm_model',
  'llm_tokens_input',
  'llm_tokens_output',
  'llm_cost_usd',
  'interrupted',
  'sla_violation',
  'implausible',
  'language',
  'item_id',
  'tool_name',
  'tool_call_id',
  'tool_arguments',
  'tool_is_error',
  'metadata',
] as const;

/**
 * Content is stored verbatim. PostgreSQL text cannot hold NUL, so there (and only for such
 * content) it is stored JSON-escaped with `content_encoding = 'json'`; readers decode it.
 */
export function encodeContent(ctx: ProjectionContext, content: string): [string, string | null] {
  if (ctx.dialect === 'postgres' && content.includes('\0')) return [JSON.stringify(content), 'json'];
  return [content, null];
}

/** Inverse of {@link encodeContent}. */
export const decodeContent = (content: string, encoding: string | null): string =>
  encoding === 'json' ? (JSON.parse(content) as string) : content;

/**
 * `messages`: every user, assistant, system and tool message, in the order speech started, and
 * their full-text index (see search-index.ts), written in the same transaction.
 */
export const messagesProjection: Projection = {
  name: 'messages',
  table: 'messages',
  canHandle: ['message_added', 'tool_executed'],
  async handle(events, ctx) {
    const rows: unknown[][] = [];
    for (const event of events) {
      if (event.type === 'message_added') {
        const d = event.data;
        const [content, encoding] = encodeContent(ctx, d.content);
        rows.push([
          d.messageId,
          d.conversationId,
          event.callId,
          event.position,
          d.role,
          content,
          encoding,
          d.createdAt ?? event.occurredAt,
          d.sttConfidence,
          d.processingTimeMs,
          pgSafe(ctx, d.llmModel),
          d.llmTokensInput,
          d.llmTokensOutput,
          d.llmCostUsd,
          d.interrupted,
          isSlaViolation(d),
          d.implausible,
          pgSafe(ctx, d.language),
          pgSafe(ctx, d.itemId),
          null,
          null,
          null,
          null,
          jsonOrNull(d.metadata),
        ]);
      } else if (event.type === 'tool_executed') {
        const d = event.data;
        const [content, encoding] = encodeContent(ctx, d.output ?? '');
        rows.push([
          d.messageId,
          d.conversationId,
          event.callId,
          event.position,
          'tool',
          content,
          encoding,
          d.createdAt ?? event.occurredAt,
          null,
          d.durationMs,
          null,
          null,
          null,
          null,
          false,
          false,
          false,
          null,
          null,
          pgSafe(ctx, d.name),
          pgSafe(ctx, d.toolCallId),
          pgSafe(ctx, d.arguments),
          d.isError,
          null,
        ]);
      }
    }
    if (rows.length === 0) return;
    if (ctx.dialect === 'postgres') await ctx.insert('messages', COLUMNS, rows, PG_INDEX_INSERTED);
    else {
      await ctx.insert('messages', COLUMNS, rows);
      await indexMessages(
        ctx,
        rows.map((r) => [r[3] as number, r[5] as string, r[2] as string] as const),
      );
    }
  },
};
