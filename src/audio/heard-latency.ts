import type { SpeechSegment } from './vad.js';

/** What the store knows of a turn, to find it in the recording (times ms UTC). */
export interface TurnTiming {
  turnId: string;
  conversationId: string;
  /** When the SDK says the user stopped speaking (the turn's `started_at`). */
  userEndedAt: number;
  /** When the SDK says the reply began to play (the assistant message's `created_at`), if known. */
  replyStartedAt: number | null;
  /** The SDK's end-to-end figure, ms. */
  reportedLatencyMs: number | null;
}

/** A turn's latency found in the recording (times ms UTC; null where the audio had nothing). */
export interface HeardTurn {
  turnId: string;
  conversationId: string;
  userSpeechEndedAt: number | null;
  agentSpeechStartedAt: number | null;
  heardLatencyMs: number | null;
  reportedLatencyMs: number | null;
}

/** How far from the SDK's times the audio is searched (ms). */
export interface MatchWindows {
  /** The reply is looked for up to this long after the SDK's reply start (default 3000). */
  replyAfterMs?: number;
  /** …and from this long before it (default 300: a sink may report playback a little late). */
  replyBeforeMs?: number;
  /** The user's speech end is looked for up to this long before the reply (default 6000). */
  userBeforeMs?: number;
}

/**
 * Per turn: on the agent channel, the first speech that begins after the user's turn ended
 * (from a little before the SDK's reply start, to `replyAfterMs` after it); on the user
 * channel, the last speech that ends before that reply began. The heard latency is the gap.
 *
 * @remarks
 * Segments are in ms from the recording's start; `recordingStartedAt` puts them on the wall
 * clock the store's times use. A turn whose reply or user speech is not in the audio (no
 * recording then, silence) gets nulls, never a guess.
 */
export function matchTurns(
  turns: readonly TurnTiming[],
  user: readonly SpeechSegment[],
  agent: readonly SpeechSegment[],
  recordingStartedAt: number,
  windows: MatchWindows = {},
): HeardTurn[] {
  const after = windows.replyAfterMs ?? 3000;
  const before = windows.replyBeforeMs ?? 300;
  const userBefore = windows.userBeforeMs ?? 6000;
  const at = (ms: number) => recordingStartedAt + ms;
  return turns.map((t) => {
    const anchor = t.replyStartedAt ?? t.userEndedAt;
    const from = Math.max(t.userEndedAt - before, anchor - before);
    const reply = agent.find((s) => at(s.startMs) >= from && at(s.startMs) <= anchor + after);
    const replyAt = reply ? at(reply.startMs) : null;
    let userEnd: number | null = null;
    if (replyAt !== null)
      for (const s of user) {
        const end = at(s.endMs);
        if (end <= replyAt && end >= replyAt - userBefore && at(s.startMs) < replyAt) userEnd = end;
      }
    return {
      turnId: t.turnId,
      conversationId: t.conversationId,
      userSpeechEndedAt: userEnd,
      agentSpeechStartedAt: replyAt,
      heardLatencyMs: userEnd !== null && replyAt !== null ? replyAt - userEnd : null,
      reportedLatencyMs: t.reportedLatencyMs,
    };
  });
}
