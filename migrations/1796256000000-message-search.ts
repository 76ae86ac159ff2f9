import type { MigrationInterface, QueryRunner } from 'typeorm';
import { dialectOf } from './1764028800000-initial-schema.js';

type Dialect = 'sqlite' | 'postgres';

/**
 * The statements of this migration for one dialect (exported for the schema test). Each message
 * is indexed with its call's id and caller number, so either finds the call's messages too.
 *
 * SQLite: an FTS5 table over the view `messages_fts_source` (external content: the text is kept
 * once, in `messages`), its rowid the message's log position, tokenised by `unicode61` with
 * diacritics removed.
 * PostgreSQL: `messages_search`, one `tsvector` per message under a GIN index (with the message's
 * role, time and log position, so matches are filtered and ordered without reading `messages`), made with the text
 * search configuration named in `search_settings` (`simple` until `rebuild` is given another).
 * PostgreSQL indexes the first 100,000 characters of a message (a `tsvector` holds at most 1 MB).
 * Both are written by the messages projection and filled here from the rows already stored.
 */
export function messageSearchStatements(d: Dialect): string[] {
  if (d === 'sqlite')
    return [
      `CREATE UNIQUE INDEX ux_messages_event_position ON messages (event_position)`,
      `CREATE VIEW messages_fts_source AS
        SELECT m.event_position AS event_position, m.content AS content, m.call_id AS call_id, c.caller_number AS caller_number
        FROM messages m LEFT JOIN calls c ON c.id = m.call_id`,
      `CREATE VIRTUAL TABLE messages_fts USING fts5(content, call_id, caller_number,
        content='messages_fts_source', content_rowid='event_position', tokenize='unicode61 remove_diacritics 2')`,
      `INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')`,
    ];
  return [
    `CREATE TABLE search_settings (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      text_search_config VARCHAR(255) NOT NULL
    )`,
    `INSERT INTO search_settings (id, text_search_config) VALUES (1, 'simple')`,
    `CREATE TABLE messages_search (
      message_id VARCHAR(64) PRIMARY KEY,
      call_id VARCHAR(255) NOT NULL,
      role VARCHAR(16) NOT NULL,
      created_at BIGINT NOT NULL,
      event_position BIGINT NOT NULL,
      search_vector TSVECTOR NOT NULL
    )`,
    `INSERT INTO messages_search (message_id, call_id, role, created_at, event_position, search_vector)
      SELECT m.id, m.call_id, m.role, m.created_at, m.event_position,
        to_tsvector(s.cfg, translate(left(CASE WHEN m.content_encoding = 'json'
          THEN regexp_replace(m.content, '\\\\(u[0-9a-fA-F]{4}|.)', ' ', 'g') ELSE m.content END, 100000), '+-', '  '))
        || to_tsvector(s.cfg, translate(m.call_id, '+-', '  '))
        || to_tsvector(s.cfg, translate(COALESCE(c.caller_number, ''), '+-', '  '))
      FROM messages m LEFT JOIN calls c ON c.id = m.call_id,
        (SELECT text_search_config::regconfig AS cfg FROM search_settings WHERE id = 1) s`,
    `CREATE INDEX ix_messages_search_vector ON messages_search USING GIN (search_vector)`,
    `CREATE INDEX ix_messages_search_call ON messages_search (call_id)`,
  ];
}

/** Full-text search over every stored message (issue 24). */
export class MessageSearch1796256000000 implements MigrationInterface {
  name = 'MessageSearch1796256000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of messageSearchStatements(dialectOf(queryRunner))) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const statements =
      dialectOf(queryRunner) === 'sqlite'
        ? ['DROP TABLE messages_fts', 'DROP VIEW messages_fts_source', 'DROP INDEX ux_messages_event_position']
        : ['DROP TABLE messages_search', 'DROP TABLE search_settings'];
    for (const sql of statements) await queryRunner.query(sql);
  }
}
