import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { bigintNumber } from './transformers.js';
import { CallEntity } from './call.entity.js';

/** Projection: one row per conversation (one agent's part of a call; a handoff starts a new one). */
@Entity({ name: 'conversations' })
@Index('ix_conversations_call', ['callId'])
export class ConversationEntity {
  @PrimaryColumn({ type: 'varchar', length: 64, name: 'id' })
  id!: string;

  @Column({ type: 'varchar', length: 255, name: 'call_id' })
  callId!: string;

  /** The parent row (declared for its foreign key; never loaded). */
  @ManyToOne(() => CallEntity)
  @JoinColumn({ name: 'call_id' })
  call?: CallEntity;

  @Column({ type: 'varchar', length: 255, name: 'agent_name', nullable: true })
  agentName!: string | null;

  @Column({ type: 'varchar', length: 255, name: 'ai_model', nullable: true })
  aiModel!: string | null;

  @Column({ type: 'text', name: 'system_prompt', nullable: true })
  systemPrompt!: string | null;

  @Column({ type: 'bigint', name: 'started_at', transformer: bigintNumber })
  startedAt!: number;

  @Column({ type: 'bigint', name: 'ended_at', nullable: true, transformer: bigintNumber })
  endedAt!: number | null;

  @Column({ type: 'text', name: 'summary', nullable: true })
  summary!: string | null;

  @Column({ type: 'integer', name: 'message_count', default: 0 })
  messageCount!: number;

  @Column({ type: 'integer', name: 'user_message_count', default: 0 })
  userMessageCount!: number;

  @Column({ type: 'integer', name: 'assistant_message_count', default: 0 })
  assistantMessageCount!: number;

  @Column({ type: 'integer', name: 'tool_call_count', default: 0 })
  toolCallCount!: number;

  /** JSON text. */
  @Column({ type: 'text', name: 'metadata', nullable: true })
  metadata!: string | null;

  /** Short sha256 of the agent's instructions and tool names. */
  @Column({ type: 'varchar', length: 64, name: 'instructions_hash', nullable: true })
  instructionsHash!: string | null;
}
