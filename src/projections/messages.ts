import { MESSAGES, type MessageRow } from '../../entities/tables.js';
import type { Projection, ProjectionContext } from './projection.js';
import { callOf, jsonOrNull, pgSafe } from './projection.js';
import { isSlaViolation } from './rules.js';
import { indexMessages, PG_INDEX_INSERTED } from './search-index.js';

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
    const rows: MessageRow[] = [];
    for (const event of events) {
      if (event.type === 'message_added') {
        const d = event.data;
        const [content, contentEncoding] = encodeContent(ctx, d.content);
        rows.push({
          id: d.messageId,
          conversationId: d.conversationId,
          callId: callOf(event),
          eventPosition: event.position,
          role: d.role,
          content,
          contentEncoding,
          createdAt: d.createdAt ?? event.occurredAt,
          sttConfidence: d.sttConfidence,
          processingTimeMs: d.processingTimeMs,
          llmModel: pgSafe(ctx, d.llmModel),
          llmTokensInput: d.llmTokensInput,
          llmTokensOutput: d.llmTokensOutput,
          llmCostUsd: d.llmCostUsd,
          interrupted: d.interrupted,
          slaViolation: isSlaViolation(d),
          implausible: d.implausible,
          language: pgSafe(ctx, d.language),
          itemId: pgSafe(ctx, d.itemId),
          toolName: null,
          toolCallId: null,
          toolArguments: null,
          toolIsError: null,
          metadata: jsonOrNull(d.metadata),
        });
      } else if (event.type === 'tool_executed') {
        const d = event.data;
        const [content, contentEncoding] = encodeContent(ctx, d.output ?? '');
        rows.push({
          id: d.messageId,
          conversationId: d.conversationId,
          callId: callOf(event),
          eventPosition: event.position,
          role: 'tool',
          content,
          contentEncoding,
          createdAt: d.createdAt ?? event.occurredAt,
          sttConfidence: null,
          processingTimeMs: d.durationMs,
          llmModel: null,
          llmTokensInput: null,
          llmTokensOutput: null,
          llmCostUsd: null,
          interrupted: false,
          slaViolation: false,
          implausible: false,
          language: null,
          itemId: null,
          toolName: pgSafe(ctx, d.name),
          toolCallId: pgSafe(ctx, d.toolCallId),
          toolArguments: pgSafe(ctx, d.arguments),
          toolIsError: d.isError,
          metadata: null,
        });
      }
    }
    if (rows.length === 0) return;
    const values = rows.map(MESSAGES.values);
    if (ctx.dialect === 'postgres') await ctx.insert(MESSAGES.name, MESSAGES.names, values, PG_INDEX_INSERTED);
    else {
      await ctx.insert(MESSAGES.name, MESSAGES.names, values);
      await indexMessages(
        ctx,
        rows.map((r) => [r.eventPosition, r.content, r.callId] as const),
      );
    }
  },
};
