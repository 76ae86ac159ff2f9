import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintNumber } from './transformers.js';

/** Projection: the tags the agent put on its calls (`handle.tag()`, `logger.tagCall()`), one row per call and tag. */
@Entity({ name: 'call_tags' })
@Index('ix_call_tags_tag', ['tag'])
export class CallTagEntity {
  @PrimaryColumn({ type: 'varchar', length: 255, name: 'call_id' })
  callId!: string;

  @PrimaryColumn({ type: 'varchar', length: 64, name: 'tag' })
  tag!: string;

  /** Log position of the first event that put the tag on. */
  @Column({ type: 'bigint', name: 'event_position', transformer: bigintNumber })
  eventPosition!: number;

  @Column({ type: 'bigint', name: 'tagged_at', transformer: bigintNumber })
  taggedAt!: number;
}
