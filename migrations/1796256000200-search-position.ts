import type { MigrationInterface, QueryRunner } from 'typeorm';
import { dialectOf } from './1764028800000-initial-schema.js';

type Dialect = 'sqlite' | 'postgres';

/**
 * The statements of this migration for one dialect. PostgreSQL: `messages_search` is keyed by
 * the message's log position instead of its id, so a search's newest matches are read along that
 * key (newest first, stopping at the page) when its words are common, and each insert maintains
 * a bigint key instead of a text one. SQLite's FTS5 table is already keyed by the log position.
 */
export function searchPositionStatements(d: Dialect): string[] {
  if (d === 'sqlite') return [];
  return [
    `ALTER TABLE messages_search DROP CONSTRAINT messages_search_pkey`,
    `ALTER TABLE messages_search ADD PRIMARY KEY (event_position)`,
  ];
}

/** Full-text search read newest first along the log position (issue 24). */
export class SearchPosition1796256000200 implements MigrationInterface {
  name = 'SearchPosition1796256000200';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of searchPositionStatements(dialectOf(queryRunner))) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (dialectOf(queryRunner) === 'sqlite') return;
    await queryRunner.query(`ALTER TABLE messages_search DROP CONSTRAINT messages_search_pkey`);
    await queryRunner.query(`ALTER TABLE messages_search ADD PRIMARY KEY (message_id)`);
  }
}
