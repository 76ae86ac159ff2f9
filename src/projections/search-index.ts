/**
 * The full-text index of `messages`, written by the messages projection in the append transaction
 * and emptied with it (rebuild, cleanup). SQLite: the FTS5 table `messages_fts` (external content
 * over the view `messages_fts_source`, rowid = the message's log position). PostgreSQL: the table
 * `messages_search`, one `tsvector` per message under a GIN index (with its role, time and log
 * position, so matches are filtered and ordered without reading `messages`), made with the text search
 * configuration in `search_settings`. Each message is indexed with its call's id and caller number.
 */
import type { ProjectionContext } from './projection.js';

/**
 * SQLite: one message into the index, from the values just inserted into `messages` (what the
 * view `messages_fts_source` reads for it) and its call's caller number: read back through the
 * view, each message cost several times as much.
 */
const SQLITE_INDEX = `INSERT INTO messages_fts (rowid, content, call_id, caller_number)
  VALUES (?, ?, ?, (SELECT caller_number FROM calls WHERE id = ?))`;

/** PostgreSQL indexes this many characters of a message at most: a `tsvector` holds at most 1 MB of lexemes. */
export const PG_INDEXED_CHARS = 100_000;

/**
 * PostgreSQL: the text of message `m` as words, its first {@link PG_INDEXED_CHARS} characters:
 * content stored JSON-escaped (it held NUL) has its escapes read as spaces (JSON escapes only
 * quotes, backslashes and control characters).
 */
export const PG_TEXT = `left(CASE WHEN m.content_encoding = 'json' THEN regexp_replace(m.content, '\\\\(u[0-9a-fA-F]{4}|.)', ' ', 'g')
  ELSE m.content END, ${PG_INDEXED_CHARS})`;

/**
 * PostgreSQL: the vector of each message, from the stored text, call id and caller number. `+`
 * and `-` are read as spaces (as FTS5 does), so `+15550100` and `call-1` index the digits and
 * words, not signed numbers; queries get the same treatment.
 */
export const pgVector = (cfg: string, caller: string) =>
  `to_tsvector(${cfg}, translate(${PG_TEXT}, '+-', '  ')) || to_tsvector(${cfg}, translate(m.call_id, '+-', '  '))
    || to_tsvector(${cfg}, translate(COALESCE(${caller}, ''), '+-', '  '))`;

/**
 * PostgreSQL: indexes the messages of the `messages` INSERT it is attached to (see
 * {@link ProjectionContext.insert}'s `then`): one statement per batch with the messages' own
 * INSERT, their rows read from its `RETURNING`, never looked up again; the caller number read
 * from the call's row by its key.
 */
export const PG_INDEX_INSERTED = `INSERT INTO messages_search (message_id, call_id, role, created_at, event_position, search_vector)
  SELECT m.id, m.call_id, m.role, m.created_at, m.event_position,
    ${pgVector('s.cfg', '(SELECT c.caller_number FROM calls c WHERE c.id = m.call_id)')}
  FROM inserted m, (SELECT text_search_config::regconfig AS cfg FROM search_settings WHERE id = 1) s`;

/**
 * SQLite: indexes messages just inserted, each `[log position, stored content, call id]`
 * (PostgreSQL indexes them with their INSERT: {@link PG_INDEX_INSERTED}).
 */
export async function indexMessages(ctx: ProjectionContext, messages: ReadonlyArray<readonly [number, string, string]>): Promise<void> {
  for (const [position, content, callId] of messages) await ctx.exec(SQLITE_INDEX, [position, content, callId, callId]);
}

/** Empties the index (before a rebuild replays the log into it). */
export async function clearSearchIndex(ctx: ProjectionContext): Promise<void> {
  if (ctx.dialect === 'postgres') await ctx.exec('DELETE FROM messages_search', []);
  else await ctx.exec(`INSERT INTO messages_fts (messages_fts) VALUES ('delete-all')`, []);
}

/** Takes the messages of these calls out of the index; runs before their rows are deleted. */
export async function unindexCalls(ctx: ProjectionContext, callIds: readonly string[]): Promise<void> {
  if (callIds.length === 0) return;
  const marks = callIds.map(() => '?').join(', ');
  if (ctx.dialect === 'postgres') await ctx.exec(`DELETE FROM messages_search WHERE call_id IN (${marks})`, callIds);
  else
    await ctx.exec(
      `INSERT INTO messages_fts (messages_fts, rowid, content, call_id, caller_number)
       SELECT 'delete', event_position, content, call_id, caller_number FROM messages_fts_source WHERE call_id IN (${marks})`,
      callIds,
    );
}

/**
 * PostgreSQL: makes `config` (a text search configuration, e.g. `english`) the one messages are
 * indexed and searched with. Only a rebuild calls it, before it re-indexes every message.
 *
 * @returns false when the server has no configuration of that name
 */
export async function setSearchConfig(ctx: ProjectionContext, config: string): Promise<boolean> {
  const [row] = await ctx.query<{ c: string }>('SELECT oid::regconfig::text AS c FROM pg_ts_config WHERE cfgname = ?', [config]);
  if (!row) return false;
  await ctx.exec('UPDATE search_settings SET text_search_config = ? WHERE id = 1', [row.c]);
  return true;
}
