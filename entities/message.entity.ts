import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { bigintNumber, booleanValue } from './transformers.js';
import { ConversationEntity } from './conversation.entity.js';

/** Projection: every user, assistant, system and tool message. */
@Entity({ name: 'messages' })
@Index('ix_messages_conversation_created', ['conversationId', 'createdAt', 'eventPosition'])
@Index('ix_messages_call', ['callId'])
@Index('ix_messages_role_created', ['role', 'createdAt'])
// SQLite only: the unique index on `event_position` the message-search migration makes (the FTS5
// index's rowid is the message's log position, and finds its row by it). TypeORM neither creates
// nor drops it; PostgreSQL's search table is keyed by the position instead.
@Index('ux_messages_event_position', { synchronize: false })
export class MessageEntity {
  @PrimaryColumn({ type: 'varchar', length: 64, name: 'id' })
  id!: string;

  @Column({ type: 'varchar', length: 64, name: 'conversation_id' })
  conversationId!: string;

  /** The parent row (declared for its foreign key; never loaded). */
  @ManyToOne(() => ConversationEntity)
  @JoinColumn({ name: 'conversation_id' })
  conversation?: ConversationEntity;

  @Column({ type: 'varchar', length: 255, name: 'call_id' })
  callId!: string;

  /** Log position of the event that added this message: a stable tie-breaker for ordering. */
  @Column({ type: 'bigint', name: 'event_position', transformer: bigintNumber })
  eventPosition!: number;

  /** user / assistant / system / tool */
  @Column({ type: 'varchar', length: 16, name: 'role' })
  role!: string;

  /** The text. On PostgreSQL, text holding NUL is stored JSON-escaped with `content_encoding = 'json'`. */
  @Column({ type: 'text', name: 'content' })
  content!: string;

  @Column({ type: 'varchar', length: 8, name: 'content_encoding', nullable: true })
  contentEncoding!: string | null;

  @Column({ type: 'bigint', name: 'created_at', transformer: bigintNumber })
  createdAt!: number;

  @Column({ type: 'double precision', name: 'stt_confidence', nullable: true })
  sttConfidence!: number | null;

  @Column({ type: 'double precision', name: 'processing_time_ms', nullable: true })
  processingTimeMs!: number | null;

  @Column({ type: 'varchar', length: 255, name: 'llm_model', nullable: true })
  llmModel!: string | null;

  @Column({ type: 'bigint', name: 'llm_tokens_input', nullable: true, transformer: bigintNumber })
  llmTokensInput!: number | null;

  @Column({ type: 'bigint', name: 'llm_tokens_output', nullable: true, transformer: bigintNumber })
  llmTokensOutput!: number | null;

  @Column({ type: 'double precision', name: 'llm_cost_usd', nullable: true })
  llmCostUsd!: number | null;

  @Column({ type: 'boolean', name: 'interrupted', transformer: booleanValue, default: false })
  interrupted!: boolean;

  @Column({ type: 'boolean', name: 'sla_violation', transformer: booleanValue, default: false })
  slaViolation!: boolean;

  @Column({ type: 'boolean', name: 'implausible', transformer: booleanValue, default: false })
  implausible!: boolean;

  @Column({ type: 'varchar', length: 32, name: 'language', nullable: true })
  language!: string | null;

  @Column({ type: 'varchar', length: 255, name: 'item_id', nullable: true })
  itemId!: string | null;

  @Column({ type: 'varchar', length: 255, name: 'tool_name', nullable: true })
  toolName!: string | null;

  @Column({ type: 'varchar', length: 255, name: 'tool_call_id', nullable: true })
  toolCallId!: string | null;

  @Column({ type: 'text', name: 'tool_arguments', nullable: true })
  toolArguments!: string | null;

  @Column({ type: 'boolean', name: 'tool_is_error', nullable: true, transformer: booleanValue })
  toolIsError!: boolean | null;

  /** JSON text. */
  @Column({ type: 'text', name: 'metadata', nullable: true })
  metadata!: string | null;
}
