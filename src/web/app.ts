import { browser, h, link, type DomElement, type DomEvent } from './dom.js';
import { renderCall } from './pages/call.js';
import { renderCalls } from './pages/calls.js';
import { renderDiff } from './pages/diff.js';
import { renderLive } from './pages/live.js';
import { renderOverview } from './pages/overview.js';
import { renderSearch } from './pages/search.js';

/**
 * The dashboard's entry module: a small router over the History API. Pages are rendered into a
 * detached element and swapped in when ready, so a slow page never overwrites a newer one.
 */

const NAV: ReadonlyArray<[string, string]> = [
  ['/', 'Overview'],
  ['/calls', 'Calls'],
  ['/live', 'Live'],
  ['/search', 'Search'],
  ['/diff', 'Compare'],
];

let cleanup: (() => void) | null = null;
let sequence = 0;

function setConnection(text: string, live: boolean): void {
  const el = browser.document.getElementById('conn');
  if (!el) return;
  el.textContent = text;
  el.classList.toggle('live', live);
}

function navigate(url: string): void {
  browser.history.pushState(null, '', url);
  void render();
  browser.scrollTo(0, 0);
}

async function render(): Promise<void> {
  const main = browser.document.getElementById('main');
  const nav = browser.document.getElementById('nav');
  if (!main || !nav) return;
  cleanup?.();
  cleanup = null;
  const seq = ++sequence;
  const path = browser.location.pathname;
  const query = new URLSearchParams(browser.location.search);
  const section = path === '/' ? '/' : path === '/call' ? '/calls' : `/${path.split('/')[1] ?? ''}`;
  nav.replaceChildren(
    ...NAV.map(([href, label]) => {
      const a = link(href, label);
      if (href === section) a.classList.add('active');
      return a;
    }),
  );
  const view = h('div', { attrs: { 'data-page': section } });
  const loading = browser.setTimeout(() => {
    if (seq === sequence) main.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  }, 150);
  try {
    let title = 'Overview';
    let stop: (() => void) | null = null;
    const callMatch = /^\/calls\/([^/]+)$/.exec(path);
    if (path === '/') await renderOverview(view, query);
    else if (path === '/calls') {
      title = 'Calls';
      await renderCalls(view, query, navigate);
    } else if (callMatch || (path === '/call' && query.get('id') !== null)) {
      const id = callMatch ? decodeURIComponent(callMatch[1]!) : query.get('id')!;
      title = `Call ${id}`;
      await renderCall(view, id);
    } else if (path === '/diff') {
      title = 'Compare releases';
      await renderDiff(view, query, navigate);
    } else if (path === '/search') {
      title = 'Search';
      await renderSearch(view, query, navigate);
    } else if (path === '/live') {
      title = 'Live';
      stop = await renderLive(view, setConnection);
    } else {
      title = 'Not found';
      view.replaceChildren(h('h1', {}, 'Not found'), h('p', {}, link('/', 'Back to the overview')));
    }
    if (seq !== sequence) {
      stop?.();
      return;
    }
    cleanup = stop;
    browser.document.title = `${title} · convlog`;
    main.replaceChildren(view);
    revealHash();
  } catch (error) {
    if (seq !== sequence) return;
    main.replaceChildren(h('div', { class: 'error-box', attrs: { role: 'alert' } }, (error as Error).message || 'Something went wrong.'));
  } finally {
    browser.clearTimeout(loading);
  }
}

/**
 * A link to `…#turn-<id>` (a slowest turn) or `…#m-<id>` (a search match) scrolls to that turn or
 * message and marks it. Anchors hold their id URI-encoded, as the links do.
 */
function revealHash(): void {
  const id = browser.location.hash.slice(1);
  if (!id) return;
  const target = browser.document.getElementById(id);
  if (!target) return;
  target.classList.add('target');
  target.scrollIntoView({ block: 'center' });
}

function onClick(event: DomEvent): void {
  if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
  const target = event.target as DomElement | null;
  const a = target && typeof target.closest === 'function' ? target.closest('a') : null;
  const href = a?.getAttribute('href');
  if (!href || !href.startsWith('/') || href.startsWith('//') || href.startsWith('/api/')) return;
  event.preventDefault();
  navigate(href);
}

function start(): void {
  browser.document.addEventListener('click', onClick);
  browser.addEventListener('popstate', () => void render());
  void render();
}

if (browser.document.readyState === 'loading') browser.document.addEventListener('DOMContentLoaded', start);
else start();
