/** The call page's recording: the player, and the transcript tied to it (seek from a message or turn, the message being heard highlighted). */
import type { CallDetail } from '../../queries/call-detail.js';
import { h, type DomElement } from '../dom.js';
import { fmtDuration, fmtOffset } from '../format.js';

/** The parts of an `<audio>` element the player uses. */
interface AudioElement extends DomElement {
  currentTime: number;
  play(): Promise<void>;
}

/** The call's recording, played from `/api/recording` (range requests; the session cookie carries the token). */
export function player(callId: string, recording: NonNullable<CallDetail['recording']>): DomElement {
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
export function followRecording(root: DomElement, d: CallDetail, blocks: ReadonlyMap<string, DomElement>): void {
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
