import { createMessageAddedEvent, createTurnCompletedEvent } from '../events/create.js';
import type { NewEvent } from '../events/types.js';
import { time } from './coerce.js';
import { messageMetrics } from './metrics.js';
import { secToMs } from './plain.js';
import type { ReplyUsage, TurnAccumulator } from './speeches.js';
import { outcomeOf, waterfall } from './turns.js';

/** What an assistant message is joined with: its turn's latencies and usage, and the user message it answers. */
export interface ReplyContext {
  callId: string;
  conversationId: string;
  slaThresholdMs: number;
  acc: TurnAccumulator;
  usage: ReplyUsage;
  userMessageId: string | null;
  userMetrics: Record<string, unknown>;
  /** The STT model last reported in the session (STT metrics name no speech). */
  sttModel: string | null;
}

/** An assistant chat item as the snapshot copied it. */
export interface ReplyItem {
  messageId: string;
  content: string;
  itemCreatedAt: number | null;
  interrupted: boolean;
  itemId: string | null;
  metrics: Record<string, unknown>;
}

/**
 * The `message_added` of an assistant reply and, when it answers a user turn or has a measured
 * latency, the `turn_completed` with the turn's latency waterfall.
 */
export function replyEvents(r: ReplyItem, c: ReplyContext, at: number): NewEvent[] {
  const metrics = r.metrics;
  const { userMetrics, acc, usage } = c;
  const startedSpeakingAt = time(secToMs(metrics['startedSpeakingAt']));
  const userStoppedAt =
    time(secToMs(userMetrics['stoppedSpeakingAt'])) ??
    (acc.lastSpeakingTimeMs !== null && acc.lastSpeakingTimeMs > 0 ? time(acc.lastSpeakingTimeMs) : null);
  let e2e = secToMs(metrics['e2eLatency']);
  if (e2e === null && startedSpeakingAt !== null && userStoppedAt !== null) e2e = startedSpeakingAt - userStoppedAt;
  const w = waterfall({
    endOfTurnDelayMs: secToMs(metrics['endOfTurnDelay']) ?? secToMs(userMetrics['endOfTurnDelay']) ?? acc.eouDelayMs,
    transcriptionDelayMs: secToMs(metrics['transcriptionDelay']) ?? secToMs(userMetrics['transcriptionDelay']) ?? acc.transcriptionDelayMs,
    onUserTurnCompletedDelayMs:
      secToMs(metrics['onUserTurnCompletedDelay']) ?? secToMs(userMetrics['onUserTurnCompletedDelay']) ?? acc.onUserTurnCompletedDelayMs,
    llmTtftMs: secToMs(metrics['llmNodeTtft']) ?? acc.llmTtftMs,
    ttsTtfbMs: secToMs(metrics['ttsNodeTtfb']) ?? acc.ttsTtfbMs,
    playbackLatencyMs: secToMs(metrics['playbackLatency']),
    e2eLatencyMs: e2e,
  });
  const userMessageId = c.userMessageId;
  const hasTurn = w.e2eLatencyMs !== null || userMessageId !== null;
  const metadata = messageMetrics(metrics);
  metadata['e2eDerived'] = w.e2eDerived;
  const messageId = r.messageId;
  const interrupted = r.interrupted;
  const out: NewEvent[] = [
    createMessageAddedEvent({
      callId: c.callId,
      occurredAt: at,
      messageId,
      conversationId: c.conversationId,
      role: 'assistant',
      content: r.content,
      // Order a transcript by when speech started: an interrupted reply arrives after the user's interruption.
      createdAt: startedSpeakingAt ?? r.itemCreatedAt,
      processingTimeMs: w.e2eLatencyMs,
      llmModel: usage.model,
      llmTokensInput: usage.calls > 0 ? usage.tokensInput : null,
      llmTokensOutput: usage.calls > 0 ? usage.tokensOutput : null,
      llmCostUsd: usage.llmCostUsd,
      usageCounted: false,
      interrupted,
      interruptedBy: interrupted ? 'user' : null,
      itemId: r.itemId,
      slaThresholdMs: c.slaThresholdMs,
      implausible: w.implausible,
      metadata,
    }),
  ];
  if (hasTurn)
    out.push(
      createTurnCompletedEvent({
        callId: c.callId,
        occurredAt: at,
        conversationId: c.conversationId,
        turnId: messageId,
        userMessageId,
        assistantMessageId: messageId,
        startedAt: userStoppedAt ?? r.itemCreatedAt ?? at,
        endOfTurnDelayMs: w.endOfTurnDelayMs,
        transcriptionDelayMs: w.transcriptionDelayMs,
        onUserTurnCompletedDelayMs: w.onUserTurnCompletedDelayMs,
        llmTtftMs: w.llmTtftMs,
        ttsTtfbMs: w.ttsTtfbMs,
        playbackLatencyMs: w.playbackLatencyMs,
        e2eLatencyMs: w.e2eLatencyMs,
        e2eDerived: w.e2eDerived,
        unattributedMs: w.unattributedMs,
        outcome: outcomeOf(interrupted, false),
        implausible: w.implausible,
        slaThresholdMs: c.slaThresholdMs,
        costUsd: usage.costUsd,
        llmModel: acc.llmModel ?? usage.model,
        sttModel: c.sttModel,
        ttsModel: acc.ttsModel,
      }),
    );
  return out;
}

/** The `turn_completed` of a user turn the session ended before answering (closed, or failed on an error). */
export function unansweredTurnEvent(
  c: { callId: string; conversationId: string; slaThresholdMs: number; sttModel: string | null },
  turnId: string,
  userMessageId: string,
  userMetrics: Record<string, unknown>,
  at: number,
  failed: boolean,
): NewEvent {
  const m = userMetrics;
  const parts = waterfall({
    endOfTurnDelayMs: secToMs(m['endOfTurnDelay']),
    transcriptionDelayMs: secToMs(m['transcriptionDelay']),
    onUserTurnCompletedDelayMs: secToMs(m['onUserTurnCompletedDelay']),
    llmTtftMs: null,
    ttsTtfbMs: null,
    playbackLatencyMs: null,
    e2eLatencyMs: null,
  });
  return createTurnCompletedEvent({
    callId: c.callId,
    occurredAt: at,
    conversationId: c.conversationId,
    turnId,
    userMessageId,
    startedAt: time(secToMs(m['stoppedSpeakingAt'])) ?? at,
    endOfTurnDelayMs: parts.endOfTurnDelayMs,
    transcriptionDelayMs: parts.transcriptionDelayMs,
    onUserTurnCompletedDelayMs: parts.onUserTurnCompletedDelayMs,
    outcome: failed ? 'failed' : 'session_closed',
    implausible: parts.implausible,
    slaThresholdMs: c.slaThresholdMs,
    sttModel: c.sttModel,
  });
}
