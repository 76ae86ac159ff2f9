/** The factories of LiveKit's errors and other session events, and of operational records. */
import * as c from './check.js';
import { when, callOf, type Args } from './envelope.js';
import {
  EVENT_SCHEMA_VERSION,
  type ErrorOccurredData,
  type NewEventOf,
  type SessionEventData,
  type SystemEventLoggedData,
} from './types.js';

const SEVERITIES: ReadonlySet<string> = new Set(['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL']);

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
