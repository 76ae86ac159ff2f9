/**
 * SQLite's score of a match for `sort: 'rank'`: BM25 over the matches a search orders (see
 * `SEARCH_WINDOW` in search.ts), computed here from their text. FTS5's own `bm25()` first counts
 * every match of each term in the whole index (its document frequencies), which for a word in
 * every fifth message of a million costs more than the rest of the search; here the frequencies
 * are those of the matches at hand. The index decides what matches; this only orders.
 */
import type { SearchQuery, SearchTerm } from './search-query.js';

/** Characters of a message read for its score: a 2 MB message is scored by its beginning. */
export const SCORED_CHARS = 10_000;

const K1 = 1.2;
const B = 0.75;

/** Words as the index reads them (close to FTS5's `unicode61 remove_diacritics 2`): letters and digits, case and diacritics left out. */
export function words(text: string): string[] {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w !== '');
}

/** How many times `term` occurs in `doc` (a word, the words of a phrase in order, or a word starting with a prefix). */
function occurrences(term: SearchTerm, terms: readonly string[], doc: readonly string[]): number {
  if (terms.length === 0) return 0;
  let n = 0;
  if (term.kind === 'prefix') {
    const stem = terms[0]!;
    for (const w of doc) if (w.startsWith(stem)) n++;
    return n;
  }
  for (let i = 0; i + terms.length <= doc.length; i++) {
    let j = 0;
    while (j < terms.length && doc[i + j] === terms[j]) j++;
    if (j === terms.length) n++;
  }
  return n;
}

/**
 * Scores `texts` (the matches of `query`) by BM25: higher is better, comparable within these
 * texts only. Excluded terms do not count; alternatives (OR) add up.
 */
export function rankScores(query: SearchQuery, texts: readonly string[]): number[] {
  const terms = query.all.flat().map((t) => ({ term: t, words: words(t.text) }));
  const docs = texts.map((t) => words(t.length > SCORED_CHARS ? t.slice(0, SCORED_CHARS) : t));
  const counts = docs.map((d) => terms.map((t) => occurrences(t.term, t.words, d)));
  const n = docs.length;
  const avg = docs.reduce((s, d) => s + d.length, 0) / Math.max(1, n) || 1;
  const idf = terms.map((_, i) => {
    const having = counts.reduce((s, c) => s + (c[i]! > 0 ? 1 : 0), 0);
    return Math.log((n - having + 0.5) / (having + 0.5) + 1);
  });
  return docs.map((d, k) => counts[k]!.reduce((s, tf, i) => s + (idf[i]! * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * d.length) / avg)), 0));
}

/** A prefix is replaced by at most this many words of the page. */
const MAX_PAGE_WORDS = 32;

/**
 * The query that finds `texts` (matches of `query`) and highlights the same words, without
 * prefixes: each prefix becomes the words of `texts` that begin with it (kept as a prefix when
 * there are none or too many), exclusions are left out (the texts hold none). Only for texts
 * already found: another text may match one and not the other.
 */
export function pageMatch(query: SearchQuery, texts: readonly string[]): SearchQuery {
  const seen = new Set<string>();
  for (const t of texts) for (const w of words(t.length > SCORED_CHARS ? t.slice(0, SCORED_CHARS) : t)) seen.add(w);
  const expand = (t: SearchTerm): SearchTerm[] => {
    if (t.kind !== 'prefix') return [t];
    const stem = words(t.text);
    if (stem.length !== 1) return [t];
    const found = [...seen].filter((w) => w.startsWith(stem[0]!));
    return found.length === 0 || found.length > MAX_PAGE_WORDS ? [t] : found.map((w) => ({ kind: 'word', text: w }));
  };
  return { all: query.all.map((g) => g.flatMap(expand)), exclude: [] };
}
