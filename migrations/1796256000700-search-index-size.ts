import type { MigrationInterface, QueryRunner } from 'typeorm';
import { dialectOf } from './1764028800000-initial-schema.js';

type Dialect = 'sqlite' | 'postgres';

/** The FTS5 table of migration 1796256000000, its options followed by `extra`. */
const ftsTable = (extra: string) =>
  `CREATE VIRTUAL TABLE messages_fts USING fts5(content, call_id, caller_number,
    content='messages_fts_source', content_rowid='event_position', tokenize='unicode61 remove_diacritics 2'${extra})`;

/**
 * The statements of this migration for one dialect (exported for the schema test). SQLite only:
 *
 * - `messages_fts` keeps no per-message token counts (`columnsize=0`): nothing reads them (a
 *   search scores its matches from their text, see search-rank.ts), and each message written
 *   cost one more b-tree insert for them. The table is made again and filled from `messages`
 *   (external content: no message row is touched).
 * - FTS5 merges its segments once 16 of a level are written instead of 4 (`automerge`): each
 *   append transaction writes one small segment, and merging them four at a time cost each
 *   transaction more than indexing its messages; a search reads a few more segments.
 * - `messages_fts_vocab` lists the index's words (`fts5vocab`): a search reads the words a prefix
 *   stands for there, instead of merging every match of each of them (see search-prefix.ts).
 */
export function searchIndexSizeStatements(d: Dialect): string[] {
  if (d === 'postgres') return [];
  return [
    `DROP TABLE messages_fts`,
    ftsTable(', columnsize=0'),
    `INSERT INTO messages_fts (messages_fts, rank) VALUES ('automerge', 16)`,
    `INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')`,
    `CREATE VIRTUAL TABLE messages_fts_vocab USING fts5vocab(messages_fts, 'row')`,
  ];
}

/** A smaller, cheaper to write SQLite search index, and its list of words (issue 24). */
export class SearchIndexSize1796256000700 implements MigrationInterface {
  name = 'SearchIndexSize1796256000700';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of searchIndexSizeStatements(dialectOf(queryRunner))) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (dialectOf(queryRunner) === 'postgres') return;
    for (const sql of [
      'DROP TABLE messages_fts_vocab',
      'DROP TABLE messages_fts',
      ftsTable(''),
      `INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')`,
    ])
      await queryRunner.query(sql);
  }
}
