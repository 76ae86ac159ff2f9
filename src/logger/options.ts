import type { AnalysisOptions } from '../analysis/options.js';
import type { StoreOverrides } from '../config/config.js';
import type { Log } from '../config/log.js';
import type { EndedCallStatus, JsonObject, Severity } from '../events/types.js';
import type { RedactionOptions } from '../redact/redact-event.js';

export interface StartCallOptions {
  /** Your id for the call; a UUID is made when omitted. */
  callId?: string;
  callerNumber?: string | null;
  livekitRoom?: string | null;
  jobId?: string | null;
  agentId?: string | null;
  agentName?: string | null;
  agentsVersion?: string | null;
  metadata?: JsonObject | null;
  /**
   * The agent's release the call runs (a version, deploy id or commit; at most 255 characters), what
   * `convlog diff` compares. Omitted: `CONVERSATION_LOG_RELEASE`, else the git commit of the working
   * directory, else none; null: none.
   */
  release?: string | null;
  /** When the call started (whole ms since 1970, UTC, like `Date.now()`); now when omitted or null. */
  startedAt?: number;
}

export interface StartConversationOptions {
  callId: string;
  aiModel?: string | null;
  systemPrompt?: string | null;
  agentName?: string | null;
  metadata?: JsonObject | null;
  /** The hash of the agent's instructions and tools, as `instructionsHash(instructions, toolNames)` makes it. */
  instructionsHash?: string | null;
  /** When the conversation started (whole ms since 1970, UTC); now when omitted. */
  startedAt?: number;
}

export interface LogUserMessageOptions {
  conversationId: string;
  content: string;
  /** STT confidence in [0, 1]. */
  sttConfidence?: number | null;
  processingTimeMs?: number | null;
  language?: string | null;
  metadata?: JsonObject | null;
  /** When the user started speaking (whole ms since 1970, UTC); now by default. */
  createdAt?: number;
}

export interface LogAssistantMessageOptions {
  conversationId: string;
  content: string;
  /** Response time: user stopped speaking → agent answered (ms). Compared with the SLA threshold. */
  processingTimeMs?: number | null;
  llmModel?: string | null;
  llmTokensInput?: number | null;
  llmTokensOutput?: number | null;
  llmCostUsd?: number | null;
  interrupted?: boolean;
  metadata?: JsonObject | null;
  /** When the answer started (whole ms since 1970, UTC); now by default. */
  createdAt?: number;
}

export interface LogToolCallOptions {
  conversationId: string;
  name: string;
  /** Arguments as the LLM produced them (usually a JSON string). */
  arguments: string;
  output?: string | null;
  isError?: boolean;
  durationMs?: number | null;
  toolCallId?: string | null;
  /** When the tool was called (whole ms since 1970, UTC); now by default. */
  createdAt?: number;
}

export interface LogEventOptions {
  eventType: string;
  severity?: Severity;
  /** Operational text: never put transcripts or phone numbers here (use metadata). */
  message: string;
  component?: string | null;
  callId?: string | null;
  conversationId?: string | null;
  metadata?: JsonObject | null;
  /** When it happened (whole ms since 1970, UTC); now by default. */
  createdAt?: number;
}

/** Options of `recordQuality`. */
export interface RecordQualityOptions {
  conversationId: string;
  messageId?: string | null;
  relevanceScore?: number | null;
  satisfactionScore?: number | null;
  /** When the scores were given (whole ms since 1970, UTC); now by default. */
  createdAt?: number;
}

/** Options of `endConversation`. */
export interface EndConversationOptions {
  conversationId: string;
  summary?: string | null;
  /**
   * When the conversation ended (whole ms since 1970, UTC); now when omitted. Rejected
   * (`INVALID_ARGUMENT`) if before the conversation started.
   */
  endedAt?: number;
}

/** Options of `endCall`. */
export interface EndCallOptions {
  /** `completed` unless told otherwise. */
  status?: EndedCallStatus;
  reason?: string | null;
  error?: string | null;
  /**
   * When the call ended (whole ms since 1970, UTC); now when omitted. The call's duration is
   * `endedAt - startedAt`; a time before the call started is rejected (`INVALID_ARGUMENT`).
   */
  endedAt?: number;
}

export interface ConversationLoggerOptions extends StoreOverrides {
  /** Use this winston logger instead of creating one. */
  log?: Log;
  /** Personal data: redact free text and mask or hash caller numbers before anything is written. */
  redaction?: RedactionOptions;
  /**
   * Post-call analysis with an LLM of yours: run after each `endCall()` once the end is stored
   * (never on its path), and by `analyzeCall()` / `analyzeCalls()`. See `AnalysisOptions`.
   */
  analysis?: AnalysisOptions;
}
