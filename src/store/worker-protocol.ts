import type { StoreConfig } from '../config/config.js';
import { ConversationLogError, type ErrorCode } from '../errors.js';
import type { EventType, NewEvent } from '../events/types.js';
import { conversationIdOf, isProjected, type AppendOutcome, type PendingEvent } from './append.js';
import type { CheckpointStats } from './checkpoint.js';

/**
 * Messages between the application thread and the writer's worker thread. Everything is plain
 * structured-clone data; an event travels as its header fields and its data already serialised
 * at enqueue time, so handing over a batch is a copy of strings, not a deep clone.
 */

/**
 * A batch as two strings, so handing it over is two copies, not a clone of hundreds of objects:
 * `head` is the JSON array of `[eventId, type, callId, occurredAt]`, `data` the events' data JSON
 * joined by NUL (which JSON text never contains: `JSON.stringify` escapes it).
 */
export interface WireBatch {
  head: string;
  data: string;
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
  | { kind: 'close'; id: number };

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

const SEPARATOR = '\u0000';

export function toWireBatch(items: readonly PendingEvent[]): WireBatch {
  const head = items.map((i) => [i.eventId, i.event.type, i.event.callId, i.event.occurredAt, conversationIdOf(i.event), isProjected(i.event) ? 1 : 0]);
  return { head: JSON.stringify(head), data: items.map((i) => i.dataJson).join(SEPARATOR) };
}

/**
 * The batch as the writer thread needs it: the data of events a projection reads is parsed;
 * the rest (most session events) stay JSON text for the log row, their data `null`.
 */
export function fromWireBatch(batch: WireBatch): PendingEvent[] {
  const head = JSON.parse(batch.head) as Array<[string, EventType, string | null, number, string | null, 0 | 1]>;
  const data = batch.data.split(SEPARATOR);
  if (data.length !== head.length) throw new Error(`malformed batch: ${head.length} events, ${data.length} payloads`);
  return head.map(([eventId, type, callId, occurredAt, conversationId, projected], i) => {
    const dataJson = data[i]!;
    const event = { type, callId, occurredAt, data: projected ? JSON.parse(dataJson) : null } as NewEvent;
    return { eventId, dataJson, event, handedOver: { conversationId } };
  });
}

export function toWireError(error: unknown, depth = 0): WireError {
  if (!(error instanceof Error) && (typeof error !== 'object' || error === null))
    return { name: 'Error', message: String(error) };
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
