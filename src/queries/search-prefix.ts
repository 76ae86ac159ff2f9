/**
 * SQLite: prefixes read as the words they stand for. FTS5 reads `refund*` by merging the matches
 * of every word of the index that begins with `refund` into one list, all of them, before the
 * first is handed over: for a word in every fifth message of a million, most of a search's time.
 * The same words joined by OR are read newest first and stop at the window, as a word is. The
 * words are listed by the index itself (`messages_fts_vocab`, an `fts5vocab` table over it), so
 * the expanded query matches exactly what the prefix does.
 */
import type { DataSource } from 'typeorm';
import type { SearchQuery, SearchTerm } from './search-query.js';
import { select } from './sql.js';

/** A prefix standing for more words of the index than this is left to FTS5. */
export const MAX_PREFIX_WORDS = 64;

// FTS5's unicode61 tokenizer folds ASCII letters to lower case and leaves digits as they are: a
// stem of these is the very text of the index's words it begins. Others (diacritics, other
// scripts) are left to FTS5, which folds them its own way.
const asciiStem = /^[A-Za-z0-9]+$/;

/** The index's words beginning with `stem` (folded), or null when FTS5 should read the prefix itself. */
async function wordsOf(dataSource: DataSource, stem: string): Promise<string[] | null> {
  if (!asciiStem.test(stem)) return null;
  const folded = stem.toLowerCase();
  // Terms are compared as bytes: those beginning with the stem lie before the stem with its last
  // character one higher (an ASCII character: `z` + 1 is `{`).
  const next = folded.slice(0, -1) + String.fromCharCode(folded.charCodeAt(folded.length - 1) + 1);
  const rows = await select<{ term: string }>(
    dataSource,
    `SELECT term FROM messages_fts_vocab WHERE term >= ? AND term < ? LIMIT ${MAX_PREFIX_WORDS + 1}`,
    [folded, next],
  );
  const words = rows.map((r) => r.term).filter((t) => t.startsWith(folded));
  return words.length === 0 || words.length > MAX_PREFIX_WORDS ? null : words;
}

/**
 * The query with each prefix whose stem is ASCII letters and digits replaced by the words of the
 * index it begins (as alternatives of its group, or exclusions); a prefix of no word, of more than
 * {@link MAX_PREFIX_WORDS}, or of other letters stays a prefix. Matches what `query` matches.
 */
export async function expandPrefixes(dataSource: DataSource, query: SearchQuery): Promise<SearchQuery> {
  const expand = async (t: SearchTerm): Promise<SearchTerm[]> => {
    if (t.kind !== 'prefix') return [t];
    const words = await wordsOf(dataSource, t.text);
    return words === null ? [t] : words.map((w) => ({ kind: 'word', text: w }));
  };
  const all: SearchTerm[][] = [];
  for (const group of query.all) all.push((await Promise.all(group.map(expand))).flat());
  const exclude = (await Promise.all(query.exclude.map(expand))).flat();
  return { all, exclude };
}
