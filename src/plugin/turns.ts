import type { TurnOutcome } from '../events/types.js';
import { MAX_PLAUSIBLE_MS } from '../projections/rules.js';

/** Latency figures of one turn as gathered from the message metrics and the metrics events (ms). */
export interface TurnParts {
  endOfTurnDelayMs: number | null;
  transcriptionDelayMs: number | null;
  onUserTurnCompletedDelayMs: number | null;
  llmTtftMs: number | null;
  ttsTtfbMs: number | null;
  playbackLatencyMs: number | null;
  /** Measured end-to-end latency, when LiveKit reported one or it can be measured. */
  e2eLatencyMs: number | null;
}

export interface Waterfall extends TurnParts {
  e2eDerived: boolean;
  unattributedMs: number | null;
  implausible: boolean;
}

const implausibleValue = (v: number | null): boolean => v !== null && (v < 0 || v > MAX_PLAUSIBLE_MS);

/**
 * The additive latency waterfall of a turn.
 *
 * @remarks
 * The parts that add up, in order, are: end-of-turn delay (user stopped speaking → turn
 * committed; transcription delay runs inside it and is shown, not added), on-user-turn-completed
 * delay, LLM time to first token, TTS time to first byte and playback latency.
 * `unattributed` = e2e − their sum. When no measured e2e exists, e2e = EOU delay + LLM TTFT +
 * TTS TTFB (LiveKit's documented formula), `e2eDerived` is true and `unattributed` is null
 * (nothing measured the whole, so nothing is left over to attribute). Values that are negative
 * or over 120 s mark the turn implausible: kept, but excluded from aggregates.
 */
export function waterfall(parts: TurnParts): Waterfall {
  let e2e = parts.e2eLatencyMs;
  let derived = false;
  if (e2e === null && (parts.endOfTurnDelayMs !== null || parts.llmTtftMs !== null || parts.ttsTtfbMs !== null)) {
    e2e = (parts.endOfTurnDelayMs ?? 0) + (parts.llmTtftMs ?? 0) + (parts.ttsTtfbMs ?? 0);
    derived = true;
  }
  // Built without arrays or spreads: this runs in the session's listener for every reply, and
  // `{ ...parts, more }` alone cost ~5 µs here (a spread followed by new keys gets a new shape).
  const eot = parts.endOfTurnDelayMs;
  const onTurn = parts.onUserTurnCompletedDelayMs;
  const ttft = parts.llmTtftMs;
  const ttfb = parts.ttsTtfbMs;
  const playback = parts.playbackLatencyMs;
  const sum = (eot ?? 0) + (onTurn ?? 0) + (ttft ?? 0) + (ttfb ?? 0) + (playback ?? 0);
  const implausible =
    implausibleValue(eot) ||
    implausibleValue(onTurn) ||
    implausibleValue(ttft) ||
    implausibleValue(ttfb) ||
    implausibleValue(playback) ||
    implausibleValue(parts.transcriptionDelayMs) ||
    implausibleValue(e2e);
  return {
    endOfTurnDelayMs: eot,
    transcriptionDelayMs: parts.transcriptionDelayMs,
    onUserTurnCompletedDelayMs: onTurn,
    llmTtftMs: ttft,
    ttsTtfbMs: ttfb,
    playbackLatencyMs: playback,
    e2eLatencyMs: e2e,
    e2eDerived: derived,
    unattributedMs: e2e === null || derived ? null : e2e - sum,
    implausible,
  };
}

export const outcomeOf = (interrupted: boolean, closing: boolean): TurnOutcome =>
  closing ? 'session_closed' : interrupted ? 'interrupted' : 'completed';
