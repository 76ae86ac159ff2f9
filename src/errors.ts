/**
 * Typed errors. Every error the package throws or rejects with is a {@link ConversationLogError}
 * with a stable `code`, a message that says what was wrong and what to do, and `retryable`.
 */

export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'UNKNOWN_CALL'
  | 'UNKNOWN_CONVERSATION'
  | 'DUPLICATE_CALL'
  | 'DUPLICATE_CONVERSATION'
  | 'CALL_ALREADY_ENDED'
  | 'CONVERSATION_ALREADY_ENDED'
  | 'CONFIG_INVALID'
  | 'DB_UNAVAILABLE'
  | 'QUEUE_FULL'
  | 'LOGGER_CLOSED'
  | 'STORE_REJECTED'
  | 'MIGRATION_FAILED'
  | 'STORE_NOT_FOUND'
  | 'SCHEMA_BEHIND'
  | 'EXPORT_FAILED'
  | 'INVALID_SEARCH_QUERY'
  | 'FLUSH_TIMEOUT'
  | 'WRITE_ABANDONED'
  | 'STORE_LOST'
  | 'RECORDING_UNREADABLE';

const BRAND = Symbol.for('livekit-conversation-log.ConversationLogError');

export class ConversationLogError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  /** Name of the offending argument or environment variable, when there is one. */
  readonly field: string | undefined;
  readonly [BRAND] = true;

  constructor(code: ErrorCode, message: string, options: { field?: string; retryable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConversationLogError';
    this.code = code;
    this.field = options.field;
    this.retryable = options.retryable ?? false;
  }
}

/** True for a {@link ConversationLogError}, even one from another loaded copy of the package. */
export function isConversationLogError(value: unknown): value is ConversationLogError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

export const invalidArgument = (field: string, problem: string): ConversationLogError =>
  new ConversationLogError('INVALID_ARGUMENT', `${field} ${problem}`, { field });
