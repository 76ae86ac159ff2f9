import type { CallDetail } from '../../queries/call-detail.js';
import { getJson } from '../api-client.js';
import { legend } from '../charts.js';
import { h, type DomElement } from '../dom.js';
import { fmtCost, fmtDuration, fmtInt, fmtMs, callApi } from '../format.js';
import { statusBadge } from './calls.js';
import { analysisPanel, detailsPanel, eventLogPanel, latencyPanel, problemsPanel, summaryPanel, toolsPanel } from './call-panels.js';
import { followRecording, player } from './call-recording.js';
import { eventBlock, messageBlock, timeline, turnBlock, turnSpan } from './call-transcript.js';

export { turnStages } from './call-transcript.js';

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
  const problems = d.systemEvents.filter((e) => e.severity !== 'INFO' && e.severity !== 'DEBUG');

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
        detailsPanel(d, sla),
        latencyPanel(d),
        toolsPanel(d.messages),
        problemsPanel(problems),
        analysisPanel(d),
        summaryPanel(d),
      ),
    ),
    eventLogPanel(d),
  );
  followRecording(root, d, blocks);
}
