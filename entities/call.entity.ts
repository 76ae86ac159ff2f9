import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintNumber } from './transformers.js';

/** Projection: one row per call (a LiveKit room session). */
@Entity({ name: 'calls' })
@Index('ix_calls_started_at', ['startedAt'])
@Index('ix_calls_status_started_at', ['status', 'startedAt'])
@Index('ix_calls_room', ['livekitRoom'])
@Index('ix_calls_release_started_at', ['release', 'startedAt'])
export class CallEntity {
  @PrimaryColumn({ type: 'varchar', length: 255, name: 'id' })
  id!: string;

  @Column({ type: 'varchar', length: 255, name: 'caller_number', nullable: true })
  callerNumber!: string | null;

  @Column({ type: 'varchar', length: 255, name: 'livekit_room', nullable: true })
  livekitRoom!: string | null;

  @Column({ type: 'varchar', length: 255, name: 'job_id', nullable: true })
  jobId!: string | null;

  @Column({ type: 'varchar', length: 255, name: 'agent_id', nullable: true })
  agentId!: string | null;

  @Column({ type: 'varchar', length: 255, name: 'agent_name', nullable: true })
  agentName!: string | null;

  @Column({ type: 'varchar', length: 64, name: 'agents_version', nullable: true })
  agentsVersion!: string | null;

  @Column({ type: 'bigint', name: 'started_at', transformer: bigintNumber })
  startedAt!: number;

  @Column({ type: 'bigint', name: 'ended_at', nullable: true, transformer: bigintNumber })
  endedAt!: number | null;

  @Column({ type: 'bigint', name: 'duration_ms', nullable: true, transformer: bigintNumber })
  durationMs!: number | null;

  /** active / completed / failed / abandoned */
  @Column({ type: 'varchar', length: 16, name: 'status' })
  status!: string;

  @Column({ type: 'text', name: 'end_reason', nullable: true })
  endReason!: string | null;

  @Column({ type: 'text', name: 'error', nullable: true })
  error!: string | null;

  /** JSON text. */
  @Column({ type: 'text', name: 'metadata', nullable: true })
  metadata!: string | null;

  /** The agent's release the call ran (a version, deploy id or git commit). */
  @Column({ type: 'varchar', length: 255, name: 'release', nullable: true })
  release!: string | null;

  /** The agent's own verdict on the call (`success` / `fail`), when it gave one. */
  @Column({ type: 'varchar', length: 16, name: 'outcome', nullable: true })
  outcome!: string | null;

  @Column({ type: 'text', name: 'outcome_reason', nullable: true })
  outcomeReason!: string | null;

  /** The call's stereo audio recording (see the `recording_available` event), when there is one. */
  @Column({ type: 'text', name: 'recording_path', nullable: true })
  recordingPath!: string | null;

  @Column({ type: 'bigint', name: 'recording_started_at', nullable: true, transformer: bigintNumber })
  recordingStartedAt!: number | null;

  @Column({ type: 'bigint', name: 'recording_duration_ms', nullable: true, transformer: bigintNumber })
  recordingDurationMs!: number | null;

  @Column({ type: 'integer', name: 'recording_channels', nullable: true })
  recordingChannels!: number | null;

  /** e.g. `ogg/opus` */
  @Column({ type: 'varchar', length: 32, name: 'recording_format', nullable: true })
  recordingFormat!: string | null;

  @Column({ type: 'bigint', name: 'recording_size_bytes', nullable: true, transformer: bigintNumber })
  recordingSizeBytes!: number | null;

  @Column({ type: 'integer', name: 'recording_user_channel', nullable: true })
  recordingUserChannel!: number | null;

  @Column({ type: 'integer', name: 'recording_agent_channel', nullable: true })
  recordingAgentChannel!: number | null;
}
