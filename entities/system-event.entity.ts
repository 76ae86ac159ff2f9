import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintNumber } from './transformers.js';

/** Projection: system-level events and operational logs (errors, SLA violations, writer outages, drops). */
@Entity({ name: 'system_events' })
@Index('ix_system_events_created', ['createdAt'])
@Index('ix_system_events_type_created', ['eventType', 'createdAt'])
@Index('ix_system_events_call', ['callId'])
export class SystemEventEntity {
  /** Derived from the log event that produced the row, so a rebuild reproduces it exactly. */
  @PrimaryColumn({ type: 'varchar', length: 96, name: 'id' })
  id!: string;

  @Column({ type: 'bigint', name: 'event_position', transformer: bigintNumber })
  eventPosition!: number;

  @Column({ type: 'varchar', length: 128, name: 'event_type' })
  eventType!: string;

  /** DEBUG / INFO / WARNING / ERROR / CRITICAL */
  @Column({ type: 'varchar', length: 16, name: 'severity' })
  severity!: string;

  @Column({ type: 'text', name: 'message' })
  message!: string;

  @Column({ type: 'varchar', length: 128, name: 'component', nullable: true })
  component!: string | null;

  @Column({ type: 'varchar', length: 255, name: 'call_id', nullable: true })
  callId!: string | null;

  @Column({ type: 'varchar', length: 64, name: 'conversation_id', nullable: true })
  conversationId!: string | null;

  /** How many occurrences the row stands for (e.g. events dropped). */
  @Column({ type: 'integer', name: 'count', default: 1 })
  count!: number;

  /** JSON text. */
  @Column({ type: 'text', name: 'metadata', nullable: true })
  metadata!: string | null;

  @Column({ type: 'bigint', name: 'created_at', transformer: bigintNumber })
  createdAt!: number;
}
