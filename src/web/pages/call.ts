import type { CallDetail, CallMessage, CallSystemEvent, CallTurn } from '../../queries/call-detail.js';
import type { PercentileSummary } from '../../projections/percentile.js';
import { getJson } from '../api-client.js';
import { waterfall, legend, type Stage } from '../charts.js';
import { h, type Child, type DomElement } from '../dom.js';
import {
  fmtCost,
  fmtDuration,
  fmtInt,
  fmtMs,
  fmtOffset,
  fmtPct,
  fmtTime,
  fmtUsd,
  fmtUtc,
  messageAnchor,
  prettyJson,
  callApi,
} from '../format.js';
import { statusBadge } from './calls.js';

const kv = (pairs: ReadonlyArray<[string, Child]>) =>
  h(
    'dl',
    { class: 'kv' },
    pairs.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
  );

/** The stages of a turn laid out in time, each starting where what it waits for ends. */
export function turnStages(t: CallTurn): Stage[] {
  const base = t.endOfTurnDelayMs ?? t.transcriptionDelayMs ?? 0;
  const hook = t.onUserTurnCompletedDelayMs ?? 0;
  const llmStart = base + hook;
  const stages: Stage[] = [
    { label: 'End of turn (EOU)', cls: 'c-eou', start: 0, ms: t.endOfTurnDelayMs },
    { label: 'Transcription', cls: 'c-stt', start: 0, ms: t.transcriptionDelayMs },
  ];
  if (t.onUserTurnCompletedDelayMs !== null)
    stages.push({ label: 'Turn-completed hook', cls: 'c-hook', start: base, ms: t.onUserTurnCompletedDelayMs });
  stages.push(
    { label: 'LLM TTFT', cls: 'c-llm', start: llmStart, ms: t.llmTtftMs },
    { label: 'TTS TTFB', cls: 'c-tts', start: llmStart + (t.llmTtftMs ?? 0), ms: t.ttsTtfbMs },
  );
  // What follows the first audio byte, then what no stage accounts for: the CLI's rows, in its order.
  const afterTts = llmStart + (t.llmTtftMs ?? 0) + (t.ttsTtfbMs ?? 0);
  if (t.playbackLatencyMs !== null) stages.push({ label: 'Playback', cls: 'c-play', start: afterTts, ms: t.playbackLatencyMs });
  if (t.unattributedMs !== null)
    stages.push({ label: 'Other (unattributed)', cls: 'c-other', start: afterTts + (t.playbackLatencyMs ?? 0), ms: t.unattributedMs });
  stages.push({ label: t.e2eDerived ? 'End to end (derived)' : 'End to end', cls: 'c-e2e', start: 0, ms: t.e2eLatencyMs });
  // Measured from the recording (`convlog measure-audio`): what the caller heard, beside what the SDK reported.
  if (t.heardLatencyMs !== null) stages.push({ label: 'Heard (recording)', cls: 'c-heard', start: 0, ms: t.heardLatencyMs });
  return stages;
}

const turnSpan = (t: CallTurn) => {
  const stages = turnStages(t);
  return Math.max(t.e2eLatencyMs ?? 0, ...stages.map((x) => x.start + (x.ms ?? 0)));
};

function turnBlock(t: CallTurn, scale: number, sla: number | null): DomElement {
  return h(
    'div',
    { class: 'waterfall', attrs: { 'data-turn': t.id, id: `turn-${encodeURIComponent(t.id)}` } },
    h(
      'div',
      { class: 'small muted' },
      `Turn latency · end to end ${fmtMs(t.e2eLatencyMs)}${t.heardLatencyMs !== null ? ` · heard ${fmtMs(t.heardLatencyMs)}` : ''} · ${t.outcome}`,
      t.heardMismatch ? h('span', { class: 'badge warn', attrs: { 'data-testid': 'heard-mismatch' } }, 'heard ≠ reported') : '',
      t.slaViolation ? h('span', { class: 'badge bad' }, 'SLA violation') : '',
      t.implausible ? h('span', { class: 'badge warn' }, 'implausible') : '',
      t.costUsd !== null ? ` · turn cost ${fmtUsd(t.costUsd)}` : '',
    ),
    waterfall(turnStages(t), scale, sla, `Latency waterfall of turn ${t.id}`),
  );
}

function messageBlock(m: CallMessage, turn: CallTurn | undefined, scale: number, sla: number | null, start: number): DomElement {
  const when = () => h('span', { class: 'when', attrs: { title: fmtUtc(m.createdAt) } }, fmtOffset(m.createdAt, start));
  if (m.role === 'tool') {
    return h(
      'div',
      { class: m.toolIsError ? 'tool error' : 'tool', attrs: { 'data-role': 'tool', 'data-message': m.id, id: messageAnchor(m.id) } },
      h(
        'div',
        {},
        h('span', { class: 'who' }, 'Tool call '),
        h('span', { class: 'name' }, m.toolName ?? '(unnamed)'),
        ' ',
        m.toolIsError ? h('span', { class: 'badge bad' }, 'error') : h('span', { class: 'badge completed' }, 'ok'),
        h('span', { class: 'small muted' }, ' ', when(), ` · ${fmtMs(m.processingTimeMs)}`),
      ),
      h('div', { class: 'small muted' }, 'Arguments'),
      h('pre', { attrs: { 'data-testid': 'tool-args' } }, prettyJson(m.toolArguments)),
      h('div', { class: 'small muted' }, 'Result'),
      h('pre', { attrs: { 'data-testid': 'tool-output' } }, prettyJson(m.content)),
    );
  }
  const meta: Child[] = [when()];
  if (m.role === 'user') {
    if (m.sttConfidence !== null) meta.push(`confidence ${m.sttConfidence.toFixed(2)}`);
    if (m.language) meta.push(m.language);
  }
  if (m.role === 'assistant') {
    if (m.processingTimeMs !== null) meta.push(`response ${fmtMs(m.processingTimeMs)}`);
    if (m.llmModel) meta.push(m.llmModel);
    if (m.llmTokensInput !== null || m.llmTokensOutput !== null)
      meta.push(`${fmtInt(m.llmTokensInput)} → ${fmtInt(m.llmTokensOutput)} tokens`);
    if (m.llmCostUsd !== null) meta.push(`LLM cost ${fmtUsd(m.llmCostUsd)}`);
    if (m.slaViolation) meta.push(h('span', { class: 'badge bad' }, 'SLA violation'));
    if (m.interrupted) meta.push(h('span', { class: 'badge warn' }, 'interrupted'));
  }
  const who = m.role === 'user' ? 'User' : m.role === 'assistant' ? 'Agent' : 'System';
  return h(
    'div',
    {
      class: `msg ${m.role}${m.interrupted ? ' interrupted' : ''}`,
      attrs: { 'data-role': m.role, 'data-message': m.id, id: messageAnchor(m.id) },
    },
    h('div', { class: 'who' }, who),
    h('div', { class: 'text' }, m.content),
    h(
      'div',
      { class: 'meta' },
      meta.map((x) => h('span', {}, x)),
    ),
    turn ? turnBlock(turn, scale, sla) : null,
  );
}

/** Messages and operational events of the call in one timeline, by time (messages first on a tie). */
function timeline(messages: readonly CallMessage[], events: readonly CallSystemEvent[]): Array<CallMessage | CallSystemEvent> {
  const all: Array<CallMessage | CallSystemEvent> = [...messages, ...events];
  return all.sort((a, b) => a.createdAt - b.createdAt || ('role' in a ? 0 : 1) - ('role' in b ? 0 : 1));
}

function eventBlock(e: CallSystemEvent, start: number): DomElement {
  return h(
    'div',
    { class: `sys ${e.severity === 'WARNING' ? 'warn' : 'bad'}`, attrs: { 'data-role': 'event', 'data-event': e.eventType } },
    h('span', { class: 'when', attrs: { title: fmtUtc(e.createdAt) } }, fmtOffset(e.createdAt, start)),
    ' ',
    h('span', { class: `badge ${e.severity === 'WARNING' ? 'warn' : 'bad'}` }, e.severity),
    ' ',
    h('span', { class: 'mono' }, e.eventType),
    ' ',
    e.message,
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

/** The parts of an `<audio>` element the player uses. */
interface AudioElement extends DomElement {
  currentTime: number;
  play(): Promise<void>;
}

/** The call's recording, played from `/api/recording` (range requests; the session cookie carries the token). */
function player(callId: string, recording: NonNullable<CallDetail['recording']>): DomElement {
  return h(
    'div',
    { class: 'player' },
    h('audio', {
      attrs: {
        controls: true,
        preload: 'metadata',
        src: `/api/recording?call=${encodeURIComponent(callId)}`,
        'data-testid': 'recording',
        'data-started-at': recording.startedAt,
      },
    }),
    h(
      'div',
      { class: 'small muted' },
      `Recording · ${recording.format} · ${recording.channels} channels (user left, agent right) · ${fmtDuration(recording.durationMs)}`,
    ),
  );
}

/**
 * Ties the transcript to the player: each message and turn seeks the recording to its moment
 * (its time − the recording's start), and the message being heard is highlighted as it plays.
 */
function followRecording(root: DomElement, d: CallDetail, blocks: ReadonlyMap<string, DomElement>): void {
  const rec = d.recording;
  const audio = root.querySelector('audio[data-testid="recording"]') as AudioElement | null;
  if (rec === null || audio === null) return;
  const offsetOf = (at: number) => Math.max(0, (at - rec.startedAt) / 1000);
  const marks: Array<{ at: number; el: DomElement }> = [];
  const seek = (at: number) => {
    audio.currentTime = offsetOf(at);
    void audio.play().catch(() => undefined);
  };
  for (const m of d.messages) {
    const el = blocks.get(m.id);
    if (el === undefined) continue;
    marks.push({ at: offsetOf(m.createdAt), el });
    const who = el.querySelector('.who') ?? el;
    who.appendChild(
      h(
        'button',
        {
          class: 'seek',
          attrs: { type: 'button', title: 'Play from here', 'data-seek': offsetOf(m.createdAt).toFixed(2) },
          on: { click: () => seek(m.createdAt) },
        },
        `▶ ${fmtOffset(m.createdAt, rec.startedAt)}`,
      ),
    );
  }
  for (const t of d.turns) {
    const el = t.assistantMessageId === null ? null : (blocks.get(t.assistantMessageId)?.querySelector('.waterfall') ?? null);
    const at = t.heardUserEndAt ?? t.startedAt;
    el?.appendChild(
      h(
        'button',
        { class: 'seek', attrs: { type: 'button', 'data-seek': offsetOf(at).toFixed(2) }, on: { click: () => seek(at) } },
        '▶ hear this turn',
      ),
    );
  }
  marks.sort((a, b) => a.at - b.at);
  let current: DomElement | null = null;
  audio.addEventListener('timeupdate', () => {
    let next: DomElement | null = null;
    for (const m of marks) if (m.at <= audio.currentTime) next = m.el;
    if (next === current) return;
    current?.classList.remove('playing');
    next?.classList.add('playing');
    current = next;
  });
}

/** One call: its figures, the transcript as a chat with per-turn waterfalls and tool calls, errors, and the raw event log. */
export async function renderCall(root: DomElement, callId: string): Promise<void> {
  const d = await getJson<CallDetail>(callApi(callId));
  const blocks = new Map<string, DomElement>();
  const remember = (id: string, el: DomElement) => {
    blocks.set(id, el);
    return el;
  };
  const c = d.call;
  const sla = d.conversations.find((x) => x.slaThresholdMs !== null)?.slaThresholdMs ?? null;
  const byAssistant = new Map(d.turns.filter((t) => t.assistantMessageId !== null).map((t) => [t.assistantMessageId!, t]));
  const messageIds = new Set(d.messages.map((m) => m.id));
  const loose = d.turns.filter((t) => t.assistantMessageId === null || !messageIds.has(t.assistantMessageId));
  const scale = Math.max(1, ...d.turns.map(turnSpan));
  const cost = d.conversations.reduce(
    (a, x) => ({
      llm: a.llm + x.costUsd.llm,
      stt: a.stt + x.costUsd.stt,
      tts: a.tts + x.costUsd.tts,
      realtime: a.realtime + x.costUsd.realtime,
    }),
    { llm: 0, stt: 0, tts: 0, realtime: 0 },
  );
  const problems = d.systemEvents.filter((e) => e.severity !== 'INFO' && e.severity !== 'DEBUG');
  const falseInterruptions = d.conversations.reduce((a, x) => a + x.falseInterruptions, 0);
  const tools = toolRows(d.messages);
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

  root.replaceChildren(
    h('div', { class: 'toolbar' }, h('h1', {}, 'Call ', h('span', { class: 'mono' }, c.id)), statusBadge(c.status)),
    h(
      'div',
      { class: 'cards' },
      ...(
        [
          ['Duration', fmtDuration(c.durationMs)],
          ['Turns', fmtInt(c.turns)],
          ['Cost', fmtCost(c.costUsd, c.unpricedUsage)],
          ['Worst latency', fmtMs(c.worstLatencyMs)],
          ['Interruptions', fmtInt(c.interruptions)],
          ['SLA violations', fmtInt(c.slaViolations)],
          ['Errors', fmtInt(c.errors)],
        ] as const
      ).map(([label, value]) => h('div', { class: 'card' }, h('div', { class: 'label' }, label), h('div', { class: 'value' }, value))),
    ),
    h(
      'div',
      { class: 'split' },
      h(
        'section',
        { class: 'panel' },
        h('h2', {}, 'Transcript'),
        d.recording ? player(c.id, d.recording) : null,
        legend([
          { label: 'EOU', cls: 'c-eou' },
          { label: 'Transcription', cls: 'c-stt' },
          { label: 'LLM TTFT', cls: 'c-llm' },
          { label: 'TTS TTFB', cls: 'c-tts' },
          { label: 'Playback', cls: 'c-play' },
          { label: 'Other', cls: 'c-other' },
          { label: 'End to end', cls: 'c-e2e' },
          ...(d.turns.some((t) => t.heardLatencyMs !== null) ? [{ label: 'Heard', cls: 'c-heard' }] : []),
        ]),
        h(
          'div',
          { class: 'chat', attrs: { 'data-testid': 'transcript' } },
          d.messages.length || problems.length
            ? timeline(d.messages, problems).map((x) =>
                'role' in x ? remember(x.id, messageBlock(x, byAssistant.get(x.id), scale, sla, c.startedAt)) : eventBlock(x, c.startedAt),
              )
            : h('p', { class: 'muted' }, 'No messages.'),
        ),
        loose.length
          ? h(
              'div',
              {},
              h('h2', {}, 'Turns without an agent message'),
              loose.map((t) => turnBlock(t, scale, sla)),
            )
          : null,
      ),
      h(
        'div',
        {},
        h(
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
        ),
        h(
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
        ),
        tools.length
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
          : null,
        h(
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
        ),
        analysisPanel(d),
        d.conversations.some((x) => x.summary)
          ? h(
              'section',
              { class: 'panel' },
              h('h2', {}, 'Summary'),
              d.conversations.map((x) => (x.summary ? h('p', {}, x.summary) : null)),
            )
          : null,
      ),
    ),
    h(
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
    ),
  );
  followRecording(root, d, blocks);
}

function summarize(data: unknown): string {
  const text = JSON.stringify(data) ?? '';
  return text.length > 110 ? `${text.slice(0, 109)}…` : text;
}

/** The post-call analysis, the agent's tags and outcome; null when the call has none of them. */
function analysisPanel(d: CallDetail): DomElement | null {
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
