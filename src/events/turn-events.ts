/** The factories of what was measured: LiveKit metrics reports, turns with their latency waterfall, the latency heard in the recording. */
import * as c from './check.js';
import { invalidArgument } from '../errors.js';
import { when, optionalText, callOf, type Args } from './envelope.js';
import {
  EVENT_SCHEMA_VERSION,
  type HeardLatencyMeasuredData,
  type MetricsKind,
  type MetricsRecordedData,
  type NewEventOf,
  type TurnCompletedData,
} from './types.js';

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
const OUTCOMES: ReadonlySet<string> = new Set(['completed', 'interrupted', 'session_closed', 'failed']);

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
