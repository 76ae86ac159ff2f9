import type { MigrationInterface, QueryRunner } from 'typeorm';
import { dialectOf } from './1764028800000-initial-schema.js';

type Dialect = 'sqlite' | 'postgres';

/** The statements of this migration for one dialect (nullable VARCHAR columns: both dialects spell them alike). */
export function releaseStampStatements(_d: Dialect): string[] {
  const v = (n: number) => `VARCHAR(${n})`;
  return [
    `ALTER TABLE calls ADD COLUMN release ${v(255)}`,
    `CREATE INDEX ix_calls_release_started_at ON calls (release, started_at)`,
    `ALTER TABLE conversations ADD COLUMN instructions_hash ${v(64)}`,
    `ALTER TABLE turns ADD COLUMN llm_model ${v(255)}`,
    `ALTER TABLE turns ADD COLUMN stt_model ${v(255)}`,
    `ALTER TABLE turns ADD COLUMN tts_model ${v(255)}`,
  ];
}

/**
 * What changed between calls: the agent's release on `calls`, the hash of its instructions and
 * tools on `conversations`, the models that served each turn on `turns` (all nullable: rows
 * recorded before have none; a rebuild fills them from the events that carry them).
 */
export class ReleaseStamps1796256000100 implements MigrationInterface {
  name = 'ReleaseStamps1796256000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of releaseStampStatements(dialectOf(queryRunner))) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX ix_calls_release_started_at`);
    await queryRunner.query(`ALTER TABLE turns DROP COLUMN tts_model`);
    await queryRunner.query(`ALTER TABLE turns DROP COLUMN stt_model`);
    await queryRunner.query(`ALTER TABLE turns DROP COLUMN llm_model`);
    await queryRunner.query(`ALTER TABLE conversations DROP COLUMN instructions_hash`);
    await queryRunner.query(`ALTER TABLE calls DROP COLUMN release`);
  }
}
