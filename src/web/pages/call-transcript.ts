/** The call page's transcript: messages and operational events in one timeline, each agent reply with its turn's latency waterfall. */
import type { CallMessage, CallSystemEvent, CallTurn } from '../../queries/call-detail.js';
import { waterfall, type Stage } from '../charts.js';
import { h, type Child, type DomElement } from '../dom.js';
import { fmtInt, fmtMs, fmtOffset, fmtUsd, fmtUtc, messageAnchor, prettyJson } from '../format.js';

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

/** How long a turn's waterfall runs (ms): the scale every turn of the call is drawn to. */
export const turnSpan = (t: CallTurn) => {
  const stages = turnStages(t);
  return Math.max(t.e2eLatencyMs ?? 0, ...stages.map((x) => x.start + (x.ms ?? 0)));
};

export function turnBlock(t: CallTurn, scale: number, sla: number | null): DomElement {
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

export function messageBlock(m: CallMessage, turn: CallTurn | undefined, scale: number, sla: number | null, start: number): DomElement {
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
export function timeline(messages: readonly CallMessage[], events: readonly CallSystemEvent[]): Array<CallMessage | CallSystemEvent> {
  const all: Array<CallMessage | CallSystemEvent> = [...messages, ...events];
  return all.sort((a, b) => a.createdAt - b.createdAt || ('role' in a ? 0 : 1) - ('role' in b ? 0 : 1));
}

export function eventBlock(e: CallSystemEvent, start: number): DomElement {
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
