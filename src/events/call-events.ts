/** The factories of a call's and its conversations' lifecycle events, and of its recording. */
import * as c from './check.js';
import { invalidArgument } from '../errors.js';
import { when, optionalText, callOf, type Args } from './envelope.js';
import {
  EVENT_SCHEMA_VERSION,
  type CallEndedData,
  type CallStartedData,
  type ConversationEndedData,
  type ConversationStartedData,
  type NewEventOf,
  type RecordingAvailableData,
} from './types.js';

const ENDED: ReadonlySet<string> = new Set(['completed', 'failed', 'abandoned']);

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
