/**
 * The versioned event union: every observation the package records is one of these.
 *
 * @remarks
 * Events are appended to the immutable `events` log; the tables `calls`, `conversations`,
 * `messages`, `turns`, `conversation_metrics`, `system_events`, `call_analyses` and `call_tags`
 * are projections of it.
 * All durations are milliseconds, all timestamps milliseconds since the Unix epoch (UTC).
 * Event data is plain JSON: no class instances, no functions, no cycles.
 *
 * A new field may be added to an event's data without a version bump if it is optional;
 * anything else bumps {@link EVENT_SCHEMA_VERSION} and teaches the projections both shapes.
 */

/** Schema version written with every event. */
export const EVENT_SCHEMA_VERSION = 1;

/** JSON value, the only thing event data may hold. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export const CALL_STATUSES = ['active', 'completed', 'failed', 'abandoned'] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];
export type EndedCallStatus = Exclude<CallStatus, 'active'>;
export type MessageRole = 'user' | 'assistant' | 'system' | 'tool';
export type Severity = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL';
export type TurnOutcome = 'completed' | 'interrupted' | 'session_closed' | 'failed';
/** The analysis LLM's verdict on a call, against the success criteria you wrote. */
export const ANALYSIS_VERDICTS = ['pass', 'fail', 'unclear'] as const;
export type AnalysisVerdict = (typeof ANALYSIS_VERDICTS)[number];
/** The agent's own verdict on its call (`handle.outcome()`), distinct from the analysis LLM's. */
export const CALL_OUTCOMES = ['success', 'fail'] as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[number];
export type MetricsKind = 'llm' | 'stt' | 'tts' | 'eou' | 'vad' | 'realtime' | 'interruption' | 'eot_inference' | 'avatar' | 'other';

export interface CallStartedData {
  callerNumber: string | null;
  livekitRoom: string | null;
  jobId: string | null;
  agentId: string | null;
  agentName: string | null;
  /** Version of `@livekit/agents` the call ran on, when known. */
  agentsVersion: string | null;
  metadata: JsonObject | null;
  /**
   * The agent's release (a version, a deploy id, a git commit) the call ran; what
   * `convlog diff --base/--head` compares. Absent in calls recorded before the field existed.
   */
  release?: string | null;
}

export interface CallEndedData {
  status: EndedCallStatus;
  reason: string | null;
  error: string | null;
}

export interface ConversationStartedData {
  conversationId: string;
  aiModel: string | null;
  systemPrompt: string | null;
  agentName: string | null;
  metadata: JsonObject | null;
  /**
   * Short sha256 (16 hex digits) of the agent's instructions and tool names (see
   * `instructionsHash`): two conversations with the same hash ran the same prompt and tools.
   */
  instructionsHash?: string | null;
}

export interface ConversationEndedData {
  conversationId: string;
  summary: string | null;
}

export interface MessageAddedData {
  messageId: string;
  conversationId: string;
  role: MessageRole;
  content: string;
  /** When the message happened (for speech: when it started), ms UTC. Defaults to the event's `occurredAt`. */
  createdAt: number | null;
  sttConfidence: number | null;
  /** For assistant messages: the response time (user stopped speaking → agent answered), ms. */
  processingTimeMs: number | null;
  llmModel: string | null;
  llmTokensInput: number | null;
  llmTokensOutput: number | null;
  llmCostUsd: number | null;
  /**
   * Whether this message's tokens and cost add to the conversation totals. `false` when the same
   * usage is recorded by `metrics_recorded` events (the LiveKit plugin does this).
   */
  usageCounted: boolean;
  interrupted: boolean;
  /**
   * What cut an interrupted reply short: the user speaking over it (the default, and what older
   * events mean) or the session closing. Only user interruptions count as interruptions.
   */
  interruptedBy?: 'user' | 'session_close' | null;
  language: string | null;
  /** Provider or LiveKit item id, when there is one. */
  itemId: string | null;
  /** SLA threshold in force when this message was logged (ms); assistant messages slower than it are violations. */
  slaThresholdMs: number | null;
  /** True when processingTimeMs is implausible (negative or over 120 s): kept, but not averaged in. */
  implausible: boolean;
  metadata: JsonObject | null;
}

export interface ToolExecutedData {
  messageId: string;
  conversationId: string;
  toolCallId: string | null;
  name: string;
  /** The arguments as the LLM produced them (a JSON string in LiveKit). */
  arguments: string;
  output: string | null;
  isError: boolean;
  durationMs: number | null;
  createdAt: number | null;
}

export interface MetricsRecordedData {
  conversationId: string | null;
  kind: MetricsKind;
  speechId: string | null;
  requestId: string | null;
  provider: string | null;
  model: string | null;
  /** Main latency of this metric, ms: LLM TTFT, TTS TTFB, STT duration, EOU delay, realtime TTFT. */
  latencyMs: number | null;
  durationMs: number | null;
  tokensInput: number | null;
  tokensCachedInput: number | null;
  tokensOutput: number | null;
  audioDurationMs: number | null;
  characters: number | null;
  /** Cost of this usage in USD; null when the price is unknown (never a guess). */
  costUsd: number | null;
  /** Version of the pricing table the cost came from. */
  priceVersion: string | null;
  /** The plain metrics object as LiveKit reported it. */
  raw: JsonObject;
}

export interface TurnCompletedData {
  conversationId: string;
  turnId: string;
  userMessageId: string | null;
  assistantMessageId: string | null;
  /** When the user stopped speaking (or the turn started), ms UTC. */
  startedAt: number | null;
  endOfTurnDelayMs: number | null;
  transcriptionDelayMs: number | null;
  onUserTurnCompletedDelayMs: number | null;
  llmTtftMs: number | null;
  ttsTtfbMs: number | null;
  playbackLatencyMs: number | null;
  e2eLatencyMs: number | null;
  /** True when e2e was derived (EOU delay + LLM TTFT + TTS TTFB) rather than measured. */
  e2eDerived: boolean;
  unattributedMs: number | null;
  outcome: TurnOutcome;
  /** True when some value was implausible (negative or over 120 s): stored, excluded from aggregates. */
  implausible: boolean;
  slaThresholdMs: number | null;
  costUsd: number | null;
  /** The LLM (or realtime) model that served this turn, as its metrics report it. */
  llmModel?: string | null;
  /** The STT model that transcribed this turn, as its metrics report it. */
  sttModel?: string | null;
  /** The TTS model that spoke this turn's reply, as its metrics report it. */
  ttsModel?: string | null;
}

export interface ErrorOccurredData {
  conversationId: string | null;
  source: string | null;
  errorType: string | null;
  message: string;
  recoverable: boolean;
}

export interface SystemEventLoggedData {
  eventType: string;
  severity: Severity;
  message: string;
  component: string | null;
  conversationId: string | null;
  metadata: JsonObject | null;
  /** How many occurrences this event stands for (e.g. events dropped); default 1. */
  count?: number;
}

export interface QualityScoredData {
  conversationId: string;
  messageId: string | null;
  relevanceScore: number | null;
  satisfactionScore: number | null;
}

/** Any other observation (agent/user state changes, speech_created, usage updates, unknown LiveKit events). */
export interface SessionEventData {
  conversationId: string | null;
  /** The LiveKit event type, e.g. `agent_state_changed`. */
  name: string;
  payload: JsonObject;
}

/** What the post-call analysis LLM and the analysis run itself report (tokens, cost, attempts). */
interface AnalysisRunData {
  /** The analysis LLM's provider and model, as `llm.LLM` reports them. */
  provider: string | null;
  model: string | null;
  /** Tokens over every attempt; null when the LLM reported no usage. */
  tokensInput: number | null;
  tokensCachedInput: number | null;
  tokensOutput: number | null;
  /** Cost of those tokens in USD from the pricing table; null when the model's price is unknown. */
  costUsd: number | null;
  priceVersion: string | null;
  /** How many requests were made (1 + retries). */
  attempts: number;
  /** From the first request to the last answer (ms). */
  durationMs: number | null;
  /**
   * Each request that failed, in order: why, and the wait before the next request (`retryDelayMs`,
   * doubled after each retry; null when no request followed). Absent from events stored before it was recorded.
   */
  failedAttempts?: AnalysisFailedAttempt[];
}

/** One failed request of a post-call analysis. */
export interface AnalysisFailedAttempt {
  /** `timeout`, `llm_error`, `invalid_output`, `empty_output`. */
  errorType: string;
  /** What went wrong (never the transcript). */
  error: string;
  /** The wait before the next request (ms); null when none followed. */
  retryDelayMs: number | null;
}

/**
 * `analysis_completed`: the post-call analysis of a call (a summary, a verdict with its reason,
 * the fields extracted). A later one for the same call (`convlog analyze --redo`) replaces it.
 */
export interface AnalysisCompletedData extends AnalysisRunData {
  summary: string | null;
  /** Null when the LLM gave none of `pass`, `fail`, `unclear` (its raw output is kept). */
  verdict: AnalysisVerdict | null;
  verdictReason: string | null;
  /** The fields extracted, as the LLM gave them (kept even when they fail the schema); null without a schema. */
  fields: JsonValue;
  /** Whether `fields` match the schema you gave; null without a schema. */
  fieldsValid: boolean | null;
  /** Why they do not (one line per problem); null when valid or without a schema. */
  fieldsErrors: string[] | null;
  /** The LLM's answer as text, kept when something in it was invalid; null otherwise. */
  rawOutput: string | null;
}

/** `analysis_failed`: every attempt failed (an error, a time limit, an answer that is not JSON). */
export interface AnalysisFailedData extends AnalysisRunData {
  /** What went wrong in the last attempt (never the transcript). */
  error: string;
  /** `timeout`, `llm_error`, `invalid_output`, `empty_transcript`, … */
  errorType: string;
  /** The last answer, when there was one that could not be read. */
  rawOutput: string | null;
}

/** `call_tagged`: the agent put a tag on its call (`handle.tag('refund')`). */
export interface CallTaggedData {
  tag: string;
}

/** `call_outcome_recorded`: the agent's own verdict on its call; a later one replaces it. */
export interface CallOutcomeRecordedData {
  outcome: CallOutcome;
  reason: string | null;
}

/**
 * The call's audio recording is on disk: a stereo file whose channel `userChannel` is what the
 * caller said and `agentChannel` what the agent played (`@livekit/agents`' `RecorderIO`: channel
 * 0 the input, 1 the output), both on one timeline that begins at `startedAt`.
 */
export interface RecordingAvailableData {
  /** Absolute path of the file (the copy in the configured recordings directory, when there is one). */
  path: string;
  /** Wall time of the recording's first sample, ms UTC. */
  startedAt: number;
  durationMs: number | null;
  channels: number;
  /** Container and codec, e.g. `ogg/opus`. */
  format: string;
  sizeBytes: number | null;
  userChannel: number;
  agentChannel: number;
}

/**
 * A turn's latency as the caller heard it, measured from the recording: from the end of the
 * user's speech on the user channel to the start of the agent's reply on the agent channel.
 */
export interface HeardLatencyMeasuredData {
  conversationId: string;
  turnId: string;
  /** Agent speech start − user speech end, ms; null when either could not be found in the audio. */
  heardLatencyMs: number | null;
  /** Where the user's speech ended and the agent's began, ms UTC (the recording's clock). */
  userSpeechEndedAt: number | null;
  agentSpeechStartedAt: number | null;
  /** The SDK's end-to-end figure for the turn when measured, ms. */
  reportedLatencyMs: number | null;
  /** |heard − reported| above this is a mismatch (ms). */
  mismatchThresholdMs: number;
  mismatch: boolean;
}

/** Maps each event type to its data. */
export interface EventDataByType {
  call_started: CallStartedData;
  call_ended: CallEndedData;
  conversation_started: ConversationStartedData;
  conversation_ended: ConversationEndedData;
  message_added: MessageAddedData;
  tool_executed: ToolExecutedData;
  metrics_recorded: MetricsRecordedData;
  turn_completed: TurnCompletedData;
  error_occurred: ErrorOccurredData;
  system_event_logged: SystemEventLoggedData;
  quality_scored: QualityScoredData;
  session_event: SessionEventData;
  analysis_completed: AnalysisCompletedData;
  analysis_failed: AnalysisFailedData;
  call_tagged: CallTaggedData;
  call_outcome_recorded: CallOutcomeRecordedData;
  recording_available: RecordingAvailableData;
  heard_latency_measured: HeardLatencyMeasuredData;
}

export type EventType = keyof EventDataByType;
export const EVENT_TYPES = [
  'call_started',
  'call_ended',
  'conversation_started',
  'conversation_ended',
  'message_added',
  'tool_executed',
  'metrics_recorded',
  'turn_completed',
  'error_occurred',
  'system_event_logged',
  'quality_scored',
  'session_event',
  'analysis_completed',
  'analysis_failed',
  'call_tagged',
  'call_outcome_recorded',
  'recording_available',
  'heard_latency_measured',
] as const satisfies readonly EventType[];

/**
 * An event before it is appended. `callId` names the stream; only system-level events
 * (not about one call) have `callId: null`, and those have no stream position.
 */
export type NewEvent = {
  [K in EventType]: {
    type: K;
    callId: string | null;
    occurredAt: number;
    /**
     * The version of the data's shape: {@link EVENT_SCHEMA_VERSION}, set by the event factories
     * (`createXxxEvent`); the store writes it with the event.
     */
    schemaVersion?: typeof EVENT_SCHEMA_VERSION;
    data: EventDataByType[K];
  };
}[EventType];

export type NewEventOf<K extends EventType> = Extract<NewEvent, { type: K }>;

/** An event as stored in the log. */
export type RecordedEvent = NewEvent & {
  position: number;
  eventId: string;
  streamPosition: number | null;
  schemaVersion: number;
  recordedAt: number;
};
