import { EVENT_SCHEMA_VERSION, type NewEvent, type RecordedEvent } from '../events/types.js';
import { ConversationLogError } from '../errors.js';
import { PROJECTIONS } from '../projections/index.js';
import type { ProjectionContext } from '../projections/projection.js';
import type { StreamState } from './stream-state.js';

/** An event on its way to the log, with the id the writer gave it at enqueue time. */
export interface PendingEvent {
  event: NewEvent;
  eventId: string;
}

export type AppendOutcome =
  | { status: 'appended'; position: number; streamPosition: number | null }
  /** Already in the log (a retry of a flush whose commit went through). */
  | { status: 'duplicate' }
  | { status: 'rejected'; error: ConversationLogError };

const INSERT_EVENT = `INSERT INTO events (event_id, call_id, stream_position, type, schema_version, occurred_at,
  recorded_at, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;

/** Runs one INSERT INTO events and returns the new global position. */
export type InsertEvent = (params: unknown[]) => Promise<number>;

const reject = (code: ConversationLogError['code'], message: string, field?: string): AppendOutcome => ({
  status: 'rejected',
  error: new ConversationLogError(code, message, field === undefined ? {} : { field }),
});

const conversationIdOf = (event: NewEvent): string | null =>
  'conversationId' in event.data ? (event.data.conversationId ?? null) : null;

/**
 * Checks an event against what is stored (does the call exist, is it open, …), fills in the
 * call of a conversation-scoped event, and assigns its stream position. Returns the event to
 * append, or why it is rejected. Staged changes go to `state`.
 */
async function decide(
  event: NewEvent,
  state: StreamState,
  ctx: ProjectionContext,
): Promise<{ event: NewEvent; streamPosition: number | null } | AppendOutcome> {
  const conversationId = conversationIdOf(event);
  let callId = event.callId;
  if (conversationId !== null) {
    const conv = await state.conversation(conversationId, ctx);
    if (event.type === 'conversation_started') {
      if (conv !== null)
        return reject('DUPLICATE_CONVERSATION', `Conversation ${conversationId} already exists.`, 'conversationId');
    } else {
      if (conv === null)
        return reject(
          'UNKNOWN_CONVERSATION',
          `No conversation ${conversationId}: start it with startConversation() first.`,
          'conversationId',
        );
      if (callId === null) callId = conv.callId;
      else if (callId !== conv.callId)
        return reject('INVALID_ARGUMENT', `Conversation ${conversationId} belongs to another call.`, 'conversationId');
      const needsOpen =
        event.type === 'conversation_ended' ||
        event.type === 'message_added' ||
        event.type === 'tool_executed' ||
        event.type === 'turn_completed';
      if (needsOpen && conv.ended)
        return reject(
          'CONVERSATION_ALREADY_ENDED',
          `Conversation ${conversationId} has already ended; start a new one to log more.`,
          'conversationId',
        );
      if (event.type === 'conversation_ended') state.setConversation(conversationId, { ...conv, ended: true });
    }
  }
  if (callId === null) {
    if (event.type === 'system_event_logged') return { event, streamPosition: null };
    return reject('INVALID_ARGUMENT', `${event.type} needs a callId.`, 'callId');
  }
  const resolved = { ...event, callId } as NewEvent;
  let call = await state.call(callId, ctx);
  if (event.type === 'call_started') {
    if (call !== null) return reject('DUPLICATE_CALL', `Call ${callId} already exists; use another callId.`, 'callId');
    // A call id reused after retention removed its row continues its old stream, if any remains.
    call = await state.orphanStream(callId, ctx);
    call.active = true;
    state.setCall(callId, call);
    return { event: resolved, streamPosition: call.nextPosition++ };
  }
  if (call === null) {
    if (event.type !== 'system_event_logged')
      return reject('UNKNOWN_CALL', `No call ${callId}: start it with startCall() first.`, 'callId');
    call = await state.orphanStream(callId, ctx);
  }
  if (event.type === 'call_ended' || event.type === 'conversation_started') {
    if (!call.active)
      return reject('CALL_ALREADY_ENDED', `Call ${callId} has already ended.`, 'callId');
    if (event.type === 'call_ended') call.active = false;
    else state.setConversation(event.data.conversationId, { callId, ended: false });
  }
  return { event: resolved, streamPosition: call.nextPosition++ };
}

/**
 * Appends a batch inside an open transaction: for each event, check it, insert it into the log
 * and apply every inline projection that handles it. Events already in the log (by `eventId`)
 * are skipped, so a retried flush never writes twice.
 *
 * @param checkDuplicates look up the ids first; needed only when retrying a flush
 */
export async function appendBatch(
  items: readonly PendingEvent[],
  ctx: ProjectionContext,
  insertEvent: InsertEvent,
  state: StreamState,
  recordedAt: number,
  checkDuplicates: boolean,
): Promise<AppendOutcome[]> {
  const existing = checkDuplicates ? await existingIds(items, ctx) : null;
  const outcomes: AppendOutcome[] = [];
  for (const item of items) {
    if (existing?.has(item.eventId)) {
      outcomes.push({ status: 'duplicate' });
      continue;
    }
    const decision = await decide(item.event, state, ctx);
    if ('status' in decision) {
      outcomes.push(decision);
      continue;
    }
    const { event, streamPosition } = decision;
    const position = await insertEvent([
      item.eventId,
      event.callId,
      streamPosition,
      event.type,
      EVENT_SCHEMA_VERSION,
      event.occurredAt,
      recordedAt,
      JSON.stringify(event.data),
    ]);
    const recorded = {
      ...event,
      position,
      eventId: item.eventId,
      streamPosition,
      schemaVersion: EVENT_SCHEMA_VERSION,
      recordedAt,
    } as RecordedEvent;
    await project(recorded, ctx);
    outcomes.push({ status: 'appended', position, streamPosition });
  }
  return outcomes;
}

/** Applies every inline projection that handles the event, in order. */
export async function project(event: RecordedEvent, ctx: ProjectionContext): Promise<void> {
  for (const projection of PROJECTIONS) {
    if (projection.canHandle.includes(event.type)) await projection.handle(event, ctx);
  }
}

async function existingIds(items: readonly PendingEvent[], ctx: ProjectionContext): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < items.length; i += 100) {
    const chunk = items.slice(i, i + 100).map((x) => x.eventId);
    const rows = await ctx.query<{ event_id: string }>(
      `SELECT event_id FROM events WHERE event_id IN (${chunk.map(() => '?').join(', ')})`,
      chunk,
    );
    for (const r of rows) found.add(r.event_id);
  }
  return found;
}

export { INSERT_EVENT };
