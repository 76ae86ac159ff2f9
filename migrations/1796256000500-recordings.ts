import type { MigrationInterface, QueryRunner } from 'typeorm';
import { dialectOf } from './1764028800000-initial-schema.js';

type Dialect = 'sqlite' | 'postgres';

/** The statements of this migration for one dialect. */
export function recordingStatements(d: Dialect): string[] {
  const big = d === 'postgres' ? 'BIGINT' : 'INTEGER';
  const real = d === 'postgres' ? 'DOUBLE PRECISION' : 'REAL';
  return [
    `ALTER TABLE calls ADD COLUMN recording_path TEXT`,
    `ALTER TABLE calls ADD COLUMN recording_started_at ${big}`,
    `ALTER TABLE calls ADD COLUMN recording_duration_ms ${big}`,
    `ALTER TABLE calls ADD COLUMN recording_channels INTEGER`,
    `ALTER TABLE calls ADD COLUMN recording_format VARCHAR(32)`,
    `ALTER TABLE calls ADD COLUMN recording_size_bytes ${big}`,
    `ALTER TABLE calls ADD COLUMN recording_user_channel INTEGER`,
    `ALTER TABLE calls ADD COLUMN recording_agent_channel INTEGER`,
    `ALTER TABLE turns ADD COLUMN heard_latency_ms ${real}`,
    `ALTER TABLE turns ADD COLUMN heard_user_end_at ${big}`,
    `ALTER TABLE turns ADD COLUMN heard_agent_start_at ${big}`,
    `ALTER TABLE turns ADD COLUMN heard_mismatch BOOLEAN NOT NULL DEFAULT FALSE`,
  ];
}

/**
 * The call's audio recording on `calls` (where the file is, when it starts, how long, which
 * channel is whom), and on `turns` the latency heard in it (all nullable: calls without a
 * recording and turns not measured have none; a rebuild fills them from the events).
 */
export class Recordings1796256000500 implements MigrationInterface {
  name = 'Recordings1796256000500';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of recordingStatements(dialectOf(queryRunner))) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const column of ['heard_mismatch', 'heard_agent_start_at', 'heard_user_end_at', 'heard_latency_ms'])
      await queryRunner.query(`ALTER TABLE turns DROP COLUMN ${column}`);
    for (const column of [
      'recording_agent_channel',
      'recording_user_channel',
      'recording_size_bytes',
      'recording_format',
      'recording_channels',
      'recording_duration_ms',
      'recording_started_at',
      'recording_path',
    ])
      await queryRunner.query(`ALTER TABLE calls DROP COLUMN ${column}`);
  }
}
