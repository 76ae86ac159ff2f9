import type { MigrationInterface, QueryRunner } from 'typeorm';
import { dialectOf } from './1764028800000-initial-schema.js';

type Dialect = 'sqlite' | 'postgres';

/** The statements of this migration for one dialect. */
export function callAnalysisStatements(d: Dialect): string[] {
  const big = d === 'postgres' ? 'BIGINT' : 'INTEGER';
  const real = d === 'postgres' ? 'DOUBLE PRECISION' : 'REAL';
  const v = (n: number) => `VARCHAR(${n})`;
  return [
    `CREATE TABLE call_analyses (
      call_id ${v(255)} PRIMARY KEY,
      event_position ${big} NOT NULL,
      status ${v(16)} NOT NULL,
      summary TEXT,
      verdict ${v(16)},
      verdict_reason TEXT,
      fields TEXT,
      fields_valid BOOLEAN,
      fields_errors TEXT,
      raw_output TEXT,
      error TEXT,
      error_type ${v(64)},
      provider ${v(255)},
      model ${v(255)},
      tokens_input ${big},
      tokens_output ${big},
      cost_usd ${real},
      price_version ${v(64)},
      attempts INTEGER NOT NULL DEFAULT 1,
      duration_ms ${real},
      analyzed_at ${big} NOT NULL
    )`,
    `CREATE INDEX ix_call_analyses_verdict ON call_analyses (verdict)`,
    `CREATE TABLE call_tags (
      call_id ${v(255)} NOT NULL,
      tag ${v(64)} NOT NULL,
      event_position ${big} NOT NULL,
      tagged_at ${big} NOT NULL,
      PRIMARY KEY (call_id, tag)
    )`,
    `CREATE INDEX ix_call_tags_tag ON call_tags (tag)`,
    `ALTER TABLE calls ADD COLUMN outcome ${v(16)}`,
    `ALTER TABLE calls ADD COLUMN outcome_reason TEXT`,
  ];
}

/**
 * Post-call analysis and the agent's own labels: `call_analyses` (one row per call: the analysis
 * LLM's summary, verdict and extracted fields, or why it failed, with its model, tokens and cost),
 * `call_tags` (the tags the agent put on its call), and the agent's outcome on `calls`. Tables of
 * projections: a rebuild fills them from the events that carry them.
 */
export class CallAnalysis1796256000400 implements MigrationInterface {
  name = 'CallAnalysis1796256000400';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of callAnalysisStatements(dialectOf(queryRunner))) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE calls DROP COLUMN outcome_reason`);
    await queryRunner.query(`ALTER TABLE calls DROP COLUMN outcome`);
    await queryRunner.query(`DROP TABLE call_tags`);
    await queryRunner.query(`DROP TABLE call_analyses`);
  }
}
