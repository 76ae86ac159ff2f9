/** The call page's panels beside and below the transcript: details, latency, tools, errors, analysis, summary and the raw event log. */
import type { CallDetail, CallMessage, CallSystemEvent } from '../../queries/call-detail.js';
import type { PercentileSummary } from '../../projections/percentile.js';
import { h, type Child, type DomElement } from '../dom.js';
import { fmtInt, fmtMs, fmtOffset, fmtPct, fmtTime, fmtUsd, fmtUtc } from '../format.js';

const kv = (pairs: ReadonlyArray<[string, Child]>) =>
  h(
    'dl',
    { class: 'kv' },
    pairs.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
  );

/** The call's details: room, caller, agent, times, models, cost by component, the SLA threshold and quality scores. */
export function detailsPanel(d: CallDetail, sla: number | null): DomElement {
  const c = d.call;
  const cost = d.conversations.reduce(
    (a, x) => ({
      llm: a.llm + x.costUsd.llm,
      stt: a.stt + x.costUsd.stt,
      tts: a.tts + x.costUsd.tts,
      realtime: a.realtime + x.costUsd.realtime,
    }),
    { llm: 0, stt: 0, tts: 0, realtime: 0 },
  );
  const falseInterruptions = d.conversations.reduce((a, x) => a + x.falseInterruptions, 0);
  const scores = d.conversations.filter((x) => x.quality.relevanceCount > 0 || x.quality.satisfactionCount > 0);
  const quality = scores.length
    ? scores
        .map((x) =>
          [
            x.quality.relevanceCount ? `relevance ${x.quality.relevanceAvg?.toFixed(2)} (${x.quality.relevanceCount})` : '',
            x.quality.satisfactionCount ? `satisfaction ${x.quality.satisfactionAvg?.toFixed(2)} (${x.quality.satisfactionCount})` : '',
          ]
            .filter(Boolean)
            .join(' · '),
        )
        .join('; ')
    : 'not scored';
  return h(
    'section',
    { class: 'panel' },
    h('h2', {}, 'Details'),
    kv([
      ['Room', c.livekitRoom ?? '—'],
      ['Caller', c.callerNumber ?? '—'],
      ['Agent', d.agents.join(', ') || '—'],
      ['Started', fmtUtc(c.startedAt)],
      ['Ended', c.endedAt === null ? '—' : `${fmtUtc(c.endedAt)} (${fmtOffset(c.endedAt, c.startedAt)})`],
      ['End reason', c.endReason ?? '—'],
      ['Error', c.error ?? '—'],
      [
        'Models',
        d.models.length
          ? h(
              'ul',
              { class: 'models', attrs: { 'data-testid': 'models' } },
              d.models.map((x) => h('li', {}, `${x.kind.toUpperCase()} ${x.model}${x.provider ? ` (${x.provider})` : ''}`)),
            )
          : '—',
      ],
      [
        'Cost by component',
        `LLM ${fmtUsd(cost.llm)} · STT ${fmtUsd(cost.stt)} · TTS ${fmtUsd(cost.tts)}${cost.realtime ? ` · realtime ${fmtUsd(cost.realtime)}` : ''}`,
      ],
      ['False interruptions', fmtInt(falseInterruptions)],
      ['SLA threshold', fmtMs(sla)],
      ['Quality', quality],
    ]),
  );
}

const stageRow = (label: string, x: PercentileSummary) =>
  h(
    'tr',
    {},
    h('td', {}, label),
    h('td', { class: 'num' }, fmtMs(x.p50)),
    h('td', { class: 'num' }, fmtMs(x.p90)),
    h('td', { class: 'num' }, fmtMs(x.max)),
    h('td', { class: 'num' }, fmtInt(x.num)),
  );

/** The call's latency by stage: p50, p90 and max over its turns. */
export function latencyPanel(d: CallDetail): DomElement {
  return h(
    'section',
    { class: 'panel' },
    h('h2', {}, 'Latency of this call'),
    h(
      'table',
      { class: 'data', attrs: { 'data-testid': 'call-stages' } },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, 'Stage'),
          h('th', { class: 'num' }, 'p50'),
          h('th', { class: 'num' }, 'p90'),
          h('th', { class: 'num' }, 'max'),
          h('th', { class: 'num' }, 'Turns'),
        ),
      ),
      h(
        'tbody',
        {},
        stageRow('End of turn (EOU)', d.latency.endOfTurn),
        stageRow('Transcription', d.latency.transcription),
        stageRow('LLM TTFT', d.latency.llmTtft),
        stageRow('TTS TTFB', d.latency.ttsTtfb),
        stageRow('Playback', d.latency.playback),
        stageRow('End to end', d.latency.e2e),
        d.latency.heard.num > 0 ? stageRow('Heard (recording)', d.latency.heard) : null,
      ),
    ),
  );
}

/** Tool calls of the call, per tool: how many, how many failed, and their durations. */
function toolRows(messages: readonly CallMessage[]): DomElement[] {
  const by = new Map<string, { calls: number; errors: number; ms: number[] }>();
  for (const m of messages) {
    if (m.role !== 'tool') continue;
    const t = by.get(m.toolName ?? '(unnamed)') ?? { calls: 0, errors: 0, ms: [] };
    t.calls++;
    if (m.toolIsError) t.errors++;
    if (m.processingTimeMs !== null) t.ms.push(m.processingTimeMs);
    by.set(m.toolName ?? '(unnamed)', t);
  }
  return [...by.entries()].map(([name, t]) =>
    h(
      'tr',
      {},
      h('td', {}, name),
      h('td', { class: 'num' }, fmtInt(t.calls)),
      h('td', { class: 'num' }, fmtPct((100 * (t.calls - t.errors)) / t.calls)),
      h('td', { class: 'num' }, t.ms.length ? fmtMs(t.ms.reduce((a, b) => a + b, 0) / t.ms.length) : '—'),
      h('td', { class: 'num' }, t.ms.length ? fmtMs(Math.max(...t.ms)) : '—'),
    ),
  );
}

/** The call's tool calls per tool; null when it made none. */
export function toolsPanel(messages: readonly CallMessage[]): DomElement | null {
  const tools = toolRows(messages);
  return tools.length
    ? h(
        'section',
        { class: 'panel' },
        h('h2', {}, 'Tools'),
        h(
          'table',
          { class: 'data', attrs: { 'data-testid': 'call-tools' } },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', {}, 'Tool'),
              h('th', { class: 'num' }, 'Calls'),
              h('th', { class: 'num' }, 'Success'),
              h('th', { class: 'num' }, 'Avg'),
              h('th', { class: 'num' }, 'Max'),
            ),
          ),
          h('tbody', {}, tools),
        ),
      )
    : null;
}

/** The call's errors and warnings: its system events above INFO. */
export function problemsPanel(problems: readonly CallSystemEvent[]): DomElement {
  return h(
    'section',
    { class: 'panel', attrs: { 'data-testid': 'errors' } },
    h('h2', {}, `Errors and warnings (${problems.length})`),
    problems.length
      ? h(
          'ul',
          { class: 'problems' },
          problems.map((e) =>
            h(
              'li',
              {},
              h(
                'div',
                { class: 'head' },
                h('span', { class: 'mono' }, fmtTime(e.createdAt).slice(11)),
                h('span', { class: `badge ${e.severity === 'WARNING' ? 'warn' : 'bad'}` }, e.severity),
                h('span', { class: 'mono' }, e.eventType),
                e.component ? h('span', { class: 'muted' }, e.component) : null,
              ),
              h('div', {}, e.message),
            ),
          ),
        )
      : h('p', { class: 'muted' }, 'None.'),
  );
}

/** The post-call analysis, the agent's tags and outcome; null when the call has none of them. */
export function analysisPanel(d: CallDetail): DomElement | null {
  const a = d.analysis;
  if (a === null && d.tags.length === 0 && d.outcome === null) return null;
  const rows: Array<[string, string | DomElement]> = [];
  if (d.tags.length) rows.push(['Tags', d.tags.join(', ')]);
  if (d.outcome) rows.push(['Agent outcome', `${d.outcome.outcome}${d.outcome.reason ? ` — ${d.outcome.reason}` : ''}`]);
  if (a !== null && a.status === 'failed') rows.push(['Analysis', `failed (${a.errorType ?? 'error'}): ${a.error ?? ''}`]);
  if (a !== null && a.status === 'completed') {
    if (a.verdict !== null || a.verdictReason !== null)
      rows.push([
        'Verdict',
        h(
          'span',
          {},
          h('span', { class: `badge ${a.verdict === 'pass' ? 'completed' : a.verdict === 'fail' ? 'bad' : 'warn'}` }, a.verdict ?? 'none'),
          a.verdictReason ? ` ${a.verdictReason}` : '',
        ),
      ]);
    if (a.summary !== null) rows.push(['Summary', a.summary]);
    if (a.fieldsValid !== null)
      rows.push([
        a.fieldsValid ? 'Fields' : 'Fields (invalid)',
        h('pre', { class: 'mono small' }, JSON.stringify(a.fields, null, 2), ...(a.fieldsErrors ?? []).map((e) => `\n! ${e}`)),
      ]);
  }
  if (a !== null)
    rows.push([
      'Analysed by',
      `${a.model ?? 'unknown model'}${a.tokensInput === null ? '' : ` · ${fmtInt(a.tokensInput)} + ${fmtInt(a.tokensOutput ?? 0)} tokens`} · ${a.costUsd === null ? 'cost unknown' : fmtUsd(a.costUsd)}`,
    ]);
  return h('section', { class: 'panel', attrs: { 'data-testid': 'analysis' } }, h('h2', {}, 'Analysis'), kv(rows));
}

/** The conversations' summaries; null when none has one. */
export function summaryPanel(d: CallDetail): DomElement | null {
  return d.conversations.some((x) => x.summary)
    ? h(
        'section',
        { class: 'panel' },
        h('h2', {}, 'Summary'),
        d.conversations.map((x) => (x.summary ? h('p', {}, x.summary) : null)),
      )
    : null;
}

function summarize(data: unknown): string {
  const text = JSON.stringify(data) ?? '';
  return text.length > 110 ? `${text.slice(0, 109)}…` : text;
}

/** The call's raw event log (the first events when there are many), each event's data folded. */
export function eventLogPanel(d: CallDetail): DomElement {
  return h(
    'section',
    { class: 'panel' },
    h('h2', {}, `Event log (${d.events.length === d.eventCount ? d.eventCount : `first ${d.events.length} of ${d.eventCount}`})`),
    h(
      'table',
      { class: 'data events', attrs: { 'data-testid': 'event-log' } },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { class: 'num' }, 'Position'),
          h('th', { class: 'num' }, '#'),
          h('th', {}, 'Occurred'),
          h('th', {}, 'Type'),
          h('th', {}, 'Data'),
        ),
      ),
      h(
        'tbody',
        {},
        d.events.map((e) =>
          h(
            'tr',
            {},
            h('td', { class: 'num mono' }, String(e.position)),
            h('td', { class: 'num mono' }, e.streamPosition === null ? '—' : String(e.streamPosition)),
            h('td', { class: 'mono' }, fmtTime(e.occurredAt)),
            h('td', { class: 'mono' }, e.type),
            h(
              'td',
              {},
              h('details', {}, h('summary', { class: 'mono small' }, summarize(e.data)), h('pre', {}, JSON.stringify(e.data, null, 2))),
            ),
          ),
        ),
      ),
    ),
  );
}
