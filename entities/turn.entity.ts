import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { bigintNumber, booleanValue } from './transformers.js';
import { ConversationEntity } from './conversation.entity.js';

/** Projection: one row per user→agent turn, with its additive latency waterfall (ms). */
@Entity({ name: 'turns' })
@Index('ix_turns_conversation', ['conversationId'])
@Index('ix_turns_call', ['callId'])
@Index('ix_turns_started_at', ['startedAt'])
export class TurnEntity {
  @PrimaryColumn({ type: 'varchar', length: 255, name: 'id' })
  id!: string;

  @Column({ type: 'varchar', length: 64, name: 'conversation_id' })
  conversationId!: string;

  /** The parent row (declared for its foreign key; never loaded). */
  @ManyToOne(() => ConversationEntity)
  @JoinColumn({ name: 'conversation_id' })
  conversation?: ConversationEntity;

  @Column({ type: 'varchar', length: 255, name: 'call_id' })
  callId!: string;

  @Column({ type: 'varchar', length: 64, name: 'user_message_id', nullable: true })
  userMessageId!: string | null;

  @Column({ type: 'varchar', length: 64, name: 'assistant_message_id', nullable: true })
  assistantMessageId!: string | null;

  @Column({ type: 'bigint', name: 'started_at', transformer: bigintNumber })
  startedAt!: number;

  @Column({ type: 'double precision', name: 'end_of_turn_delay_ms', nullable: true })
  endOfTurnDelayMs!: number | null;

  @Column({ type: 'double precision', name: 'transcription_delay_ms', nullable: true })
  transcriptionDelayMs!: number | null;

  @Column({ type: 'double precision', name: 'on_user_turn_completed_delay_ms', nullable: true })
  onUserTurnCompletedDelayMs!: number | null;

  @Column({ type: 'double precision', name: 'llm_ttft_ms', nullable: true })
  llmTtftMs!: number | null;

  @Column({ type: 'double precision', name: 'tts_ttfb_ms', nullable: true })
  ttsTtfbMs!: number | null;

  @Column({ type: 'double precision', name: 'playback_latency_ms', nullable: true })
  playbackLatencyMs!: number | null;

  @Column({ type: 'double precision', name: 'e2e_latency_ms', nullable: true })
  e2eLatencyMs!: number | null;

  @Column({ type: 'boolean', name: 'e2e_derived', transformer: booleanValue, default: false })
  e2eDerived!: boolean;

  @Column({ type: 'double precision', name: 'unattributed_ms', nullable: true })
  unattributedMs!: number | null;

  /** completed / interrupted / session_closed / failed */
  @Column({ type: 'varchar', length: 16, name: 'outcome' })
  outcome!: string;

  @Column({ type: 'boolean', name: 'implausible', transformer: booleanValue, default: false })
  implausible!: boolean;

  @Column({ type: 'boolean', name: 'sla_violation', transformer: booleanValue, default: false })
  slaViolation!: boolean;

  @Column({ type: 'double precision', name: 'cost_usd', nullable: true })
  costUsd!: number | null;

  /** The models that served the turn, as its metrics report them. */
  @Column({ type: 'varchar', length: 255, name: 'llm_model', nullable: true })
  llmModel!: string | null;

  @Column({ type: 'varchar', length: 255, name: 'stt_model', nullable: true })
  sttModel!: string | null;

  @Column({ type: 'varchar', length: 255, name: 'tts_model', nullable: true })
  ttsModel!: string | null;

  /** The latency heard in the recording: user speech end → agent speech start (ms). */
  @Column({ type: 'double precision', name: 'heard_latency_ms', nullable: true })
  heardLatencyMs!: number | null;

  @Column({ type: 'bigint', name: 'heard_user_end_at', nullable: true, transformer: bigintNumber })
  heardUserEndAt!: number | null;

  @Column({ type: 'bigint', name: 'heard_agent_start_at', nullable: true, transformer: bigintNumber })
  heardAgentStartAt!: number | null;

  /** The heard latency differs from the reported end-to-end one by more than the threshold. */
  @Column({ type: 'boolean', name: 'heard_mismatch', transformer: booleanValue, default: false })
  heardMismatch!: boolean;
}
