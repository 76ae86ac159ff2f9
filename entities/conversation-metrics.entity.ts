import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { bigintNumber } from './transformers.js';
import { ConversationEntity } from './conversation.entity.js';

/**
 * Projection: per-conversation figures, kept current as events arrive.
 *
 * @remarks
 * Response time = `processing_time_ms` of assistant messages (for the LiveKit plugin: the turn's
 * end-to-end latency); implausible values are excluded. Averages are over the `*_count` samples.
 */
@Entity({ name: 'conversation_metrics' })
@Index('ix_conversation_metrics_call', ['callId'])
@Index('ix_conversation_metrics_started_at', ['startedAt'])
export class ConversationMetricsEntity {
  @PrimaryColumn({ type: 'varchar', length: 64, name: 'conversation_id' })
  conversationId!: string;

  /** The parent row (declared for its foreign key; never loaded). */
  @ManyToOne(() => ConversationEntity)
  @JoinColumn({ name: 'conversation_id' })
  conversation?: ConversationEntity;

  @Column({ type: 'varchar', length: 255, name: 'call_id' })
  callId!: string;

  @Column({ type: 'bigint', name: 'started_at', transformer: bigintNumber })
  startedAt!: number;

  @Column({ type: 'integer', name: 'turns', default: 0 })
  turns!: number;

  @Column({ type: 'integer', name: 'response_time_count', default: 0 })
  responseTimeCount!: number;

  @Column({ type: 'double precision', name: 'response_time_avg_ms', nullable: true })
  responseTimeAvgMs!: number | null;

  @Column({ type: 'double precision', name: 'response_time_p50_ms', nullable: true })
  responseTimeP50Ms!: number | null;

  @Column({ type: 'double precision', name: 'response_time_p95_ms', nullable: true })
  responseTimeP95Ms!: number | null;

  @Column({ type: 'double precision', name: 'response_time_max_ms', nullable: true })
  responseTimeMaxMs!: number | null;

  @Column({ type: 'integer', name: 'stt_latency_count', default: 0 })
  sttLatencyCount!: number;

  @Column({ type: 'double precision', name: 'stt_latency_avg_ms', nullable: true })
  sttLatencyAvgMs!: number | null;

  @Column({ type: 'integer', name: 'llm_latency_count', default: 0 })
  llmLatencyCount!: number;

  @Column({ type: 'double precision', name: 'llm_latency_avg_ms', nullable: true })
  llmLatencyAvgMs!: number | null;

  @Column({ type: 'integer', name: 'tts_latency_count', default: 0 })
  ttsLatencyCount!: number;

  @Column({ type: 'double precision', name: 'tts_latency_avg_ms', nullable: true })
  ttsLatencyAvgMs!: number | null;

  @Column({ type: 'integer', name: 'eou_delay_count', default: 0 })
  eouDelayCount!: number;

  @Column({ type: 'double precision', name: 'eou_delay_avg_ms', nullable: true })
  eouDelayAvgMs!: number | null;

  @Column({ type: 'bigint', name: 'llm_tokens_input', transformer: bigintNumber, default: 0 })
  llmTokensInput!: number;

  @Column({ type: 'bigint', name: 'llm_tokens_cached', transformer: bigintNumber, default: 0 })
  llmTokensCached!: number;

  @Column({ type: 'bigint', name: 'llm_tokens_output', transformer: bigintNumber, default: 0 })
  llmTokensOutput!: number;

  @Column({ type: 'double precision', name: 'llm_cost_usd', default: 0 })
  llmCostUsd!: number;

  @Column({ type: 'double precision', name: 'stt_cost_usd', default: 0 })
  sttCostUsd!: number;

  @Column({ type: 'double precision', name: 'tts_cost_usd', default: 0 })
  ttsCostUsd!: number;

  @Column({ type: 'double precision', name: 'realtime_cost_usd', default: 0 })
  realtimeCostUsd!: number;

  @Column({ type: 'double precision', name: 'total_cost_usd', default: 0 })
  totalCostUsd!: number;

  /** Usage records whose price was unknown (cost null): totals are then lower bounds. */
  @Column({ type: 'integer', name: 'unpriced_usage_count', default: 0 })
  unpricedUsageCount!: number;

  @Column({ type: 'double precision', name: 'sla_threshold_ms', nullable: true })
  slaThresholdMs!: number | null;

  @Column({ type: 'integer', name: 'sla_violations', default: 0 })
  slaViolations!: number;

  @Column({ type: 'integer', name: 'error_count', default: 0 })
  errorCount!: number;

  @Column({ type: 'integer', name: 'interruptions', default: 0 })
  interruptions!: number;

  @Column({ type: 'integer', name: 'false_interruptions', default: 0 })
  falseInterruptions!: number;

  @Column({ type: 'integer', name: 'tool_calls', default: 0 })
  toolCalls!: number;

  @Column({ type: 'integer', name: 'tool_errors', default: 0 })
  toolErrors!: number;

  @Column({ type: 'integer', name: 'stt_confidence_count', default: 0 })
  sttConfidenceCount!: number;

  @Column({ type: 'double precision', name: 'stt_confidence_avg', nullable: true })
  sttConfidenceAvg!: number | null;

  @Column({ type: 'integer', name: 'relevance_count', default: 0 })
  relevanceCount!: number;

  @Column({ type: 'double precision', name: 'relevance_avg', nullable: true })
  relevanceAvg!: number | null;

  @Column({ type: 'integer', name: 'satisfaction_count', default: 0 })
  satisfactionCount!: number;

  @Column({ type: 'double precision', name: 'satisfaction_avg', nullable: true })
  satisfactionAvg!: number | null;

  @Column({ type: 'bigint', name: 'updated_at', transformer: bigintNumber })
  updatedAt!: number;
}
