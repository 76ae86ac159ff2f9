import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintNumber, booleanValue } from './transformers.js';

/** Projection: the post-call analysis of each call analysed (the latest; a failure never replaces a completed one). */
@Entity({ name: 'call_analyses' })
@Index('ix_call_analyses_verdict', ['verdict'])
export class CallAnalysisEntity {
  @PrimaryColumn({ type: 'varchar', length: 255, name: 'call_id' })
  callId!: string;

  /** Log position of the event the row comes from. */
  @Column({ type: 'bigint', name: 'event_position', transformer: bigintNumber })
  eventPosition!: number;

  /** completed / failed */
  @Column({ type: 'varchar', length: 16, name: 'status' })
  status!: string;

  @Column({ type: 'text', name: 'summary', nullable: true })
  summary!: string | null;

  /** pass / fail / unclear */
  @Column({ type: 'varchar', length: 16, name: 'verdict', nullable: true })
  verdict!: string | null;

  @Column({ type: 'text', name: 'verdict_reason', nullable: true })
  verdictReason!: string | null;

  /** JSON text of the fields extracted. */
  @Column({ type: 'text', name: 'fields', nullable: true })
  fields!: string | null;

  @Column({ type: 'boolean', name: 'fields_valid', nullable: true, transformer: booleanValue })
  fieldsValid!: boolean | null;

  /** JSON text: an array of strings. */
  @Column({ type: 'text', name: 'fields_errors', nullable: true })
  fieldsErrors!: string | null;

  @Column({ type: 'text', name: 'raw_output', nullable: true })
  rawOutput!: string | null;

  @Column({ type: 'text', name: 'error', nullable: true })
  error!: string | null;

  @Column({ type: 'varchar', length: 64, name: 'error_type', nullable: true })
  errorType!: string | null;

  @Column({ type: 'varchar', length: 255, name: 'provider', nullable: true })
  provider!: string | null;

  @Column({ type: 'varchar', length: 255, name: 'model', nullable: true })
  model!: string | null;

  @Column({ type: 'bigint', name: 'tokens_input', nullable: true, transformer: bigintNumber })
  tokensInput!: number | null;

  @Column({ type: 'bigint', name: 'tokens_output', nullable: true, transformer: bigintNumber })
  tokensOutput!: number | null;

  @Column({ type: 'double precision', name: 'cost_usd', nullable: true })
  costUsd!: number | null;

  @Column({ type: 'varchar', length: 64, name: 'price_version', nullable: true })
  priceVersion!: string | null;

  @Column({ type: 'integer', name: 'attempts', default: 1 })
  attempts!: number;

  @Column({ type: 'double precision', name: 'duration_ms', nullable: true })
  durationMs!: number | null;

  @Column({ type: 'bigint', name: 'analyzed_at', transformer: bigintNumber })
  analyzedAt!: number;
}
