import type { DataSource } from 'typeorm';
import { MESSAGES, type MessageRow } from '../../entities/tables.js';
import type { JsonObject, MessageRole } from '../events/types.js';
import { ConversationLogError, invalidArgument } from '../errors.js';
import { decodeContent } from '../projections/messages.js';

/** One message of a conversation's history. Times are ms since the epoch (UTC), durations ms. */
export interface HistoryMessage {
  id: string;
  conversationId: string;
  callId: string;
  role: MessageRole;
  content: string;
  createdAt: number;
  /** `createdAt` as an ISO-8601 UTC string. */
  timestamp: string;
  sttConfidence: number | null;
  processingTimeMs: number | null;
  llmModel: string | null;
  llmTokensInput: number | null;
  llmTokensOutput: number | null;
  llmCostUsd: number | null;
  interrupted: boolean;
  slaViolation: boolean;
  language: string | null;
  toolName: string | null;
  toolArguments: string | null;
  toolIsError: boolean | null;
  metadata: JsonObject | null;
}

/** A `messages` row as the history gives it. */
export function toHistoryMessage(m: MessageRow): HistoryMessage {
  return {
    id: m.id,
    conversationId: m.conversationId,
    callId: m.callId,
    role: m.role as MessageRole,
    content: decodeContent(m.content, m.contentEncoding),
    createdAt: m.createdAt,
    timestamp: new Date(m.createdAt).toISOString(),
    sttConfidence: m.sttConfidence,
    processingTimeMs: m.processingTimeMs,
    llmModel: m.llmModel,
    llmTokensInput: m.llmTokensInput,
    llmTokensOutput: m.llmTokensOutput,
    llmCostUsd: m.llmCostUsd,
    interrupted: m.interrupted,
    slaViolation: m.slaViolation,
    language: m.language,
    toolName: m.toolName,
    toolArguments: m.toolArguments,
    toolIsError: m.toolIsError,
    metadata: m.metadata === null ? null : (JSON.parse(m.metadata) as JsonObject),
  };
}

/**
 * The newest `limit` messages of a conversation, oldest first (ordered by when each message
 * happened — for speech, when it started — then by log position).
 *
 * @throws ConversationLogError `UNKNOWN_CONVERSATION`, `INVALID_ARGUMENT`
 */
export async function getConversationHistory(dataSource: DataSource, conversationId: string, limit = 100): Promise<HistoryMessage[]> {
  if (!Number.isSafeInteger(limit) || limit < 1) throw invalidArgument('limit', `must be a whole number >= 1, got ${limit}.`);
  const exists: unknown[] = await dataSource.query(
    dataSource.options.type === 'postgres' ? 'SELECT 1 FROM conversations WHERE id = $1' : 'SELECT 1 FROM conversations WHERE id = ?',
    [conversationId],
  );
  if (exists.length === 0)
    throw new ConversationLogError('UNKNOWN_CONVERSATION', `No conversation ${conversationId}.`, {
      field: 'conversationId',
    });
  // Fixed SQL over the conversation's index; each row read as the entity declares its columns
  // (MESSAGES.read), without the per-row cost of the repository's hydration and relation handling.
  const rows = await dataSource.query<Array<Record<string, unknown>>>(
    dataSource.options.type === 'postgres'
      ? 'SELECT * FROM messages WHERE conversation_id = $1 ORDER BY created_at DESC, event_position DESC LIMIT $2'
      : 'SELECT * FROM messages WHERE conversation_id = ? ORDER BY created_at DESC, event_position DESC LIMIT ?',
    [conversationId, limit],
  );
  const messages: HistoryMessage[] = [];
  for (let i = rows.length - 1; i >= 0; i--) messages.push(toHistoryMessage(MESSAGES.read(rows[i]!)));
  return messages;
}
