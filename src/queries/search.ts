import type { DataSource } from 'typeorm';
import { invalidArgument } from '../errors.js';
import { PG_TEXT } from '../projections/search-index.js';
import { expandPrefixes } from './search-prefix.js';
import { parseSearchQuery, toFts5Match, toPgTsquery } from './search-query.js';
import { pageMatch, rankScores, SCORED_CHARS } from './search-rank.js';
import { dialectOf, select, timeMs, wholeNumber } from './sql.js';

/** Roles a search can be limited to. */
export const SEARCH_ROLES = ['user', 'assistant', 'system', 'tool'] as const;
export type SearchRole = (typeof SEARCH_ROLES)[number];

/** What {@link searchMessages} looks for, and in which messages. Filters combine with AND. */
export interface SearchOptions {
  /** The query: words, `"exact phrases"`, `prefix*`, `-exclude`, `a OR b` (see search-query.ts). */
  query: string;
  role?: SearchRole;
  /** Messages created at or after this time (ms UTC). */
  since?: number;
  /** Messages created before this time (ms UTC). */
  until?: number;
  /** Calls of this agent: its name or id, exactly. */
  agent?: string;
  /** Calls whose LiveKit room name contains this text (case-insensitive). */
  room?: string;
  /** Calls of this release exactly (as the plugin or `startCall({ release })` stamped it). */
  release?: string;
  /**
   * `newest` (default): newest message first; `rank`: best match first. Either orders the
   * {@link SEARCH_WINDOW} matches most recently recorded (all of them when fewer match).
   */
  sort?: 'newest' | 'rank';
  /** Matches returned at most, 1–500 (default 20). */
  limit?: number;
}

/** A piece of a snippet: `match` when it is text the query matched (to highlight). */
export interface SnippetPart {
  text: string;
  match: boolean;
}

/** One matching message. Times are ms UTC. */
export interface SearchMatch {
  messageId: string;
  callId: string;
  conversationId: string;
  role: string;
  createdAt: number;
  /** The stored text around the match (the start of the text when only the call id or caller number matched). */
  snippet: SnippetPart[];
  /** How well it matches: higher is better; comparable within one search only. */
  score: number;
  callerNumber: string | null;
  livekitRoom: string | null;
  agentName: string | null;
}

export interface SearchResult {
  matches: SearchMatch[];
  /** True when more messages match than `limit`. */
  more: boolean;
}

/**
 * A search orders the most recently recorded this many matches (all of them when fewer match):
 * newest first by time, or best first by score.
 */
export const SEARCH_WINDOW = 1_000;

/** PostgreSQL: the newest this many messages are read for the window first (see searchMessages). */
const PROBE_ROWS = SEARCH_WINDOW;
/** PostgreSQL: then, when the probe's share of matches says they hold the window, the newest this many. */
const RECENT_ROWS = 20 * SEARCH_WINDOW;

const START = '\uE000';
const STOP = '\uE001';
const HEADLINE = `StartSel=${START}, StopSel=${STOP}, MaxWords=24, MinWords=12, ShortWord=0`;

/**
 * Full-text search over every stored message, its call's id and its caller number: the matching
 * messages with a snippet, newest first or best match first.
 *
 * @remarks
 * Only what is stored is searched: with redaction on, the redacted text. SQLite matches words with
 * FTS5's `unicode61` tokenizer, case and diacritics ignored (`cafe` finds `café`); PostgreSQL with
 * the text search configuration of the store (`simple`: case ignored, diacritics kept; see
 * `rebuildProjections`' `searchConfig`). Text in scripts written without spaces (Chinese,
 * Japanese) is indexed as whole runs: search for the run, or its beginning with `*`.
 *
 * @throws ConversationLogError `INVALID_SEARCH_QUERY` for a query that cannot be parsed (what to change is in the message)
 * @throws ConversationLogError `INVALID_ARGUMENT` for a bad option
 */
export async function searchMessages(dataSource: DataSource, options: SearchOptions): Promise<SearchResult> {
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'must be an object with a query.');
  const query = parseSearchQuery(options.query);
  const limit = options.limit === undefined ? 20 : wholeNumber('limit', options.limit, 1, 500);
  const sort = options.sort ?? 'newest';
  if (sort !== 'newest' && sort !== 'rank') throw invalidArgument('sort', `must be newest or rank, got ${String(sort)}.`);
  const where: string[] = [];
  const params: unknown[] = [];
  if (options.role !== undefined) {
    if (!SEARCH_ROLES.includes(options.role))
      throw invalidArgument('role', `must be one of ${SEARCH_ROLES.join(', ')}, got ${String(options.role)}.`);
    where.push('m.role = ?');
    params.push(options.role);
  }
  if (options.since !== undefined) {
    where.push('m.created_at >= ?');
    params.push(timeMs('since', options.since));
  }
  if (options.until !== undefined) {
    where.push('m.created_at < ?');
    params.push(timeMs('until', options.until));
  }
  if (options.agent !== undefined) {
    if (typeof options.agent !== 'string') throw invalidArgument('agent', 'must be an agent name or id.');
    where.push('(c.agent_name = ? OR c.agent_id = ?)');
    params.push(options.agent, options.agent);
  }
  if (options.room !== undefined && options.room !== '') {
    if (typeof options.room !== 'string') throw invalidArgument('room', 'must be text.');
    where.push(`LOWER(c.livekit_room) LIKE ? ESCAPE '\\'`);
    params.push(`%${options.room.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  }
  if (options.release !== undefined) {
    if (typeof options.release !== 'string' || options.release === '' || options.release.length > 255)
      throw invalidArgument('release', 'must be a release name of 1–255 characters.');
    where.push('c.release = ?');
    params.push(options.release);
  }
  const filters = where.map((w) => ` AND ${w}`).join('');
  const byCall = options.agent !== undefined || (options.room !== undefined && options.room !== '') || options.release !== undefined;
  const callJoin = byCall ? ' JOIN calls c ON c.id = m.call_id' : '';
  let rows: Array<Record<string, unknown>>;
  let more: boolean;
  // Two steps on both engines: the matches are filtered, ordered and cut to the page first, then
  // only the page's rows get their snippet (and, newest first, their score): a common word
  // matching 100,000 messages costs 21 snippets, not 100,000. Both indexes hand matches over in
  // log position order (the order messages were recorded) and stop after SEARCH_WINDOW of them:
  // those are ordered by time or by score, so neither order reads every match of a common word.
  if (dialectOf(dataSource) === 'sqlite') {
    // Prefixes are read as the words they stand for where the index lists them (search-prefix.ts).
    const matched = await expandPrefixes(dataSource, query);
    const match = toFts5Match(matched);
    // CROSS JOIN keeps messages_fts the outer loop: FTS5 hands its matches over newest first.
    // Ranked, each match's text comes along for its score (see search-rank.ts: FTS5's bm25()
    // would first count every match of each term in the whole index).
    const window = await select<{ pos: number; t: number; text?: string }>(
      dataSource,
      `SELECT messages_fts.rowid AS pos, m.created_at AS t${sort === 'rank' ? `, substr(m.content, 1, ${SCORED_CHARS}) AS text` : ''}
       FROM messages_fts CROSS JOIN messages m ON m.event_position = messages_fts.rowid${callJoin}
       WHERE messages_fts MATCH ?${filters}
       ORDER BY messages_fts.rowid DESC LIMIT ${SEARCH_WINDOW}`,
      [match, ...params],
    );
    const scores = new Map<number, number>();
    if (sort === 'rank') {
      const ranked = rankScores(
        query,
        window.map((w) => w.text ?? ''),
      );
      window.forEach((w, i) => scores.set(Number(w.pos), ranked[i]!));
    }
    const page = window
      .map((w) => ({ pos: Number(w.pos), t: Number(w.t), score: scores.get(Number(w.pos)) ?? 0 }))
      .sort((a, b) => b.score - a.score || b.t - a.t || b.pos - a.pos)
      .slice(0, limit + 1);
    more = page.length > limit;
    const positions = page.slice(0, limit).map((r) => r.pos);
    // The page's snippets in one more pass over the matches, between the page's lowest and
    // highest positions (bound as INTEGERs: FTS5 leaves out a rowid constraint whose value is a
    // REAL, how a JavaScript number is bound): snippet() runs for the page's rows only, the `+`
    // keeping the page's set a filter, not an FTS5 constraint. FTS5 reads a prefix by merging
    // the matches of every word it begins, in the whole index; for a prefix left so (see
    // search-prefix.ts), this pass looks for the words of the page that begin with it instead
    // (see pageMatch), and for a row it then misses, the prefix.
    const snippets = async (expression: string, wanted: readonly number[]) => {
      if (wanted.length === 0) return;
      for (const row of await select<Record<string, unknown>>(
        dataSource,
        `SELECT messages_fts.rowid AS pos, m.id, m.call_id, m.conversation_id, m.role, m.created_at, substr(m.content, 1, ${SCORED_CHARS}) AS text,
           snippet(messages_fts, 0, ?, ?, '…', 16) AS snippet, c.caller_number, c.livekit_room, c.agent_name
         FROM messages_fts CROSS JOIN messages m ON m.event_position = messages_fts.rowid LEFT JOIN calls c ON c.id = m.call_id
         WHERE messages_fts MATCH ? AND messages_fts.rowid BETWEEN CAST(? AS INTEGER) AND CAST(? AS INTEGER)
           AND +messages_fts.rowid IN (SELECT value FROM json_each(?))`,
        [START, STOP, expression, Math.min(...wanted), Math.max(...wanted), JSON.stringify(wanted)],
      ))
        byPosition.set(Number(row['pos']), row);
    };
    const byPosition = new Map<number, Record<string, unknown>>();
    const hasPrefix = matched.all.some((g) => g.some((t) => t.kind === 'prefix'));
    if (hasPrefix && positions.length > 0) {
      const texts =
        sort === 'rank'
          ? window.filter((w) => positions.includes(Number(w.pos))).map((w) => w.text ?? '')
          : (
              await select<{ text: string }>(
                dataSource,
                `SELECT substr(content, 1, ${SCORED_CHARS}) AS text FROM messages WHERE event_position IN (SELECT value FROM json_each(?))`,
                [JSON.stringify(positions)],
              )
            ).map((r) => r.text);
      await snippets(toFts5Match(pageMatch(matched, texts)), positions);
    }
    await snippets(
      match,
      positions.filter((p) => !byPosition.has(p)),
    );
    rows = positions.map((p) => byPosition.get(p)).filter((r): r is Record<string, unknown> => r !== undefined);
    // Newest first, the page's scores are BM25 over the page.
    const pageScores =
      sort === 'rank'
        ? rows.map((r) => scores.get(Number(r['pos'])) ?? 0)
        : rankScores(
            query,
            rows.map((r) => String(r['text'] ?? '')),
          );
    rows.forEach((r, i) => (r['score'] = pageScores[i]));
  } else {
    // The window is chosen from messages_search alone: it holds each message's role, time and
    // log position, named as in messages, so the filters read the same. The tsquery's SQL
    // follows the query's shape, so its placeholders are numbered here (not through the
    // statement-text cache); every value is still bound, the configuration too (not read in the
    // same statement), so the planner sees the tsquery. The window is read newest first along
    // the primary key from the newest PROBE_ROWS messages (a very common word fills it at once),
    // then from the newest RECENT_ROWS when the probe's share of matches says they hold it (a
    // common word); else from the GIN index (a rare word: few rows to sort, and no RECENT_ROWS
    // read for nothing). Ranked, only the window's rows are scored, after it is cut.
    const [settings] = await dataSource.query<Array<{ cfg: string }>>('SELECT text_search_config AS cfg FROM search_settings WHERE id = 1');
    let n = 0;
    const filterSql = filters.replace(/\?/g, () => `$${++n}`);
    const cfg = `$${++n}::regconfig`;
    const ts = toPgTsquery(query, cfg, n + 1);
    const values = [...params, settings?.cfg ?? 'simple', ...ts.params];
    const windowSql = (from: string, order: string) =>
      `SELECT w.pos, w.t${sort === 'rank' ? `, ts_rank(w.v, ${ts.sql}, 1) AS score` : ''}
       FROM (SELECT m.event_position AS pos, m.created_at AS t${sort === 'rank' ? ', m.search_vector AS v' : ''}
         FROM ${from} m${callJoin}
         WHERE m.search_vector @@ (${ts.sql})${filterSql}
         ORDER BY ${order} DESC LIMIT ${SEARCH_WINDOW}) w`;
    const newest = (rows: number) =>
      windowSql(`(SELECT * FROM messages_search ORDER BY event_position DESC LIMIT ${rows})`, 'm.event_position');
    type WindowRow = { pos: string; t: string; score?: number };
    let window = await dataSource.query<WindowRow[]>(newest(PROBE_ROWS), values);
    if (window.length < SEARCH_WINDOW && window.length * RECENT_ROWS >= SEARCH_WINDOW * PROBE_ROWS)
      window = await dataSource.query<WindowRow[]>(newest(RECENT_ROWS), values);
    // `+ 0`: not along the primary key (the planner would, expecting more matches than a rare word has).
    if (window.length < SEARCH_WINDOW)
      window = await dataSource.query<WindowRow[]>(windowSql('messages_search', 'm.event_position + 0'), values);
    const page = window
      .map((w) => ({ pos: Number(w.pos), t: Number(w.t), score: Number(w.score ?? 0) }))
      .sort((a, b) => b.score - a.score || b.t - a.t || b.pos - a.pos)
      .slice(0, limit + 1);
    more = page.length > limit;
    const positions = page.slice(0, limit).map((r) => r.pos);
    // ts_headline leaves out what its parser reads as HTML tags; a private-use character after
    // each < (taken out by snippetParts) keeps the text whole.
    const dcfg = '$1::regconfig';
    const dts = toPgTsquery(query, dcfg, 2);
    const found =
      positions.length === 0
        ? []
        : await dataSource.query<Array<Record<string, unknown>>>(
            `SELECT x.event_position AS pos, m.id, m.call_id, m.conversation_id, m.role, m.created_at, ts_rank(x.search_vector, ${dts.sql}, 1) AS score,
               ts_headline(${dcfg}, replace(${PG_TEXT}, '<', '<' || chr(57346)), ${dts.sql}, $${dts.params.length + 2}::text) AS snippet,
               c.caller_number, c.livekit_room, c.agent_name
             FROM messages_search x JOIN messages m ON m.id = x.message_id LEFT JOIN calls c ON c.id = m.call_id
             WHERE x.event_position = ANY($${dts.params.length + 3}::bigint[])`,
            [settings?.cfg ?? 'simple', ...dts.params, HEADLINE, positions],
          );
    const byPosition = new Map(found.map((r) => [Number(r['pos']), r]));
    rows = positions.map((p) => byPosition.get(p)).filter((r): r is Record<string, unknown> => r !== undefined);
  }
  return { matches: rows.slice(0, limit).map(toMatch), more };
}

function toMatch(r: Record<string, unknown>): SearchMatch {
  return {
    messageId: String(r['id']),
    callId: String(r['call_id']),
    conversationId: String(r['conversation_id']),
    role: String(r['role']),
    createdAt: Number(r['created_at']),
    snippet: snippetParts(String(r['snippet'] ?? '')),
    score: Number(r['score'] ?? 0),
    callerNumber: (r['caller_number'] as string | null) ?? null,
    livekitRoom: (r['livekit_room'] as string | null) ?? null,
    agentName: (r['agent_name'] as string | null) ?? null,
  };
}

/** Splits an engine's marked-up snippet into plain and matched pieces. */
export function snippetParts(marked: string): SnippetPart[] {
  const parts: SnippetPart[] = [];
  let match = false;
  for (const piece of marked.replaceAll('\uE002', '').split(/([\uE000\uE001])/u)) {
    if (piece === START) match = true;
    else if (piece === STOP) match = false;
    else if (piece !== '') parts.push({ text: piece, match });
  }
  return parts;
}
