import type { SearchMatch, SearchResult } from '../../queries/search.js';
import { ApiError, getJson, withQuery } from '../api-client.js';
import { h, link, type DomElement } from '../dom.js';
import { fmtTime, messageAnchor } from '../format.js';

const SINCE: Record<string, number> = { '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 };
const FIELDS = ['q', 'role', 'since', 'sort'] as const;

/** The call page of a match, scrolled to its message. */
export const matchHref = (m: Pick<SearchMatch, 'callId' | 'messageId'>): string =>
  `/calls/${encodeURIComponent(m.callId)}#${messageAnchor(m.messageId)}`;

/** Search: a query box over every transcript; each match links to its message on the call page. */
export async function renderSearch(root: DomElement, query: URLSearchParams, navigate: (url: string) => void): Promise<void> {
  const get = (k: (typeof FIELDS)[number]) => query.get(k) ?? '';
  const q = get('q').trim();
  const since = SINCE[get('since')];

  const select = (name: string, label: string, options: ReadonlyArray<[string, string]>) => {
    const el = h(
      'select',
      { attrs: { name } },
      options.map(([v, text]) => h('option', { attrs: { value: v } }, text)),
    );
    el.value = get(name as (typeof FIELDS)[number]);
    return h('label', {}, label, el);
  };
  const form = h(
    'form',
    { class: 'filters', attrs: { action: '/search', method: 'get', role: 'search' } },
    h(
      'label',
      { class: 'grow' },
      'Words, "exact phrases", prefix*, -exclude, a OR b; a caller number or call id',
      h('input', {
        attrs: { name: 'q', type: 'search', value: q, maxlength: 1000, placeholder: 'refund -voicemail', 'aria-label': 'Search' },
      }),
    ),
    select('role', 'Role', [
      ['', 'any'],
      ['user', 'user'],
      ['assistant', 'assistant'],
      ['tool', 'tool'],
      ['system', 'system'],
    ]),
    select('since', 'When', [
      ['', 'any time'],
      ['24h', 'last 24 h'],
      ['7d', 'last 7 days'],
      ['30d', 'last 30 days'],
    ]),
    select('sort', 'Order', [
      ['', 'newest first'],
      ['rank', 'best match first'],
    ]),
    h('button', { attrs: { type: 'submit' } }, 'Search'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const params: Record<string, string> = {};
    for (const name of FIELDS) {
      const field = form.querySelector(`[name="${name}"]`);
      if (field && field.value.trim() !== '') params[name] = field.value.trim();
    }
    navigate(withQuery('/search', params));
  });

  if (q === '') {
    root.replaceChildren(h('h1', {}, 'Search'), form, h('p', { class: 'muted' }, 'Search every stored transcript.'));
    return;
  }
  let result: SearchResult;
  try {
    result = await getJson<SearchResult>(
      withQuery('/api/search', {
        q,
        role: get('role'),
        since: since === undefined ? undefined : Date.now() - since,
        sort: get('sort') === 'rank' ? 'rank' : undefined,
        limit: 100,
      }),
    );
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 400) throw error;
    root.replaceChildren(
      h('h1', {}, 'Search'),
      form,
      h('div', { class: 'error-box', attrs: { role: 'alert', 'data-testid': 'search-error' } }, error.message),
    );
    return;
  }
  const item = (m: SearchMatch) =>
    h(
      'li',
      { attrs: { 'data-testid': 'search-match' } },
      h(
        'div',
        { class: 'head' },
        h('span', { class: 'mono small' }, fmtTime(m.createdAt)),
        h('span', { class: 'badge info' }, m.role),
        link(matchHref(m), m.callId),
        m.livekitRoom ? h('span', { class: 'small muted' }, m.livekitRoom) : null,
      ),
      h(
        'div',
        { class: 'snippet' },
        m.snippet.map((p) => (p.match ? h('mark', {}, p.text) : p.text)),
      ),
    );
  const nodes: DomElement[] = [
    h('h1', {}, 'Search'),
    form,
    result.matches.length
      ? h('ul', { class: 'problems search-results', attrs: { 'data-testid': 'search-results' } }, result.matches.map(item))
      : h('p', { class: 'muted', attrs: { 'data-testid': 'search-results' } }, 'No messages match.'),
  ];
  if (result.more) nodes.push(h('p', { class: 'small muted' }, `The first ${result.matches.length} matches; narrow the query for others.`));
  root.replaceChildren(...nodes);
}
