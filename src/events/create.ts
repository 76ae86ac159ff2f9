import * as c from './check.js';
import { invalidArgument } from '../errors.js';
import {
  EVENT_SCHEMA_VERSION,
  type AnalysisCompletedData,
  type AnalysisFailedData,
  type AnalysisVerdict,
  type CallOutcome,
  type CallOutcomeRecordedData,
  type CallTaggedData,
  type CallEndedData,
  type CallStartedData,
  type ConversationEndedData,
  type ConversationStartedData,
  type ErrorOccurredData,
  type HeardLatencyMeasuredData,
  type MessageAddedData,
  type MetricsKind,
  type MetricsRecordedData,
  type NewEventOf,
  type QualityScoredData,
  type RecordingAvailableData,
  type SessionEventData,
  type SystemEventLoggedData,
  type ToolExecutedData,
  type TurnCompletedData,
  type JsonValue,
} from './types.js';

/**
 * One factory per stored event type, in the manner of agents-js's `createXxxEvent`: typed
 * arguments, every optional field defaulted, the event stamped with {@link EVENT_SCHEMA_VERSION}
 * and `occurredAt` (now by default). The plugin's mapper, the logger, the import and the tests
 * all build events here, so an event's shape is declared once.
 *
 * @remarks
 * A factory checks each field's type and range (`INVALID_ARGUMENT` naming the field) but not
 * the logger's length limits. Data keys come in one fixed order: the stored JSON of an event
 * does not depend on who built it. An optional field left out is `undefined`, which JSON leaves out.
 */

/** Where and when an event happened; `callId` null only for system-level events. */
export interface EventEnvelope {
  callId?: string | null;
  /** Ms since 1970, UTC; `Date.now()` when omitted. */
  occurredAt?: number;
}

/** The fields `K` of `D` required, the others optional. */
type Args<D, K extends keyof D> = EventEnvelope & Pick<D, K> & { [P in Exclude<keyof D, K>]?: D[P] | undefined };

const ROLES: ReadonlySet<string> = new Set(['user', 'assistant', 'system', 'tool']);
const ENDED: ReadonlySet<string> = new Set(['completed', 'failed', 'abandoned']);
const OUTCOMES: ReadonlySet<string> = new Set(['completed', 'interrupted', 'session_closed', 'failed']);
const SEVERITIES: ReadonlySet<string> = new Set(['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL']);
const CUT_BY: ReadonlySet<string> = new Set(['user', 'session_close']);
const KINDS: ReadonlySet<string> = new Set([
  'llm',
  'stt',
  'tts',
  'eou',
  'vad',
  'realtime',
  'interruption',
  'eot_inference',
  'avatar',
  'other',
]);

const when = (v: number | undefined): number => (v === undefined ? Date.now() : c.timestamp('occurredAt', v));
/** An optional text field: left out (undefined) unless given, so older events and new ones without it read the same. */
const optionalText = (field: string, v: string | null | undefined): string | null | undefined =>
  v === undefined ? undefined : c.textOrNull(field, v);
const callOf = (v: string | null | undefined): string | null => c.idOrNull('callId', v);

export type CallStartedArgs = Args<CallStartedData, never> & { callId: string };

/**
 * A `call_started` event: the stream of call `callId` begins.
 *
 * @example
 * ```ts
 * const event = createCallStartedEvent({ callId: 'call-1', livekitRoom: 'room-1' });
 * ```
 */
export function createCallStartedEvent(a: CallStartedArgs): NewEventOf<'call_started'> {
  return {
    type: 'call_started',
    callId: c.id('callId', a.callId),
    occurredAt: when(a.occurredAt),
    schemaVersion: EVENT_SCHEMA_VERSION,
    data: {
      callerNumber: c.textOrNull('callerNumber', a.callerNumber),
      livekitRoom: c.textOrNull('livekitRoom', a.livekitRoom),
      jobId: c.textOrNull('jobId', a.jobId),
      agentId: c.textOrNull('agentId', a.agentId),
      agentName: c.textOrNull('agentName', a.agentName),
      agentsVersion: c.textOrNull('agentsVersion', a.agentsVersion),
      metadata: c.objectOrNull('metadata', a.metadata),
      // Left out (undefined) unless given: calls recorded before the field existed have none.
      release: optionalText('release', a.release),
    },
  };
}

export type CallEndedArgs = Args<CallEndedData, never> & { callId: string };

/** A `call_ended` event: `completed` unless `status` says otherwise. */
export function createCallEndedEvent(a: CallEndedArgs): NewEventOf<'call_ended'> {
  return {
    type: 'call_ended',
    callId: c.id('callId', a.callId),
    occurredAt: when(a.occurredAt),
    schemaVersion: EVENT_SCHEMA_VERSION,
    data: {
      status: c.oneOf('status', a.status, ENDED, 'completed'),
      reason: c.textOrNull('reason', a.reason),
      error: c.textOrNull('error', a.error),
    },
  };
}

export type ConversationStartedArgs = Args<ConversationStartedData, 'conversationId'>;

/** A `conversation_started` event: a conversation (one agent's part of a call) begins. */
export function createConversationStartedEvent(a: ConversationStartedArgs): NewEventOf<'conversation_started'> {
  return {
    type: 'conversation_started',
    callId: callOf(a.callId),
    occurredAt: when(a.occurredAt),
    schemaVersion: EVENT_SCHEMA_VERSION,
    data: {
      conversationId: c.id('conversationId', a.conversationId),
      aiModel: c.textOrNull('aiModel', a.aiModel),
      systemPrompt: c.textOrNull('systemPrompt', a.systemPrompt),
      agentName: c.textOrNull('agentName', a.agentName),
      metadata: c.objectOrNull('metadata', a.metadata),
      instructionsHash: optionalText('instructionsHash', a.instructionsHash),
    },
  };
}

export type ConversationEndedArgs = Args<ConversationEndedData, 'conversationId'>;

/** A `conversation_ended` event, with an optional summary. */
export function createConversationEndedEvent(a: ConversationEndedArgs): NewEventOf<'conversation_ended'> {
  return {
    type: 'conversation_ended',
    callId: callOf(a.callId),
    occurredAt: when(a.occurredAt),
    schemaVersion: EVENT_SCHEMA_VERSION,
    data: { conversationId: c.id('conversationId', a.conversationId), summary: c.textOrNull('summary', a.summary) },
  };
}

export type MessageAddedArgs = Args<MessageAddedData, 'messageId' | 'conversationId' | 'role' | 'content'>;

/**
 * A `message_added` event: one message of a transcript. Usage counts toward the conversation
 * totals (`usageCounted`) unless told otherwise; nothing is interrupted or implausible by default.
 *
 * @example
 * ```ts
 * const event = createMessageAddedEvent({ callId: 'call-1', conversationId, messageId, role: 'user', content: 'Hello?' });
 * ```
 */
export function createMessageAddedEvent(a: MessageAddedArgs): NewEventOf<'message_added'> {
  return {
    type: 'message_added',
    callId: callOf(a.callId),
    occurredAt: when(a.occurredAt),
    schemaVersion: EVENT_SCHEMA_VERSION,
    data: {
      messageId: c.id('messageId', a.messageId),
      conversationId: c.id('conversationId', a.conversationId),
      role: c.oneOf('role', a.role, ROLES, 'user'),
      content: c.text('content', a.content),
      createdAt: c.timestampOrNull('createdAt', a.createdAt),
      sttConfidence: c.numberOrNull('sttConfidence', a.sttConfidence),
      processingTimeMs: c.numberOrNull('processingTimeMs', a.processingTimeMs),
      llmModel: c.textOrNull('llmModel', a.llmModel),
      llmTokensInput: c.numberOrNull('llmTokensInput', a.llmTokensInput),
      llmTokensOutput: c.numberOrNull('llmTokensOutput', a.llmTokensOutput),
      llmCostUsd: c.numberOrNull('llmCostUsd', a.llmCostUsd),
      usageCounted: c.flag('usageCounted', a.usageCounted, true),
      interrupted: c.flag('interrupted', a.interrupted, false),
      // Left out (undefined) unless given: messages logged before the field existed have none.
      interruptedBy:
        a.interruptedBy === undefined || a.interruptedBy === null
          ? a.interruptedBy
          : c.oneOf('interruptedBy', a.interruptedBy, CUT_BY, 'user'),
      language: c.textOrNull('language', a.language),
      itemId: c.textOrNull('itemId', a.itemId),
      slaThresholdMs: c.numberOrNull('slaThresholdMs', a.slaThresholdMs),
      implausible: c.flag('implausible', a.implausible, false),
      metadata: c.objectOrNull('metadata', a.metadata),
    },
  };
}

export type ToolExecutedArgs = Args<ToolExecutedData, 'messageId' | 'conversationId' | 'name'>;

/** A `tool_executed` event: one function tool call and its output (`arguments` empty by default). */
export function createToolExecutedEvent(a: ToolExecutedArgs): NewEventOf<'tool_executed'> {
  return {
    type: 'tool_executed',
    callId: callOf(a.callId),
    occurredAt: when(a.occurredAt),
    schemaVersion: EVENT_SCHEMA_VERSION,
    data: {
      messageId: c.id('messageId', a.messageId),
      conversationId: c.id('conversationId', a.conversationId),
      toolCallId: c.textOrNull('toolCallId', a.toolCallId),
      name: c.text('name', a.name),
      arguments: a.arguments === undefined ? '' : c.text('arguments', a.arguments),
      output: c.textOrNull('output', a.output),
      isError: c.flag('isError', a.isError, false),
      durationMs: c.numberOrNull('durationMs', a.durationMs),
      createdAt: c.timestampOrNull('createdAt', a.createdAt),
    },
  };
}

export type MetricsRecordedArgs = Args<MetricsRecordedData, 'kind'>;

/** A `metrics_recorded` event: one LiveKit metrics report, with its usage priced (`costUsd`) when known. */
export function createMetricsRecordedEvent(a: MetricsRecordedArgs): NewEventOf<'metrics_recorded'> {
  return {
    type: 'metrics_recorded',
    callId: callOf(a.callId),
    occurredAt: when(a.occurredAt),
    schemaVersion: EVENT_SCHEMA_VERSION,
    data: {
      conversationId: c.idOrNull('conversationId', a.conversationId),
      kind: c.oneOf<MetricsKind>('kind', a.kind, KINDS, 'other'),
      speechId: c.textOrNull('speechId', a.speechId),
      requestId: c.textOrNull('requestId', a.requestId),
      provider: c.textOrNull('provider', a.provider),
      model: c.textOrNull('model', a.model),
      latencyMs: c.numberOrNull('latencyMs', a.latencyMs),
      durationMs: c.numberOrNull('durationMs', a.durationMs),
      tokensInput: c.numberOrNull('tokensInput', a.tokensInput),
      tokensCachedInput: c.numberOrNull('tokensCachedInput', a.tokensCachedInput),
      tokensOutput: c.numberOrNull('tokensOutput', a.tokensOutput),
      audioDurationMs: c.numberOrNull('audioDurationMs', a.audioDurationMs),
      characters: c.numberOrNull('characters', a.characters),
      costUsd: c.numberOrNull('costUsd', a.costUsd),
      priceVersion: c.textOrNull('priceVersion', a.priceVersion),
      raw: a.raw === undefined ? {} : c.object('raw', a.raw),
    },
  };
}

export type TurnCompletedArgs = Args<TurnCompletedData, 'conversationId' | 'turnId'>;

/** A `turn_completed` event: one user turn and its reply, with the latency waterfall (ms). */
export function createTurnCompletedEvent(a: TurnCompletedArgs): NewEventOf<'turn_completed'> {
  return {
    type: 'turn_completed',
    callId: callOf(a.callId),
    occurredAt: when(a.occurredAt),
    schemaVersion: EVENT_SCHEMA_VERSION,
    data: {
      conversationId: c.id('conversationId', a.conversationId),
      turnId: c.id('turnId', a.turnId),
      userMessageId: c.idOrNull('userMessageId', a.userMessageId),
      assistantMessageId: c.idOrNull('assistantMessageId', a.assistantMessageId),
      startedAt: c.timestampOrNull('startedAt', a.startedAt),
      endOfTurnDelayMs: c.numberOrNull('endOfTurnDelayMs', a.endOfTurnDelayMs),
      transcriptionDelayMs: c.numberOrNull('transcriptionDelayMs', a.transcriptionDelayMs),
      onUserTurnCompletedDelayMs: c.numberOrNull('onUserTurnCompletedDelayMs', a.onUserTurnCompletedDelayMs),
      llmTtftMs: c.numberOrNull('llmTtftMs', a.llmTtftMs),
      ttsTtfbMs: c.numberOrNull('ttsTtfbMs', a.ttsTtfbMs),
      playbackLatencyMs: c.numberOrNull('playbackLatencyMs', a.playbackLatencyMs),
      e2eLatencyMs: c.numberOrNull('e2eLatencyMs', a.e2eLatencyMs),
      e2eDerived: c.flag('e2eDerived', a.e2eDerived, false),
      unattributedMs: c.numberOrNull('unattributedMs', a.unattributedMs),
      outcome: c.oneOf('outcome', a.outcome, OUTCOMES, 'completed'),
      implausible: c.flag('implausible', a.implausible, false),
      slaThresholdMs: c.numberOrNull('slaThresholdMs', a.slaThresholdMs),
      costUsd: c.numberOrNull('costUsd', a.costUsd),
      llmModel: optionalText('llmModel', a.llmModel),
      sttModel: optionalText('sttModel', a.sttModel),
      ttsModel: optionalText('ttsModel', a.ttsModel),
    },
  };
}

export type ErrorOccurredArgs = Args<ErrorOccurredData, 'message'>;

/** An `error_occurred` event: an error LiveKit reported, not recoverable unless told so. */
export function createErrorOccurredEvent(a: ErrorOccurredArgs): NewEventOf<'error_occurred'> {
  return {
    type: 'error_occurred',
    callId: callOf(a.callId),
    occurredAt: when(a.occurredAt),
    schemaVersion: EVENT_SCHEMA_VERSION,
    data: {
      conversationId: c.idOrNull('conversationId', a.conversationId),
      source: c.textOrNull('source', a.source),
      errorType: c.textOrNull('errorType', a.errorType),
      message: c.text('message', a.message),
      recoverable: c.flag('recoverable', a.recoverable, false),
    },
  };
}

export type SystemEventLoggedArgs = Args<SystemEventLoggedData, 'eventType' | 'message'>;

/** A `system_event_logged` event: an operational record (`INFO` by default); never transcripts in `message`. */
export function createSystemEventLoggedEvent(a: SystemEventLoggedArgs): NewEventOf<'system_event_logged'> {
  return {
    type: 'system_event_logged',
    callId: callOf(a.callId),
    occurredAt: when(a.occurredAt),
    schemaVersion: EVENT_SCHEMA_VERSION,
    data: {
      eventType: c.text('eventType', a.eventType),
      severity: c.oneOf('severity', a.severity, SEVERITIES, 'INFO'),
      message: c.text('message', a.message),
      component: c.textOrNull('component', a.component),
      conversationId: c.idOrNull('conversationId', a.conversationId),
      metadata: c.objectOrNull('metadata', a.metadata),
      // Left out (undefined) unless given: one occurrence.
      count: a.count === undefined ? undefined : (c.numberOrNull('count', a.count) ?? undefined),
    },
  };
}

export type QualityScoredArgs = Args<QualityScoredData, 'conversationId'>;

/** A `quality_scored` event: relevance and/or satisfaction scores, on any scale. */
export function createQualityScoredEvent(a: QualityScoredArgs): NewEventOf<'quality_scored'> {
  return {
    type: 'quality_scored',
    callId: callOf(a.callId),
    occurredAt: when(a.occurredAt),
    schemaVersion: EVENT_SCHEMA_VERSION,
    data: {
      conversationId: c.id('conversationId', a.conversationId),
      messageId: c.idOrNull('messageId', a.messageId),
      relevanceScore: c.numberOrNull('relevanceScore', a.relevanceScore),
      satisfactionScore: c.numberOrNull('satisfactionScore', a.satisfactionScore),
    },
  };
}

export type SessionEventArgs = Args<SessionEventData, 'name'>;

/** A `session_event` event: any other LiveKit session event, by its type `name`, with a plain payload. */
export function createSessionEvent(a: SessionEventArgs): NewEventOf<'session_event'> {
  return {
    type: 'session_event',
    callId: callOf(a.callId),
    occurredAt: when(a.occurredAt),
    schemaVersion: EVENT_SCHEMA_VERSION,
    data: {
      conversationId: c.idOrNull('conversationId', a.conversationId),
      name: c.text('name', a.name),
      payload: a.payload === undefined ? {} : c.object('payload', a.payload),
    },
  };
}

const VERDICTS: ReadonlySet<string> = new Set(['pass', 'fail', 'unclear']);
const CALL_OUTCOMES: ReadonlySet<string> = new Set(['success', 'fail']);

/** A tag: 1–64 characters, no control characters (it is shown in tables and used as a filter). */
export const MAX_TAG_LENGTH = 64;

function tagOf(v: unknown): string {
  const tag = c.id('tag', v);
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (tag.length > MAX_TAG_LENGTH || /[\u0000-\u001f\u007f]/.test(tag) || tag.trim() !== tag)
    throw c.invalid('tag', `must be 1–${MAX_TAG_LENGTH} characters without control characters or surrounding spaces.`);
  return tag;
}

const whole = (field: string, v: unknown): number => {
  const n = c.numberOrNull(field, v);
  if (n === null || !Number.isSafeInteger(n) || n < 0) throw c.invalid(field, 'must be a whole number >= 0.');
  return n;
};

const stringsOrNull = (field: string, v: unknown): string[] | null => {
  if (v === null || v === undefined) return null;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw c.invalid(field, 'must be an array of strings or null.');
  return v as string[];
};

type RunArgs = Partial<
  Pick<
    AnalysisCompletedData,
    'provider' | 'model' | 'tokensInput' | 'tokensCachedInput' | 'tokensOutput' | 'costUsd' | 'priceVersion' | 'durationMs'
  >
> & { attempts?: number };

const runData = (a: RunArgs) => ({
  provider: c.textOrNull('provider', a.provider),
  model: c.textOrNull('model', a.model),
  tokensInput: c.numberOrNull('tokensInput', a.tokensInput),
  tokensCachedInput: c.numberOrNull('tokensCachedInput', a.tokensCachedInput),
  tokensOutput: c.numberOrNull('tokensOutput', a.tokensOutput),
  costUsd: c.numberOrNull('costUsd', a.costUsd),
  priceVersion: c.textOrNull('priceVersion', a.priceVersion),
  attempts: a.attempts === undefined ? 1 : whole('attempts', a.attempts),
  durationMs: c.numberOrNull('durationMs', a.durationMs),
});

export type AnalysisCompletedArgs = EventEnvelope &
  RunArgs & {
    callId: string;
    summary?: string | null;
    verdict?: AnalysisVerdict | null;
    verdictReason?: string | null;
    fields?: JsonValue;
    fieldsValid?: boolean | null;
    fieldsErrors?: string[] | null;
    rawOutput?: string | null;
  };

/**
 * An `analysis_completed` event: the post-call analysis of call `callId`.
 *
 * @example
 * ```ts
 * const event = createAnalysisCompletedEvent({ callId: 'call-1', summary: 'Refund issued.', verdict: 'pass', verdictReason: 'Resolved.' });
 * ```
 */
export function createAnalysisCompletedEvent(a: AnalysisCompletedArgs): NewEventOf<'analysis_completed'> {
  return {
    type: 'analysis_completed',
    callId: c.id('callId', a.callId),
    occurredAt: when(a.occurredAt),
    schemaVersion: EVENT_SCHEMA_VERSION,
    data: {
      summary: c.textOrNull('summary', a.summary),
      verdict: a.verdict === null || a.verdict === undefined ? null : c.oneOf<AnalysisVerdict>('verdict', a.verdict, VERDICTS, 'unclear'),
      verdictReason: c.textOrNull('verdictReason', a.verdictReason),
      fields: a.fields === undefined ? null : a.fields,
      fieldsValid: a.fieldsValid === null || a.fieldsValid === undefined ? null : c.flag('fieldsValid', a.fieldsValid, true),
      fieldsErrors: stringsOrNull('fieldsErrors', a.fieldsErrors),
      rawOutput: c.textOrNull('rawOutput', a.rawOutput),
      ...runData(a),
    },
  };
}

export type AnalysisFailedArgs = EventEnvelope & RunArgs & { callId: string; error: string; errorType?: string; rawOutput?: string | null };

/** An `analysis_failed` event: the post-call analysis of call `callId` failed in every attempt. */
export function createAnalysisFailedEvent(a: AnalysisFailedArgs): NewEventOf<'analysis_failed'> {
  const data: AnalysisFailedData = {
    error: c.text('error', a.error),
    errorType: a.errorType === undefined ? 'llm_error' : c.id('errorType', a.errorType),
    rawOutput: c.textOrNull('rawOutput', a.rawOutput),
    ...runData(a),
  };
  return {
    type: 'analysis_failed',
    callId: c.id('callId', a.callId),
    occurredAt: when(a.occurredAt),
    schemaVersion: EVENT_SCHEMA_VERSION,
    data,
  };
}

export type CallTaggedArgs = EventEnvelope & { callId: string; tag: string };

/** A `call_tagged` event: `tag` (1–64 characters) put on call `callId`; tagging twice is harmless. */
export function createCallTaggedEvent(a: CallTaggedArgs): NewEventOf<'call_tagged'> {
  const data: CallTaggedData = { tag: tagOf(a.tag) };
  return {
    type: 'call_tagged',
    callId: c.id('callId', a.callId),
    occurredAt: when(a.occurredAt),
    schemaVersion: EVENT_SCHEMA_VERSION,
    data,
  };
}

export type CallOutcomeRecordedArgs = EventEnvelope & { callId: string; outcome: CallOutcome; reason?: string | null };

/** A `call_outcome_recorded` event: the agent's own verdict (`success` or `fail`) on call `callId`, with a reason. */
export function createCallOutcomeRecordedEvent(a: CallOutcomeRecordedArgs): NewEventOf<'call_outcome_recorded'> {
  const data: CallOutcomeRecordedData = {
    outcome: c.oneOf<CallOutcome>('outcome', a.outcome ?? '', CALL_OUTCOMES, 'success'),
    reason: c.textOrNull('reason', a.reason),
  };
  return {
    type: 'call_outcome_recorded',
    callId: c.id('callId', a.callId),
    occurredAt: when(a.occurredAt),
    schemaVersion: EVENT_SCHEMA_VERSION,
    data,
  };
}

export type RecordingAvailableArgs = Args<RecordingAvailableData, 'path' | 'startedAt'> & { callId: string };

/**
 * A `recording_available` event: the call's stereo recording (user on channel 0, agent on 1
 * unless told otherwise, `ogg/opus` by default) is at `path`.
 */
export function createRecordingAvailableEvent(a: RecordingAvailableArgs): NewEventOf<'recording_available'> {
  const channel = (field: string, v: number | undefined, fallback: number) => {
    const n = c.numberOrNull(field, v ?? fallback) ?? fallback;
    if (!Number.isInteger(n) || n < 0) throw invalidArgument(field, `must be a whole number >= 0, got ${n}.`);
    return n;
  };
  return {
    type: 'recording_available',
    callId: c.id('callId', a.callId),
    occurredAt: when(a.occurredAt),
    schemaVersion: EVENT_SCHEMA_VERSION,
    data: {
      path: c.text('path', a.path),
      startedAt: c.timestamp('startedAt', a.startedAt),
      durationMs: c.numberOrNull('durationMs', a.durationMs),
      channels: channel('channels', a.channels, 2),
      format: a.format === undefined ? 'ogg/opus' : c.text('format', a.format),
      sizeBytes: c.numberOrNull('sizeBytes', a.sizeBytes),
      userChannel: channel('userChannel', a.userChannel, 0),
      agentChannel: channel('agentChannel', a.agentChannel, 1),
    },
  };
}

export type HeardLatencyMeasuredArgs = Args<HeardLatencyMeasuredData, 'conversationId' | 'turnId' | 'mismatchThresholdMs'> & {
  callId: string;
};

/**
 * A `heard_latency_measured` event: a turn's latency measured from the recording. `mismatch`
 * defaults to |heard − reported| > `mismatchThresholdMs` when both are known.
 */
export function createHeardLatencyMeasuredEvent(a: HeardLatencyMeasuredArgs): NewEventOf<'heard_latency_measured'> {
  const heard = c.numberOrNull('heardLatencyMs', a.heardLatencyMs);
  const reported = c.numberOrNull('reportedLatencyMs', a.reportedLatencyMs);
  const threshold = c.numberOrNull('mismatchThresholdMs', a.mismatchThresholdMs);
  if (threshold === null || threshold < 0) throw invalidArgument('mismatchThresholdMs', `must be a number >= 0, got ${String(threshold)}.`);
  const differs = heard !== null && reported !== null && Math.abs(heard - reported) > threshold;
  return {
    type: 'heard_latency_measured',
    callId: c.id('callId', a.callId),
    occurredAt: when(a.occurredAt),
    schemaVersion: EVENT_SCHEMA_VERSION,
    data: {
      conversationId: c.id('conversationId', a.conversationId),
      turnId: c.id('turnId', a.turnId),
      heardLatencyMs: heard,
      userSpeechEndedAt: c.timestampOrNull('userSpeechEndedAt', a.userSpeechEndedAt),
      agentSpeechStartedAt: c.timestampOrNull('agentSpeechStartedAt', a.agentSpeechStartedAt),
      reportedLatencyMs: reported,
      mismatchThresholdMs: threshold,
      mismatch: c.flag('mismatch', a.mismatch, differs),
    },
  };
}
