import { EVENT_SCHEMA_VERSION, type EventType, type NewEvent, type RecordedEvent } from '../events/types.js';
import { ConversationLogError } from '../errors.js';
import { PROJECTIONS } from '../projections/index.js';
import type { Projection, ProjectionContext } from '../projections/projection.js';
import type { EventRow, WriteExecutor } from './executor.js';
import { isMiss, type ConversationState, type StreamMiss, type StreamState } from './stream-state.js';
import { queueWebhookDeliveries, type WebhookTarget } from './webhook-outbox.js';

/** An event on its way to the log, with the id the writer gave it and its data as JSON. */
export interface PendingEvent {
  event: NewEvent;
  eventId: string;
  /**
   * `JSON.stringify(event.data)`: the log's `data` column, made at enqueue time. `null` for an
   * event its producer handed over (plain data it never changes again): serialised where the
   * batch is appended — in the writer's worker thread, off the application's event loop.
   */
  dataJson: string | null;
  /**
   * Set when the event arrives without its parsed data (the writer thread parses only what a
   * projection reads): its conversation, and that no projection needs it.
   */
  handedOver?: { conversationId: string | null };
}

export type AppendOutcome =
  | { status: 'appended'; position: number; streamPosition: number | null }
  /** Already in the log (a retry of a flush whose commit went through). */
  | { status: 'duplicate' }
  | { status: 'rejected'; error: ConversationLogError };

const reject = (code: ConversationLogError['code'], message: string, field?: string): AppendOutcome => ({
  status: 'rejected',
  error: new ConversationLogError(code, message, field === undefined ? {} : { field }),
});

export const conversationIdOf = (event: NewEvent): string | null =>
  'conversationId' in event.data ? (event.data.conversationId ?? null) : null;

/**
 * Whether any projection reads this event's data (the log row aside). Session events other than a
 * false interruption only go to the log: a writer thread need not parse them.
 */
export const isProjected = (event: NewEvent): boolean =>
  PROJECTED.has(event.type) && (event.type !== 'session_event' || event.data.name === 'agent_false_interruption');

/** The conversation of a pending event: carried by the hand-over when its data was not parsed. */
const conversationOfItem = (item: PendingEvent): string | null =>
  item.handedOver ? item.handedOver.conversationId : conversationIdOf(item.event);

type Decision = { event: NewEvent; streamPosition: number | null } | AppendOutcome;

/**
 * Checks an event against what is stored (does the call exist, is it open, …), fills in the
 * call of a conversation-scoped event, and assigns its stream position. Returns the event to
 * append, or why it is rejected, or what `state` must load first (nothing is staged then:
 * every lookup comes before any change). Staged changes go to `state`.
 */
function decide(item: PendingEvent, state: StreamState): Decision | StreamMiss {
  const { event } = item;
  const conversationId = conversationOfItem(item);
  let callId = event.callId;
  let endConversation: ConversationState | null = null;
  if (conversationId !== null) {
    const conv = state.peekConversation(conversationId);
    if (isMiss(conv)) return conv;
    if (event.type === 'conversation_started') {
      if (conv !== null) return reject('DUPLICATE_CONVERSATION', `Conversation ${conversationId} already exists.`, 'conversationId');
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
      if (event.type === 'conversation_ended') endConversation = { ...conv, ended: true };
    }
  }
  if (callId === null) {
    if (event.type === 'system_event_logged') return { event, streamPosition: null };
    return reject('INVALID_ARGUMENT', `${event.type} needs a callId.`, 'callId');
  }
  const resolved = callId === event.callId ? event : ({ ...event, callId } as NewEvent);
  let call = state.peekCall(callId);
  if (isMiss(call)) return call;
  if (event.type === 'call_started') {
    if (call !== null) return reject('DUPLICATE_CALL', `Call ${callId} already exists; use another callId.`, 'callId');
    // A call id reused after retention removed its row continues its old stream, if any remains.
    const orphan = state.peekOrphan(callId);
    if (isMiss(orphan)) return orphan;
    state.setCall(callId, { active: true, nextPosition: orphan.nextPosition + 1 });
    return { event: resolved, streamPosition: orphan.nextPosition };
  }
  if (call === null) {
    if (event.type !== 'system_event_logged')
      return reject('UNKNOWN_CALL', `No call ${callId}: start it with startCall() first.`, 'callId');
    const orphan = state.peekOrphan(callId);
    if (isMiss(orphan)) return orphan;
    call = orphan;
    state.setCall(callId, call);
  }
  if (event.type === 'call_ended' || event.type === 'conversation_started') {
    if (!call.active) return reject('CALL_ALREADY_ENDED', `Call ${callId} has already ended.`, 'callId');
    if (event.type === 'call_ended') call.active = false;
    else state.setConversation(event.data.conversationId, { callId, ended: false });
  }
  if (endConversation !== null) state.setConversation(conversationId!, endConversation);
  return { event: resolved, streamPosition: call.nextPosition++ };
}

/**
 * Appends a batch inside an open transaction: checks every event against what is stored,
 * inserts the accepted ones into the log (one statement per row on SQLite, one statement of
 * column arrays on PostgreSQL), then applies the inline projections to the batch
 * ({@link projectBatch}) and queues the webhook deliveries its events make due (the outbox,
 * store state that a rebuild does not replay).
 * Events already in the log (by `eventId`) are skipped, so a retried flush never writes twice.
 *
 * @param checkDuplicates look up the ids first; needed only when retrying a flush
 * @param webhooks the endpoints a `call_ended` (see `WEBHOOK_TRIGGERS`) queues a delivery for
 */
export async function appendBatch(
  items: readonly PendingEvent[],
  ctx: ProjectionContext,
  executor: WriteExecutor,
  state: StreamState,
  recordedAt: number,
  checkDuplicates: boolean,
  webhooks: readonly WebhookTarget[] = [],
): Promise<AppendOutcome[]> {
  const existing = checkDuplicates ? await existingIds(items, ctx) : null;
  const callIds = new Set<string>();
  const conversationIds = new Set<string>();
  for (const item of items) {
    if (item.event.callId !== null) callIds.add(item.event.callId);
    const conversationId = conversationOfItem(item);
    if (conversationId !== null) conversationIds.add(conversationId);
  }
  await state.prefetch(callIds, conversationIds, ctx);
  const outcomes = new Array<AppendOutcome>(items.length);
  const accepted: Array<{ index: number; event: NewEvent; streamPosition: number | null }> = [];
  const rows: EventRow[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if (existing?.has(item.eventId)) {
      outcomes[i] = { status: 'duplicate' };
      continue;
    }
    const dataJson = item.dataJson ?? serialised(item.event);
    if (typeof dataJson !== 'string') {
      outcomes[i] = dataJson;
      continue;
    }
    // Deciding needs no projection output: later events of the batch see earlier ones through
    // `state`, which answers from memory and names what to read on a miss.
    let decision = decide(item, state);
    for (let loads = 0; isMiss(decision); loads++) {
      if (loads > 3) throw new Error(`stream state did not load ${decision.miss} ${decision.id}`);
      await state.load(decision, ctx);
      decision = decide(item, state);
    }
    if ('status' in decision) {
      outcomes[i] = decision;
      continue;
    }
    const { event, streamPosition } = decision;
    accepted.push({ index: i, event, streamPosition });
    rows.push([item.eventId, event.callId, streamPosition, event.type, EVENT_SCHEMA_VERSION, event.occurredAt, recordedAt, dataJson]);
  }
  const positions = rows.length ? await executor.insertEvents(rows) : [];
  const recorded: RecordedEvent[] = [];
  for (let k = 0; k < accepted.length; k++) {
    const { index, event, streamPosition } = accepted[k]!;
    const position = positions[k]!;
    outcomes[index] = { status: 'appended', position, streamPosition };
    // Handed over unparsed (data null) exactly when no projection reads it.
    if (event.data === null || !isProjected(event)) continue;
    // One literal of fixed shape (a spread of the event plus new fields costs µs per event).
    recorded.push({
      type: event.type,
      callId: event.callId,
      occurredAt: event.occurredAt,
      data: event.data,
      position,
      eventId: items[index]!.eventId,
      streamPosition,
      schemaVersion: EVENT_SCHEMA_VERSION,
      recordedAt,
    } as RecordedEvent);
  }
  await projectBatch(recorded, ctx);
  await queueWebhookDeliveries(recorded, ctx, webhooks);
  return outcomes;
}

/**
 * An event's data as the log's JSON; throws INVALID_ARGUMENT for data JSON cannot hold (cyclic,
 * BigInt), wherever it is serialised: at enqueue, on the writer thread, or before a hand-over.
 */
export function dataJsonOf(event: NewEvent): string {
  try {
    return JSON.stringify(event.data);
  } catch (error) {
    throw new ConversationLogError(
      'INVALID_ARGUMENT',
      `The ${event.type} event's data cannot be stored as JSON (${(error as Error).message}); pass plain JSON values.`,
    );
  }
}

/** A handed-over event's data as JSON, or its refusal (what `enqueue` refuses at once for data not handed over). */
function serialised(event: NewEvent): string | AppendOutcome {
  try {
    return dataJsonOf(event);
  } catch (error) {
    return { status: 'rejected', error: error as ConversationLogError };
  }
}

/** The event types each projection handles. */
const HANDLED = new Map<Projection, ReadonlySet<EventType>>(PROJECTIONS.map((p) => [p, new Set(p.canHandle)]));
/** Event types some projection handles. */
const PROJECTED = new Set<EventType>(PROJECTIONS.flatMap((p) => p.canHandle));

/**
 * Applies every inline projection to a batch of recorded events: one projection after another,
 * in `PROJECTIONS` order (parents before children), each given the events it handles in log order.
 */
export async function projectBatch(events: readonly RecordedEvent[], ctx: ProjectionContext): Promise<void> {
  for (const projection of PROJECTIONS) {
    const handled = HANDLED.get(projection)!;
    const mine = events.filter((e) => handled.has(e.type));
    if (mine.length > 0) await projection.handle(mine, ctx);
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
