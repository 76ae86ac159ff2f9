import { createHash, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Dialect } from '../config/dialect.js';
import type { WebhookEndpoint, WebhookEvent } from '../config/webhooks.js';
import type { EventType, RecordedEvent } from '../events/types.js';
import type { ProjectionContext } from '../projections/projection.js';
import { select } from '../queries/sql.js';
import { inTransaction } from './transaction.js';

/**
 * The log events that make a webhook delivery due, and the webhook event each is posted as.
 * The one place a new trigger is declared: the analysis events add `analysis_completed` here.
 */
export const WEBHOOK_TRIGGERS: Partial<Record<EventType, WebhookEvent>> = {
  call_ended: 'call_ended',
  analysis_completed: 'analysis_completed',
};

/** What the writer needs of an endpoint to queue its deliveries: its id and the events it takes. */
export type WebhookTarget = Pick<WebhookEndpoint, 'id' | 'events'>;

/** A delivery's state: `pending` until the receiver answers 2xx (`delivered`) or it is given up (`failed`). */
export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One row of the outbox. */
export interface WebhookDelivery {
  /** The delivery id, sent as the idempotency key (`X-ConversationLog-Delivery`): the same on every attempt. */
  id: string;
  endpointId: string;
  event: WebhookEvent;
  /** The log event that made it due, and its position (deliveries go out in this order per endpoint). */
  eventId: string;
  eventPosition: number;
  callId: string;
  status: DeliveryStatus;
  attempts: number;
  createdAt: number;
  nextAttemptAt: number;
  /** Until when a deliverer holds it (ms UTC); 0 when none does. */
  claimedUntil: number;
  deliveredAt: number | null;
  /** The HTTP status of the last attempt; null when there was no response. */
  lastStatus: number | null;
  lastError: string | null;
}

const COLUMNS = [
  'id',
  'endpoint_id',
  'event',
  'event_id',
  'event_position',
  'call_id',
  'status',
  'attempts',
  'created_at',
  'next_attempt_at',
  'claimed_until',
] as const;

const SELECT = `SELECT id, endpoint_id, event, event_id, event_position, call_id, status, attempts, created_at, next_attempt_at,
  claimed_until, delivered_at, last_status, last_error FROM webhook_deliveries`;

/** The delivery id of an event for an endpoint: the same whoever computes it. */
export const deliveryIdOf = (endpointId: string, eventId: string): string =>
  `whd_${createHash('sha256').update(`${endpointId}\u0000${eventId}`).digest('hex').slice(0, 32)}`;

/**
 * Queues a delivery per endpoint for each event of the batch that triggers one, inside the
 * append transaction: a `call_ended` committed always has its deliveries, and none exist for an
 * event that did not commit. Called by the append path only, never by a rebuild (the outbox is
 * store state: a replay queues nothing, and what was delivered stays delivered).
 */
export async function queueWebhookDeliveries(
  events: readonly RecordedEvent[],
  ctx: ProjectionContext,
  targets: readonly WebhookTarget[],
): Promise<void> {
  if (targets.length === 0) return;
  const rows: unknown[][] = [];
  for (const e of events) {
    const event = WEBHOOK_TRIGGERS[e.type];
    if (event === undefined || e.callId === null) continue;
    for (const t of targets)
      if (t.events.includes(event))
        rows.push([
          deliveryIdOf(t.id, e.eventId),
          t.id,
          event,
          e.eventId,
          e.position,
          e.callId,
          'pending',
          0,
          e.recordedAt,
          e.recordedAt,
          0,
        ]);
  }
  if (rows.length) await ctx.insert('webhook_deliveries', COLUMNS, rows);
}

export function toDelivery(r: Record<string, unknown>): WebhookDelivery {
  const n = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
  return {
    id: String(r['id']),
    endpointId: String(r['endpoint_id']),
    event: String(r['event']) as WebhookEvent,
    eventId: String(r['event_id']),
    eventPosition: Number(r['event_position']),
    callId: String(r['call_id']),
    status: String(r['status']) as DeliveryStatus,
    attempts: Number(r['attempts']),
    createdAt: Number(r['created_at']),
    nextAttemptAt: Number(r['next_attempt_at']),
    claimedUntil: Number(r['claimed_until']),
    deliveredAt: n(r['delivered_at']),
    lastStatus: n(r['last_status']),
    lastError: r['last_error'] === null || r['last_error'] === undefined ? null : String(r['last_error']),
  };
}

/** A delivery a deliverer holds until `claimedUntil`: nobody else sends it meanwhile. */
export interface ClaimedDelivery extends WebhookDelivery {
  /** The claim's token (the row's `claimed_by`). */
  claim: string;
}

/**
 * Claims the next delivery of an endpoint, in order: the pending delivery with the lowest log
 * position, if it is due (`next_attempt_at <= now`) and no other deliverer holds it
 * (`claimed_until <= now`). Null when there is none to send now — including when the head of
 * the queue waits for its retry or is held by another deliverer: later deliveries never overtake it.
 *
 * @remarks
 * SQLite: one `UPDATE … WHERE id = (head) AND claimed_until <= now … RETURNING`, atomic under
 * the database's write lock. PostgreSQL: the head is locked with `FOR UPDATE SKIP LOCKED` (two
 * deliverers never wait on each other), checked to be the head (a lower pending row locked by
 * another claim means this one is not), then leased.
 */
export async function claimNext(
  dataSource: DataSource,
  dialect: Dialect,
  endpointId: string,
  now: number,
  leaseMs: number,
): Promise<ClaimedDelivery | null> {
  const claim = randomUUID();
  return inTransaction(dataSource, dialect, async ({ ctx }) => {
    if (dialect === 'sqlite') {
      const [row] = await ctx.query<Record<string, unknown>>(
        `UPDATE webhook_deliveries SET claimed_until = ?, claimed_by = ?, attempts = attempts + 1
         WHERE id = (SELECT id FROM webhook_deliveries WHERE endpoint_id = ? AND status = 'pending' ORDER BY event_position, id LIMIT 1)
           AND claimed_until <= ? AND next_attempt_at <= ?
         RETURNING id, endpoint_id, event, event_id, event_position, call_id, status, attempts, created_at, next_attempt_at,
           claimed_until, delivered_at, last_status, last_error`,
        [now + leaseMs, claim, endpointId, now, now],
      );
      return row === undefined ? null : { ...toDelivery(row), claim };
    }
    const [head] = await ctx.query<Record<string, unknown>>(
      `${SELECT} WHERE endpoint_id = ? AND status = 'pending' ORDER BY event_position, id LIMIT 1 FOR UPDATE SKIP LOCKED`,
      [endpointId],
    );
    if (head === undefined) return null;
    const d = toDelivery(head);
    if (d.claimedUntil > now || d.nextAttemptAt > now) return null;
    const [earlier] = await ctx.query<{ id: string }>(
      `SELECT id FROM webhook_deliveries WHERE endpoint_id = ? AND status = 'pending' AND (event_position < ? OR (event_position = ? AND id < ?)) LIMIT 1`,
      [endpointId, d.eventPosition, d.eventPosition, d.id],
    );
    if (earlier !== undefined) return null;
    await ctx.exec(`UPDATE webhook_deliveries SET claimed_until = ?, claimed_by = ?, attempts = attempts + 1 WHERE id = ?`, [
      now + leaseMs,
      claim,
      d.id,
    ]);
    return { ...d, attempts: d.attempts + 1, claimedUntil: now + leaseMs, claim };
  });
}

/** Records that the receiver acknowledged the delivery (answered 2xx): it is never sent again. */
export async function markDelivered(dataSource: DataSource, dialect: Dialect, id: string, status: number, at: number): Promise<void> {
  await inTransaction(dataSource, dialect, ({ ctx }) =>
    ctx.exec(
      `UPDATE webhook_deliveries SET status = 'delivered', delivered_at = ?, last_status = ?, last_error = NULL, claimed_until = 0, claimed_by = NULL
       WHERE id = ? AND status = 'pending'`,
      [at, status, id],
    ),
  );
}

/**
 * Records a failed attempt of a claim: retried at `nextAttemptAt`, or given up (`failed`) when
 * `giveUp`. A claim that expired and was taken over meanwhile is left to its new holder.
 */
export async function markAttemptFailed(
  dataSource: DataSource,
  dialect: Dialect,
  delivery: ClaimedDelivery,
  failure: { status: number | null; error: string; nextAttemptAt: number; giveUp: boolean },
): Promise<void> {
  await inTransaction(dataSource, dialect, ({ ctx }) =>
    ctx.exec(
      `UPDATE webhook_deliveries SET status = ?, next_attempt_at = ?, last_status = ?, last_error = ?, claimed_until = 0, claimed_by = NULL
       WHERE id = ? AND claimed_by = ? AND status = 'pending'`,
      [
        failure.giveUp ? 'failed' : 'pending',
        failure.nextAttemptAt,
        failure.status,
        failure.error.slice(0, 1000),
        delivery.id,
        delivery.claim,
      ],
    ),
  );
}

/** Gives a claim back untried (the deliverer is stopping): due again at once, its attempt not counted. */
export async function releaseClaim(dataSource: DataSource, dialect: Dialect, delivery: ClaimedDelivery): Promise<void> {
  await inTransaction(dataSource, dialect, ({ ctx }) =>
    ctx.exec(
      `UPDATE webhook_deliveries SET claimed_until = 0, claimed_by = NULL, attempts = attempts - 1 WHERE id = ? AND claimed_by = ? AND status = 'pending'`,
      [delivery.id, delivery.claim],
    ),
  );
}

/**
 * Queues a delivery again: a `failed` one (or a `pending` one waiting for its retry) is due at
 * `now`. Returns the delivery as it is after, or null when there is no such delivery. A
 * delivered one is left as it is (re-sending it is for the receiver's idempotency to absorb; not done).
 */
export async function retryDelivery(dataSource: DataSource, dialect: Dialect, id: string, now: number): Promise<WebhookDelivery | null> {
  return inTransaction(dataSource, dialect, async ({ ctx }) => {
    await ctx.exec(
      `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ?, claimed_until = 0, claimed_by = NULL
       WHERE id = ? AND status IN ('failed', 'pending')`,
      [now, id],
    );
    const [row] = await ctx.query<Record<string, unknown>>(`${SELECT} WHERE id = ?`, [id]);
    return row === undefined ? null : toDelivery(row);
  });
}

/** The outbox's deliveries: by status (default pending and failed), by call, oldest first; at most `limit`. */
export async function listDeliveries(
  dataSource: DataSource,
  filter: { statuses?: readonly DeliveryStatus[]; callId?: string; limit?: number } = {},
): Promise<WebhookDelivery[]> {
  const statuses = filter.statuses ?? ['pending', 'failed'];
  const limit = Math.max(1, Math.min(10_000, Math.floor(filter.limit ?? 1000)));
  const params: unknown[] = [...statuses];
  let where = `status IN (${statuses.map(() => '?').join(', ')})`;
  if (filter.callId !== undefined) {
    where += ' AND call_id = ?';
    params.push(filter.callId);
  }
  return (
    await select<Record<string, unknown>>(
      dataSource,
      `${SELECT} WHERE ${where} ORDER BY endpoint_id, event_position, id LIMIT ${limit}`,
      params,
    )
  ).map(toDelivery);
}

/** The endpoints that have pending deliveries (configured or not). */
export async function endpointsWithPending(dataSource: DataSource): Promise<string[]> {
  return (
    await select<{ endpoint_id: string }>(dataSource, `SELECT DISTINCT endpoint_id FROM webhook_deliveries WHERE status = 'pending'`)
  ).map((r) => String(r.endpoint_id));
}
