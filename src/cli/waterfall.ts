import type { CallTurn } from '../queries/call-detail.js';

/** Legend of {@link waterfallBar}. */
export const WATERFALL_LEGEND = 'E end of turn, L LLM first token, T TTS first byte, P playback, . other, | SLA';

/**
 * A turn's latency waterfall as a text bar: one character per `msPerChar`, a letter per stage in
 * the order they add up, `.` for the unattributed rest, `|` at the SLA threshold.
 */
export function waterfallBar(t: CallTurn, msPerChar: number, slaMs: number | null): string {
  const parts: Array<[string, number | null]> = [
    ['E', (t.endOfTurnDelayMs ?? 0) + (t.onUserTurnCompletedDelayMs ?? 0)],
    ['L', t.llmTtftMs],
    ['T', t.ttsTtfbMs],
    ['P', t.playbackLatencyMs],
    ['.', t.unattributedMs !== null && t.unattributedMs > 0 ? t.unattributedMs : 0],
  ];
  let bar = '';
  for (const [ch, v] of parts) bar += ch.repeat(Math.max(0, Math.round((v ?? 0) / msPerChar)));
  if (slaMs !== null) {
    const at = Math.round(slaMs / msPerChar);
    bar = at < bar.length ? `${bar.slice(0, at)}|${bar.slice(at + 1)}` : `${bar.padEnd(at)}|`;
  }
  return bar;
}

/**
 * One line of figures (ms): `e2e 669: EOU 151 LLM 355 TTS 141 other 21 STT 62`; once the turn
 * was measured from its recording (`convlog measure-audio`), `e2e 669 heard 702: …`.
 */
export function waterfallFigures(t: CallTurn): string {
  const r = (v: number | null) => (v === null ? '-' : String(Math.round(v)));
  const eou = t.endOfTurnDelayMs === null ? null : t.endOfTurnDelayMs + (t.onUserTurnCompletedDelayMs ?? 0);
  const heard = t.heardLatencyMs === null ? '' : ` heard ${r(t.heardLatencyMs)}`;
  let s = `e2e ${r(t.e2eLatencyMs)}${t.e2eDerived ? '*' : ''}${heard}: EOU ${r(eou)} LLM ${r(t.llmTtftMs)} TTS ${r(t.ttsTtfbMs)}`;
  if (t.playbackLatencyMs) s += ` play ${r(t.playbackLatencyMs)}`;
  if (t.unattributedMs !== null) s += ` other ${r(t.unattributedMs)}`;
  if (t.transcriptionDelayMs !== null) s += ` STT ${r(t.transcriptionDelayMs)}`;
  return s;
}
