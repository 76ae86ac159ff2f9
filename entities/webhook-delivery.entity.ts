import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintNumber } from './transformers.js';

/**
 * Store state (not a projection; a rebuild leaves it alone): the webhook outbox, one row per
 * (endpoint, event) to deliver, written in the transaction that appends the event, and updated
 * by the deliverers as they claim, send and acknowledge it.
 */
@Entity({ name: 'webhook_deliveries' })
@Index('ux_webhook_deliveries_endpoint_event', ['endpointId', 'eventId'], { unique: true })
@Index('ix_webhook_deliveries_queue', ['endpointId', 'status', 'eventPosition'])
@Index('ix_webhook_deliveries_call', ['callId'])
export class WebhookDeliveryEntity {
  /** The delivery id, sent as the idempotency key: the same on every attempt. */
  @PrimaryColumn({ type: 'varchar', length: 64, name: 'id' })
  id!: string;

  @Column({ type: 'varchar', length: 64, name: 'endpoint_id' })
  endpointId!: string;

  /** `call_ended` or `analysis_completed`. */
  @Column({ type: 'varchar', length: 32, name: 'event' })
  event!: string;

  /** The log event that made the delivery due. */
  @Column({ type: 'varchar', length: 64, name: 'event_id' })
  eventId!: string;

  /** Its log position: deliveries go out in this order per endpoint. */
  @Column({ type: 'bigint', name: 'event_position', transformer: bigintNumber })
  eventPosition!: number;

  @Column({ type: 'varchar', length: 255, name: 'call_id' })
  callId!: string;

  /** `pending`, `delivered` (the receiver answered 2xx) or `failed` (given up; `convlog webhooks retry` queues it again). */
  @Column({ type: 'varchar', length: 16, name: 'status' })
  status!: string;

  @Column({ type: 'integer', name: 'attempts', default: 0 })
  attempts!: number;

  @Column({ type: 'bigint', name: 'created_at', transformer: bigintNumber })
  createdAt!: number;

  @Column({ type: 'bigint', name: 'next_attempt_at', transformer: bigintNumber })
  nextAttemptAt!: number;

  /** Until when a deliverer holds it (ms UTC); 0 when none does. */
  @Column({ type: 'bigint', name: 'claimed_until', transformer: bigintNumber, default: 0 })
  claimedUntil!: number;

  @Column({ type: 'varchar', length: 64, name: 'claimed_by', nullable: true })
  claimedBy!: string | null;

  @Column({ type: 'bigint', name: 'delivered_at', transformer: bigintNumber, nullable: true })
  deliveredAt!: number | null;

  /** The HTTP status of the last attempt (null: no response). */
  @Column({ type: 'integer', name: 'last_status', nullable: true })
  lastStatus!: number | null;

  @Column({ type: 'text', name: 'last_error', nullable: true })
  lastError!: string | null;
}
