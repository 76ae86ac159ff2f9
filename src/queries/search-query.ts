/**
 * The search language of {@link searchMessages}, parsed into a small tree and compiled to each
 * engine's query syntax. User text only ever reaches an engine inside a quoted FTS5 string or as a
 * bound parameter of a PostgreSQL text search function: never as operators.
 *
 * - `refund policy`: both words (in any order);
 * - `"refund policy"`: the exact phrase;
 * - `refund*`: a word starting with `refund`;
 * - `-voicemail`, `-"call back"`: without that word or phrase;
 * - `refund OR return`: either (`OR` in capitals, between two terms).
 */
import { ConversationLogError } from '../errors.js';

/** One term: a word, a phrase (words in this order) or a prefix (a word starting with `text`). */
export interface SearchTerm {
  readonly kind: 'word' | 'phrase' | 'prefix';
  readonly text: string;
}

/** A parsed query: every group must match (a group is alternatives joined by OR); no `exclude` term may. */
export interface SearchQuery {
  readonly all: ReadonlyArray<readonly SearchTerm[]>;
  readonly exclude: readonly SearchTerm[];
}

/** Longest query accepted (characters). */
export const MAX_QUERY_LENGTH = 1000;
/** Most terms a query may have. */
export const MAX_QUERY_TERMS = 32;

const searchable = /[\p{L}\p{N}]/u;
// Letters, combining marks (Devanagari, Thai vowel signs) and digits: never tsquery syntax.
const prefixStem = /^[\p{L}\p{M}\p{N}]+$/u;
// eslint-disable-next-line no-control-regex -- control characters (NUL included) are separators
const controls = /[\u0000-\u001f\u007f]/g;

const invalid = (problem: string): ConversationLogError =>
  new ConversationLogError('INVALID_SEARCH_QUERY', `The search query ${problem}`, { field: 'query' });

/**
 * Parses a query. Error messages never repeat the query's text (it may hold a phone number).
 * Words without a letter or digit (punctuation, emoji) are left out: neither
 * index holds them.
 *
 * @throws ConversationLogError `INVALID_SEARCH_QUERY` saying what to change
 */
export function parseSearchQuery(input: unknown): SearchQuery {
  if (typeof input !== 'string') throw invalid(`must be text, got ${input === null ? 'null' : typeof input}.`);
  if (input.length > MAX_QUERY_LENGTH)
    throw invalid(`is ${input.length} characters long; the most is ${MAX_QUERY_LENGTH}. Search for a few distinctive words instead.`);
  const text = input.replace(controls, ' ');
  const all: SearchTerm[][] = [];
  const exclude: SearchTerm[] = [];
  let count = 0;
  let pendingOr = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/u.test(ch)) {
      i++;
      continue;
    }
    let negated = false;
    if (ch === '-' && i + 1 < text.length && !/\s/u.test(text[i + 1]!)) {
      negated = true;
      i++;
    }
    let term: SearchTerm | null;
    if (text[i] === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0) throw invalid('has a " without its closing ". Close the phrase, or leave the quote out.');
      const phrase = text
        .slice(i + 1, end)
        .trim()
        .replace(/\s+/gu, ' ');
      i = end + 1;
      term = searchable.test(phrase) ? { kind: 'phrase', text: phrase } : null;
    } else {
      let end = i;
      while (end < text.length && !/\s/u.test(text[end]!) && text[end] !== '"') end++;
      const word = text.slice(i, end);
      i = end;
      if (!negated && word === 'OR') {
        if (all.length === 0 || pendingOr) throw invalid('has OR without a term before it. Write: refund OR return.');
        pendingOr = true;
        continue;
      }
      term = wordTerm(word);
    }
    if (term === null) continue;
    if (++count > MAX_QUERY_TERMS) throw invalid(`has more than ${MAX_QUERY_TERMS} terms. Search for fewer, more distinctive words.`);
    if (negated) {
      if (pendingOr) throw invalid('has OR before an excluded -term. Exclusions cannot be alternatives; remove the OR.');
      exclude.push(term);
    } else if (pendingOr) {
      all[all.length - 1]!.push(term);
      pendingOr = false;
    } else all.push([term]);
  }
  if (pendingOr) throw invalid('ends with OR. Add the alternative after it, or remove the OR.');
  if (all.length === 0)
    throw invalid(
      exclude.length > 0
        ? 'only excludes (-word). Add a word to look for: refund -voicemail.'
        : 'has nothing to search for: words are letters and digits (punctuation and emoji are not indexed).',
    );
  return { all, exclude };
}

function wordTerm(word: string): SearchTerm | null {
  const star = word.indexOf('*');
  if (star < 0) return searchable.test(word) ? { kind: 'word', text: word } : null;
  const stem = word.replace(/\*+$/u, '');
  if (stem.includes('*') || !prefixStem.test(stem))
    throw invalid('puts * where it cannot go: a prefix is letters and digits followed by *, e.g. refund*.');
  return { kind: 'prefix', text: stem };
}

const quoted = (s: string): string => `"${s.replaceAll('"', '""')}"`;
const fts5Term = (t: SearchTerm): string => (t.kind === 'prefix' ? `${quoted(t.text)}*` : quoted(t.text));
const fts5Group = (g: readonly SearchTerm[]): string => (g.length === 1 ? fts5Term(g[0]!) : `(${g.map(fts5Term).join(' OR ')})`);

/** The FTS5 MATCH expression of a query: every term a quoted string, bound as one parameter. */
export function toFts5Match(q: SearchQuery): string {
  const positive = q.all.map(fts5Group).join(' AND ');
  return q.exclude.length === 0 ? positive : `(${positive}) NOT (${q.exclude.map(fts5Term).join(' OR ')})`;
}

/**
 * A PostgreSQL `tsquery` expression of a query over the configuration `cfg` (an SQL expression),
 * its parameters numbered from `$first`: each word or phrase is `phraseto_tsquery(cfg, $n)`, each
 * prefix `to_tsquery(cfg, $n)` of `stem:*` (the stem is letters and digits only). `+` and `-` are
 * read as spaces, as the index does.
 */
export function toPgTsquery(q: SearchQuery, cfg: string, first: number): { sql: string; params: string[] } {
  const params: string[] = [];
  const term = (t: SearchTerm): string => {
    params.push(t.kind === 'prefix' ? `${t.text}:*` : t.text.replace(/[+-]/g, ' '));
    return `${t.kind === 'prefix' ? 'to_tsquery' : 'phraseto_tsquery'}(${cfg}, $${first + params.length - 1}::text)`;
  };
  const group = (g: readonly SearchTerm[]): string => (g.length === 1 ? term(g[0]!) : `(${g.map(term).join(' || ')})`);
  const positive = q.all.map(group).join(' && ');
  const sql = q.exclude.length === 0 ? positive : `(${positive}) && !!(${q.exclude.map(term).join(' || ')})`;
  return { sql, params };
}
