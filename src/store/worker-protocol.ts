import type { StoreConfig } from '../config/config.js';
import { ConversationLogError, type ErrorCode } from '../errors.js';
import type { EventType, NewEvent } from '../events/types.js';
import { conversationIdOf, dataJsonOf, isProjected, type AppendOutcome, type PendingEvent } from './append.js';
import type { CheckpointStats } from './checkpoint.js';

/**
 * Messages between the application thread and the writer's worker thread. Everything is plain
 * structured-clone data; an event travels as its header fields and its data: the JSON made at
 * enqueue time, or, for an event its producer handed over (the LiveKit plugin's), the data
 * itself, which the structured clone copies into its own buffer (outside the JavaScript heap)
 * and the writer thread serialises — no JSON text built, and no garbage left, on the application thread.
 */

/**
 * A batch as columns, one entry per event: arrays of strings and typed arrays, which the
 * structured clone copies straight into its own buffer — no joined string or JSON of the
 * headers built on the application thread first, nothing to parse or split on the other side.
 */
export interface WireBatch {
  eventIds: string[];
  types: EventType[];
  callIds: Array<string | null>;
  occurredAt: Float64Array;
  conversationIds: Array<string | null>;
  /** 1 when a projection reads the event's data (parsed on arrival), else 0. */
  projected: Uint8Array;
  /**
   * Each event's data: its JSON, or (handed over, `dataJson` null) the data itself, serialised
   * by the writer thread.
   */
  data: Array<string | NewEvent['data']>;
}

export type ToWorker =
  /**
   * `epoch`: the writer thread refuses (answers {@link NOT_ATTEMPTED}) a batch whose epoch is not
   * past that of a batch that failed, so a batch handed over behind a failing one is never
   * committed ahead of its retry. The application thread starts a new epoch after each failure.
   */
  | { kind: 'batch'; id: number; retry: boolean; epoch: number; batch: WireBatch }
  | { kind: 'clear'; id: number }
  | { kind: 'pause-checkpoints'; id: number }
  | { kind: 'resume-checkpoints'; id: number }
  | { kind: 'stats'; id: number }
  | { kind: 'close'; id: number }
  /**
   * Ends the thread at once, between two statements, abandoning what it is doing (an open
   * transaction dies with its connection). Sent at the close deadline instead of
   * `Worker.terminate()`: a thread terminated while better-sqlite3 waits on a lock aborts the
   * whole process (its error cannot be created in a terminating isolate).
   */
  | { kind: 'abort' };

export type FromWorker =
  | { kind: 'ready' }
  | { kind: 'reply'; id: number; ok: true; value: unknown }
  | { kind: 'reply'; id: number; ok: false; error: WireError }
  | { kind: 'log'; level: string; message: string; meta: Record<string, unknown> };

export interface WorkerData {
  config: StoreConfig;
}

/** An error with its `code` and its cause chain (TypeORM's `driverError`, `cause`), as far as it matters. */
export interface WireError {
  name: string;
  message: string;
  code?: string;
  /** ConversationLogError fields. */
  field?: string;
  retryable?: boolean;
  cause?: WireError;
}

/**
 * A batch's outcomes, compact: one status letter per event (`a` appended, `d` duplicate,
 * `r` rejected), positions in typed arrays (NaN for none), the rejections' errors in order.
 */
export interface WireOutcomes {
  statuses: string;
  positions: Float64Array;
  streamPositions: Float64Array;
  errors: WireError[];
}

/** The reply to a batch the writer thread refused because one handed over before it failed. */
export const NOT_ATTEMPTED = 'not-attempted';

/**
 * @param serialise make the JSON of handed-over events here (when their data cannot be cloned:
 *   a function in it, say, which JSON leaves out); throws INVALID_ARGUMENT when that fails too.
 */
export function toWireBatch(items: readonly PendingEvent[], serialise = false): WireBatch {
  const n = items.length;
  // Packed arrays, filled by push: the structured clone copies a packed array element by element,
  // but takes a holey one (`new Array(n)`) as sparse and looks every index up as a property.
  const batch: WireBatch = {
    eventIds: [],
    types: [],
    callIds: [],
    occurredAt: new Float64Array(n),
    conversationIds: [],
    projected: new Uint8Array(n),
    data: [],
  };
  for (let i = 0; i < n; i++) {
    const item = items[i]!;
    const event = item.event;
    batch.eventIds.push(item.eventId);
    batch.types.push(event.type);
    batch.callIds.push(event.callId);
    batch.occurredAt[i] = event.occurredAt;
    batch.conversationIds.push(conversationIdOf(event));
    batch.projected[i] = isProjected(event) ? 1 : 0;
    batch.data.push(item.dataJson ?? (serialise ? dataJsonOf(event) : event.data));
  }
  return batch;
}

/**
 * The batch as the writer thread needs it: JSON text stays text for the log row, parsed only
 * for events a projection reads (the rest, most session events, get data `null`); data handed
 * over as itself is used as is and serialised when appended (`dataJson` null).
 */
export function fromWireBatch(batch: WireBatch): PendingEvent[] {
  const n = batch.eventIds.length;
  for (const column of [batch.types, batch.callIds, batch.occurredAt, batch.conversationIds, batch.projected, batch.data])
    if (column.length !== n) throw new Error(`malformed batch: ${n} events, a column of ${column.length}`);
  const out = new Array<PendingEvent>(n);
  for (let i = 0; i < n; i++) {
    const entry = batch.data[i]!;
    const text = typeof entry === 'string';
    const data: unknown = text ? (batch.projected[i] ? (JSON.parse(entry) as unknown) : null) : entry;
    const event = { type: batch.types[i]!, callId: batch.callIds[i] ?? null, occurredAt: batch.occurredAt[i]!, data } as NewEvent;
    out[i] = {
      eventId: batch.eventIds[i]!,
      dataJson: text ? entry : null,
      event,
      handedOver: { conversationId: batch.conversationIds[i] ?? null },
    };
  }
  return out;
}

export function toWireError(error: unknown, depth = 0): WireError {
  if (!(error instanceof Error) && (typeof error !== 'object' || error === null)) return { name: 'Error', message: String(error) };
  const e = error as Error & { code?: unknown; field?: unknown; retryable?: unknown; driverError?: unknown; cause?: unknown };
  const out: WireError = { name: String(e.name ?? 'Error'), message: String(e.message ?? '') };
  if (typeof e.code === 'string') out.code = e.code;
  if (typeof e.field === 'string') out.field = e.field;
  if (typeof e.retryable === 'boolean') out.retryable = e.retryable;
  const inner = e.driverError ?? e.cause;
  if (inner !== undefined && inner !== null && depth < 4) out.cause = toWireError(inner, depth + 1);
  return out;
}

/** Rebuilds an error the writer can classify (codes and messages down the cause chain). */
export function fromWireError(wire: WireError): Error {
  const cause = wire.cause ? fromWireError(wire.cause) : undefined;
  if (wire.name === 'ConversationLogError' && wire.code)
    return new ConversationLogError(wire.code as ErrorCode, wire.message, {
      ...(wire.field === undefined ? {} : { field: wire.field }),
      ...(wire.retryable === undefined ? {} : { retryable: wire.retryable }),
      ...(cause === undefined ? {} : { cause }),
    });
  const error = new Error(wire.message, cause === undefined ? undefined : { cause }) as Error & { code?: string };
  error.name = wire.name;
  if (wire.code !== undefined) error.code = wire.code;
  return error;
}

export function toWireOutcomes(outcomes: readonly AppendOutcome[]): WireOutcomes {
  let statuses = '';
  const positions = new Float64Array(outcomes.length).fill(NaN);
  const streamPositions = new Float64Array(outcomes.length).fill(NaN);
  const errors: WireError[] = [];
  outcomes.forEach((o, i) => {
    statuses += o.status[0];
    if (o.status === 'appended') {
      positions[i] = o.position;
      streamPositions[i] = o.streamPosition ?? NaN;
    } else if (o.status === 'rejected') errors.push(toWireError(o.error));
  });
  return { statuses, positions, streamPositions, errors };
}

export function fromWireOutcomes(wire: WireOutcomes): AppendOutcome[] {
  const out: AppendOutcome[] = [];
  let e = 0;
  for (let i = 0; i < wire.statuses.length; i++) {
    const s = wire.statuses[i];
    if (s === 'a') {
      const sp = wire.streamPositions[i]!;
      out.push({ status: 'appended', position: wire.positions[i]!, streamPosition: Number.isNaN(sp) ? null : sp });
    } else if (s === 'd') out.push({ status: 'duplicate' });
    else out.push({ status: 'rejected', error: fromWireError(wire.errors[e++]!) as ConversationLogError });
  }
  return out;
}

export type { CheckpointStats };
