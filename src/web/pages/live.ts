import type { CallListPage } from '../../queries/call-list.js';
import type { LogEvent } from '../../queries/call-detail.js';
import { getJson } from '../api-client.js';
import { browser, h, link, type DomElement } from '../dom.js';
import { fmtDuration, fmtMs, fmtTime, truncate, callHref } from '../format.js';
import { statusBadge } from './calls.js';

const MAX_ROWS = 200;

type Data = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' ? v : v === null || v === undefined ? '' : JSON.stringify(v));
const numOrNull = (v: unknown) => (typeof v === 'number' ? v : null);

/** A one-line description of a log event, as plain text. */
export function describeEvent(e: LogEvent): string {
  const d = (e.data ?? {}) as Data;
  switch (e.type) {
    case 'call_started':
      return `room ${str(d['livekitRoom']) || '—'}${d['agentName'] ? ` · agent ${str(d['agentName'])}` : ''}`;
    case 'call_ended':
      return `${str(d['status'])}${d['reason'] ? ` (${str(d['reason'])})` : ''}`;
    case 'conversation_started':
      return `model ${str(d['aiModel']) || '—'}`;
    case 'message_added':
      return `${str(d['role'])}: ${truncate(str(d['content']), 160)}`;
    case 'tool_executed':
      return `${str(d['name'])}(${truncate(str(d['arguments']), 80)})${d['isError'] ? ' — error' : ''}`;
    case 'turn_completed':
      return `end to end ${fmtMs(numOrNull(d['e2eLatencyMs']))} · ${str(d['outcome'])}`;
    case 'metrics_recorded':
      return `${str(d['kind'])} ${str(d['model'])} ${d['latencyMs'] === null ? '' : fmtMs(numOrNull(d['latencyMs']))}`.trim();
    case 'error_occurred':
      return truncate(str(d['message']), 160);
    case 'system_event_logged':
      return `${str(d['severity'])} ${str(d['eventType'])}: ${truncate(str(d['message']), 140)}`;
    default:
      return truncate(JSON.stringify(d), 160);
  }
}

/** Live: active calls and the newest events of the log, updated by server-sent events without reloading. */
export async function renderLive(root: DomElement, setConnection: (text: string, live: boolean) => void): Promise<() => void> {
  const initial = await getJson<{ position: number; events: LogEvent[] }>('/api/events?tail=40');
  const seen = new Set<number>();
  const feed = h('ul', { class: 'feed', attrs: { 'data-testid': 'live-feed', 'aria-live': 'polite' } });
  const activeBody = h('tbody', {});
  const status = h('p', { class: 'muted small', attrs: { 'data-testid': 'live-status' } }, 'Connecting…');
  const counter = h('span', { attrs: { 'data-testid': 'live-count' } }, '0');
  let received = 0;

  const item = (e: LogEvent, fresh: boolean) =>
    h(
      'li',
      { class: fresh ? 'fresh' : '', attrs: { 'data-position': e.position, 'data-type': e.type } },
      h('span', { class: 'mono small' }, fmtTime(e.occurredAt).slice(11)),
      h('span', { class: 'mono small' }, e.type),
      h('span', { class: 'mono small' }, e.callId === null ? '—' : link(callHref(e.callId), truncate(e.callId, 28))),
      h('span', {}, describeEvent(e)),
    );
  const add = (e: LogEvent, fresh: boolean) => {
    if (seen.has(e.position)) return;
    seen.add(e.position);
    feed.prepend(item(e, fresh));
    while (feed.childElementCount > MAX_ROWS) feed.lastElementChild?.remove();
  };
  for (const e of initial.events) add(e, false);

  // Active calls: "Running for" ticks every second; a call silent for longer than the store's
  // stale limit is marked stale (its process likely died without ending it).
  const running = new Map<string, { startedAt: number; lastEventAt: number; cell: DomElement }>();
  let staleAfterMs = Number.POSITIVE_INFINITY;
  const paint = () => {
    const now = Date.now();
    for (const r of running.values()) {
      const silent = now - r.lastEventAt;
      r.cell.replaceChildren(
        browser.document.createTextNode(fmtDuration(now - r.startedAt)),
        ...(silent > staleAfterMs
          ? [
              h(
                'span',
                { class: 'badge warn', attrs: { title: 'No event for a long time: its process may have died' } },
                `stale · silent ${fmtDuration(silent)}`,
              ),
            ]
          : []),
      );
    }
  };
  const refreshActive = async () => {
    const page = await getJson<CallListPage>('/api/calls?status=active&limit=50');
    staleAfterMs = page.staleAfterMs;
    running.clear();
    activeBody.replaceChildren(
      ...(page.rows.length
        ? page.rows.map((c) => {
            const cell = h('td', { class: 'num', attrs: { 'data-testid': 'running-for' } });
            running.set(c.id, { startedAt: c.startedAt, lastEventAt: c.lastEventAt ?? c.startedAt, cell });
            return h(
              'tr',
              { attrs: { 'data-call': c.id } },
              h('td', { class: 'mono' }, fmtTime(c.startedAt)),
              h('td', {}, link(callHref(c.id), c.id)),
              h('td', {}, c.livekitRoom ?? '—'),
              h('td', {}, statusBadge(c.status)),
              cell,
            );
          })
        : [h('tr', {}, h('td', { class: 'muted', attrs: { colspan: 5 } }, 'No active calls.'))]),
    );
    paint();
  };
  let ticking = true;
  let tickTimer: number | undefined;
  const tick = () => {
    if (!ticking) return;
    paint();
    tickTimer = browser.setTimeout(tick, 1000);
  };
  await refreshActive();
  tick();

  root.replaceChildren(
    h('div', { class: 'toolbar' }, h('h1', {}, 'Live'), status),
    h(
      'section',
      { class: 'panel' },
      h('h2', {}, 'Active calls'),
      h(
        'table',
        { class: 'data active-calls', attrs: { 'data-testid': 'active-calls' } },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, 'Started'),
            h('th', {}, 'Call'),
            h('th', {}, 'Room'),
            h('th', {}, 'Status'),
            h('th', { class: 'num' }, 'Running for'),
          ),
        ),
        activeBody,
      ),
    ),
    h(
      'section',
      { class: 'panel' },
      h('h2', {}, 'Newest events ', h('span', { class: 'muted small' }, '(', counter, ' new since opened)')),
      feed,
    ),
  );

  let refreshTimer: number | undefined;
  const es = new browser.EventSource(`/api/live?after=${initial.position}`);
  es.addEventListener('ready', (m) => {
    const { position } = JSON.parse(m.data) as { position: number };
    status.textContent = `Live — following the log after position ${position}.`;
    setConnection('live', true);
  });
  es.addEventListener('log', (m) => {
    const e = JSON.parse(m.data) as LogEvent;
    if (seen.has(e.position)) return;
    add(e, true);
    const call = e.callId === null ? undefined : running.get(e.callId);
    if (call) call.lastEventAt = Math.max(call.lastEventAt, e.occurredAt);
    counter.textContent = String(++received);
    if (e.type === 'call_started' || e.type === 'call_ended') {
      browser.clearTimeout(refreshTimer);
      refreshTimer = browser.setTimeout(() => void refreshActive().catch(() => undefined), 250);
    }
  });
  es.onerror = () => {
    status.textContent = 'Reconnecting…';
    setConnection('reconnecting', false);
  };
  return () => {
    es.close();
    ticking = false;
    browser.clearTimeout(tickTimer);
    browser.clearTimeout(refreshTimer);
    setConnection('', false);
  };
}
