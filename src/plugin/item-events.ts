/** The events of the items a session reports that need no joining: user and system messages, tool calls, errors. */
import { createErrorOccurredEvent, createMessageAddedEvent, createToolExecutedEvent } from '../events/create.js';
import type { JsonObject, NewEvent } from '../events/types.js';
import { time } from './coerce.js';
import type { ItemSnapshot, SessionEventSnapshot, ToolCallSnapshot, ToolOutputSnapshot } from './snapshot.js';

/** What every event the mapper builds from an item carries: the call, the conversation now open and the SLA. */
export interface ItemContext {
  callId: string;
  conversationId: string;
  slaThresholdMs: number;
}

/** A user or system message: what LiveKit reports of it, no usage of its own. */
export function messageEvent(
  c: ItemContext,
  messageId: string,
  role: 'user' | 'system',
  it: ItemSnapshot & { type: 'message' },
  createdAt: number | null,
  sttConfidence: number | null,
  language: string | null,
  metadata: JsonObject | null,
  at: number,
): NewEvent {
  return createMessageAddedEvent({
    callId: c.callId,
    occurredAt: at,
    messageId,
    conversationId: c.conversationId,
    role,
    content: it.content,
    createdAt,
    sttConfidence,
    usageCounted: false,
    interrupted: it.interrupted,
    language,
    itemId: it.id,
    slaThresholdMs: c.slaThresholdMs,
    metadata,
  });
}

/** One `tool_executed` per function call, with the output at its position and the time between them; `newId` names each. */
export function toolEvents(
  c: ItemContext,
  calls: ToolCallSnapshot[],
  outputs: ToolOutputSnapshot[],
  at: number,
  newId: () => string,
): NewEvent[] {
  const out: NewEvent[] = [];
  calls.forEach((call, i) => {
    const output = outputs[i];
    const started = time(call.createdAt);
    const finished = output ? time(output.createdAt) : null;
    out.push(
      createToolExecutedEvent({
        callId: c.callId,
        occurredAt: at,
        messageId: newId(),
        conversationId: c.conversationId,
        toolCallId: call.callId,
        name: call.name ?? 'unknown',
        arguments: call.args ?? '',
        output: output ? output.output : null,
        isError: output?.isError === true,
        durationMs: started !== null && finished !== null ? Math.max(0, finished - started) : null,
        createdAt: started,
      }),
    );
  });
  return out;
}

/** The `error_occurred` of an error the session reported. */
export function errorEvent(c: ItemContext, ev: SessionEventSnapshot & { type: 'error' }, at: number): NewEvent {
  return createErrorOccurredEvent({
    callId: c.callId,
    occurredAt: at,
    conversationId: c.conversationId,
    source: ev.source,
    errorType: ev.errorType,
    message: ev.message,
    recoverable: ev.recoverable,
  });
}
