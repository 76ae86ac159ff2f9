import type { CallListPage, CallListRow, CallSortKey } from '../../queries/call-list.js';
import { getJson, withQuery } from '../api-client.js';
import { h, link, type DomElement } from '../dom.js';
import { fmtCost, fmtDuration, fmtInt, fmtMs, fmtTime, callHref } from '../format.js';

const PAGE_SIZE = 25;
const SINCE: Record<string, number> = {
  '1h': 3_600_000,
  '6h': 6 * 3_600_000,
  '24h': 86_400_000,
  '7d': 7 * 86_400_000,
  '30d': 30 * 86_400_000,
};

/** The form's filters, as they appear in the page's address (`/calls?status=failed&room=…`). */
const FILTERS = [
  'status',
  'room',
  'release',
  'verdict',
  'tag',
  'since',
  'minDurationS',
  'minTurns',
  'minCostUsd',
  'minWorstLatencyMs',
] as const;
/** Everything the address holds: the filters, the order and the page. */
const FIELDS = [...FILTERS, 'sort', 'dir', 'page'] as const;

/** What to do when the store holds no call yet: the two ways to get one. */
export const emptyStoreHint = () => [
  'No calls recorded yet. Run ',
  h('code', {}, 'npm run demo'),
  ' to record a scripted phone call, or attach the plugin in your agent\u2019s entry (',
  h('code', {}, 'await attachConversationLog(session, ctx)'),
  ') and place a call.',
];

export const statusBadge = (status: string) => h('span', { class: `badge ${status}` }, status);

/** Calls: a filterable, sortable, paginated table of calls. */
export async function renderCalls(root: DomElement, query: URLSearchParams, navigate: (url: string) => void): Promise<void> {
  const get = (k: (typeof FIELDS)[number]) => query.get(k) ?? '';
  const page = Math.max(1, Math.trunc(Number(get('page')) || 1));
  const sort = (get('sort') || 'started') as CallSortKey;
  const dir = get('dir') === 'asc' ? 'asc' : 'desc';
  const since = SINCE[get('since')];
  const minDurationS = Number(get('minDurationS'));
  const data = await getJson<CallListPage>(
    withQuery('/api/calls', {
      status: get('status'),
      room: get('room'),
      release: get('release'),
      verdict: get('verdict'),
      tag: get('tag'),
      from: since === undefined ? undefined : Date.now() - since,
      minDurationMs: get('minDurationS') && Number.isFinite(minDurationS) ? minDurationS * 1000 : undefined,
      minTurns: get('minTurns'),
      minCostUsd: get('minCostUsd'),
      minWorstLatencyMs: get('minWorstLatencyMs'),
      sort,
      dir,
      limit: PAGE_SIZE,
      offset: (page - 1) * PAGE_SIZE,
    }),
  );

  const here = (changes: Record<string, string | number | undefined>) => {
    const params: Record<string, string | number | undefined> = {};
    for (const k of FIELDS) params[k] = get(k) || undefined;
    return withQuery('/calls', { ...params, ...changes });
  };

  const input = (name: string, label: string, type: string, attrs: Record<string, string | number> = {}) =>
    h('label', {}, label, h('input', { attrs: { name, type, value: get(name as (typeof FIELDS)[number]), ...attrs } }));
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
    { class: 'filters', attrs: { action: '/calls', method: 'get', role: 'search' } },
    select('status', 'Status', [
      ['', 'any'],
      ['active', 'active'],
      ['completed', 'completed'],
      ['failed', 'failed'],
      ['abandoned', 'abandoned'],
    ]),
    input('room', 'Room contains', 'search', { placeholder: 'room name', maxlength: 255 }),
    input('release', 'Release', 'search', { placeholder: 'exact release', maxlength: 255 }),
    select('verdict', 'Verdict', [
      ['', 'any'],
      ['pass', 'pass'],
      ['fail', 'fail'],
      ['unclear', 'unclear'],
    ]),
    input('tag', 'Tag', 'search', { placeholder: 'refund', maxlength: 64 }),
    select('since', 'Started', [
      ['', 'any time'],
      ['1h', 'last hour'],
      ['6h', 'last 6 h'],
      ['24h', 'last 24 h'],
      ['7d', 'last 7 days'],
      ['30d', 'last 30 days'],
    ]),
    input('minDurationS', 'Min duration (s)', 'number', { min: 0, step: 'any' }),
    input('minTurns', 'Min turns', 'number', { min: 0, step: 1 }),
    input('minCostUsd', 'Min cost ($)', 'number', { min: 0, step: 'any' }),
    input('minWorstLatencyMs', 'Worst latency ≥ (ms)', 'number', { min: 0, step: 'any' }),
    h('button', { attrs: { type: 'submit' } }, 'Filter'),
    link('/calls', 'Reset'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const params: Record<string, string> = {};
    for (const name of FILTERS) {
      const field = findField(form, name);
      if (field && field.value.trim() !== '') params[name] = field.value.trim();
    }
    if (sort !== 'started') params['sort'] = sort;
    if (dir !== 'desc') params['dir'] = dir;
    navigate(withQuery('/calls', params));
  });

  const header = (key: CallSortKey | null, label: string, numeric = false) => {
    const cls = numeric ? 'num' : '';
    if (key === null) return h('th', { class: cls }, label);
    const active = key === sort;
    const nextDir = active && dir === 'desc' ? 'asc' : 'desc';
    return h(
      'th',
      { class: cls, attrs: { 'aria-sort': active ? (dir === 'asc' ? 'ascending' : 'descending') : null } },
      link(here({ sort: key, dir: nextDir, page: undefined }), label, active ? (dir === 'asc' ? ' ▲' : ' ▼') : ''),
    );
  };

  const row = (c: CallListRow) =>
    h(
      'tr',
      {},
      h('td', { class: 'mono' }, fmtTime(c.startedAt)),
      h('td', {}, link(callHref(c.id), c.id)),
      h('td', {}, c.livekitRoom ?? '—'),
      h('td', {}, statusBadge(c.status)),
      h('td', { class: 'num' }, fmtDuration(c.durationMs)),
      h('td', { class: 'num' }, fmtInt(c.turns)),
      h('td', { class: 'num' }, fmtCost(c.costUsd, c.unpricedUsage)),
      h(
        'td',
        { class: 'num' },
        fmtMs(c.worstLatencyMs),
        c.slaViolations > 0 ? h('span', { class: 'badge bad', attrs: { title: 'SLA violations' } }, ` ${c.slaViolations} SLA`) : '',
      ),
      h('td', { class: 'num' }, c.errors > 0 ? h('span', { class: 'badge bad' }, String(c.errors)) : '0'),
      h(
        'td',
        {},
        c.verdict === null
          ? '—'
          : h('span', { class: `badge ${c.verdict === 'pass' ? 'completed' : c.verdict === 'fail' ? 'bad' : 'warn'}` }, c.verdict),
        c.tags.length ? h('span', { class: 'muted small' }, ` ${c.tags.join(', ')}`) : '',
      ),
      h('td', { class: 'mono' }, c.release === null ? '—' : link(here({ release: c.release, page: undefined }), c.release)),
    );

  const first = data.total === 0 ? 0 : data.offset + 1;
  const last = data.offset + data.rows.length;
  const pages = Math.max(1, Math.ceil(data.total / PAGE_SIZE));
  root.replaceChildren(
    h('h1', {}, 'Calls'),
    form,
    h(
      'table',
      { class: 'data calls', attrs: { 'data-testid': 'calls-table' } },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          header('started', 'Started'),
          header(null, 'Call'),
          header('room', 'Room'),
          header('status', 'Status'),
          header('duration', 'Duration', true),
          header('turns', 'Turns', true),
          header('cost', 'Cost', true),
          header('worstLatency', 'Worst latency', true),
          header(null, 'Errors', true),
          header(null, 'Verdict · tags'),
          header(null, 'Release'),
        ),
      ),
      h(
        'tbody',
        {},
        data.rows.length
          ? data.rows.map(row)
          : h(
              'tr',
              {},
              h(
                'td',
                { attrs: { colspan: 11, 'data-testid': 'calls-empty' }, class: 'muted' },
                FIELDS.some((f) => f !== 'page' && f !== 'sort' && f !== 'dir' && get(f) !== '')
                  ? ['No calls match these filters. ', link('/calls', 'Show every call')]
                  : data.total > 0
                    ? ['No calls on this page. ', link('/calls', 'Back to the first page')]
                    : emptyStoreHint(),
              ),
            ),
      ),
    ),
    h(
      'div',
      { class: 'pager' },
      page > 1 ? link(here({ page: page - 1 }), '← Previous') : h('span', { class: 'muted' }, '← Previous'),
      h('span', { attrs: { 'data-testid': 'pager-status' } }, `${first}–${last} of ${data.total} · page ${page} of ${pages}`),
      page < pages ? link(here({ page: page + 1 }), 'Next →') : h('span', { class: 'muted' }, 'Next →'),
    ),
  );
}

function findField(form: DomElement, name: string): DomElement | null {
  return form.querySelector(`[name="${name}"]`);
}
