import type { DiffEstimate, DiffResult, DiffRow, DiffSide } from '../../queries/diff.js';
import { ApiError, getJson, withQuery } from '../api-client.js';
import { h, link, type DomElement } from '../dom.js';
import { fmtInt, fmtMs, fmtUsd } from '../format.js';

const SINCE: Record<string, number> = { '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 };
const FIELDS = ['by', 'base', 'head', 'since', 'thresholdPct'] as const;

interface DiffAnswer {
  releases: Array<{ key: string; calls: number }>;
  result: DiffResult | null;
}

const value = (row: DiffRow, v: number | null): string => {
  if (v === null) return '—';
  if (row.unit === 'ms') return fmtMs(v);
  if (row.unit === 'usd') return fmtUsd(v);
  if (row.unit === 'ratio') return `${(100 * v).toFixed(1)}%`;
  return v.toFixed(1);
};

const estimate = (row: DiffRow, e: DiffEstimate) =>
  h(
    'td',
    { class: 'num' },
    value(row, e.value),
    e.low === null || e.high === null ? '' : h('span', { class: 'small muted' }, ` [${value(row, e.low)} – ${value(row, e.high)}]`),
  );

/** Compare: `convlog diff` in the dashboard — two releases (instructions, models) side by side, each row judged. */
export async function renderDiff(root: DomElement, query: URLSearchParams, navigate: (url: string) => void): Promise<void> {
  const get = (k: (typeof FIELDS)[number]) => query.get(k) ?? '';
  const since = SINCE[get('since') || '7d'];
  let data: DiffAnswer;
  let problem: string | null = null;
  try {
    data = await getJson<DiffAnswer>(
      withQuery('/api/diff', {
        base: get('base'),
        head: get('head'),
        by: get('by'),
        since: since === undefined ? undefined : Date.now() - since,
        thresholdPct: get('thresholdPct'),
      }),
    );
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 400) throw error;
    problem = error.message;
    data = { releases: [], result: null };
  }

  const input = (name: (typeof FIELDS)[number], label: string, list?: string) =>
    h('label', {}, label, h('input', { attrs: { name, value: get(name), maxlength: 255, list: list ?? null, 'aria-label': label } }));
  const select = (name: (typeof FIELDS)[number], label: string, options: ReadonlyArray<[string, string]>) => {
    const el = h(
      'select',
      { attrs: { name } },
      options.map(([v, text]) => h('option', { attrs: { value: v } }, text)),
    );
    el.value = get(name);
    return h('label', {}, label, el);
  };
  const form = h(
    'form',
    { class: 'filters', attrs: { action: '/diff', method: 'get' } },
    select('by', 'Compare', [
      ['', 'releases'],
      ['instructions', 'instructions hashes'],
      ['model', 'LLM models'],
    ]),
    input('base', 'Base', 'releases'),
    input('head', 'Head', 'releases'),
    select('since', 'Calls from', [
      ['', 'last 7 days'],
      ['24h', 'last 24 h'],
      ['30d', 'last 30 days'],
    ]),
    input('thresholdPct', 'Threshold (%)'),
    h('button', { attrs: { type: 'submit' } }, 'Compare'),
    h(
      'datalist',
      { attrs: { id: 'releases' } },
      data.releases.map((r) => h('option', { attrs: { value: r.key } }, `${r.key} (${fmtInt(r.calls)} calls)`)),
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const params: Record<string, string> = {};
    for (const name of FIELDS) {
      const field = form.querySelector(`[name="${name}"]`);
      if (field && field.value.trim() !== '') params[name] = field.value.trim();
    }
    navigate(withQuery('/diff', params));
  });

  const r = data.result;
  const body: DomElement[] = [];
  if (problem !== null) body.push(h('div', { class: 'error-box', attrs: { role: 'alert' } }, problem));
  else if (r === null)
    body.push(
      h(
        'p',
        { class: 'muted' },
        data.releases.length
          ? `Choose a base and a head: ${data.releases.map((x) => x.key).join(', ')} ran in the last 30 days.`
          : 'No call of the last 30 days carries a release: set CONVERSATION_LOG_RELEASE (or the release option) in the agent.',
      ),
    );
  else {
    body.push(
      h(
        'p',
        { attrs: { 'data-testid': 'diff-sides' } },
        `Base ${r.base.key}: `,
        sideCalls(r, r.base),
        `, ${fmtInt(r.base.turns)} turns · head ${r.head.key}: `,
        sideCalls(r, r.head),
        `, ${fmtInt(r.head.turns)} turns · worse only beyond ${r.thresholdPct}% with a 95% interval that excludes no change.`,
      ),
    );
    if (!r.significant)
      body.push(h('p', { class: 'badge warn', attrs: { 'data-testid': 'diff-unclear' } }, r.reason ?? 'Too few calls to tell.'));
    body.push(
      h(
        'section',
        { class: 'panel' },
        h(
          'table',
          { class: 'data', attrs: { 'data-testid': 'diff-table' } },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', {}, 'Statistic'),
              h('th', { class: 'num' }, 'Base [95%]'),
              h('th', { class: 'num' }, 'Head [95%]'),
              h('th', { class: 'num' }, 'Change'),
              h('th', {}, 'Verdict'),
            ),
          ),
          h(
            'tbody',
            {},
            r.rows.map((row) =>
              h(
                'tr',
                { attrs: { 'data-metric': row.metric } },
                h('td', {}, row.label),
                estimate(row, row.base),
                estimate(row, row.head),
                h('td', { class: 'num' }, row.changePct === null ? '—' : `${row.changePct > 0 ? '+' : ''}${row.changePct.toFixed(1)}%`),
                h(
                  'td',
                  {},
                  h(
                    'span',
                    { class: `badge ${row.verdict === 'worse' ? 'bad' : row.verdict === 'better' ? 'completed' : ''}` },
                    row.verdict,
                  ),
                ),
              ),
            ),
          ),
        ),
      ),
    );
  }
  root.replaceChildren(h('h1', {}, 'Compare releases'), form, ...body);
}

/** A side's call count; for releases, a link to those calls on the Calls page. */
function sideCalls(r: DiffResult, side: DiffSide): DomElement | string {
  const text = `${fmtInt(side.calls)} calls`;
  return r.by === 'release' ? link(withQuery('/calls', { release: side.key }), text) : text;
}
