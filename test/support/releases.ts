import { createTurnCompletedEvent } from '../../src/events/create.js';
import type { ConversationLogger } from '../../src/logger/conversation-logger.js';

/** How the calls of one release behave; every value drawn from a seeded PRNG around these means. */
export interface ReleasePlan {
  release: string;
  calls: number;
  turnsPerCall?: number;
  /** Mean LLM time to first token (ms); default 400. */
  llmTtftMs?: number;
  /** LLM cost of a reply (USD); default 0.002. */
  replyCostUsd?: number;
  llmModel?: string;
  instructionsHash?: string;
  seed: number;
}

/** mulberry32: the fixtures are drawn, not written out, and the same seed draws the same store. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A normal draw (Box–Muller), never below `min`. */
const normal = (random: () => number, mean: number, sd: number, min = 1): number => {
  const u = Math.max(random(), 1e-12);
  const v = random();
  return Math.max(min, Math.round(mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)));
};

/**
 * Records the calls of a release through the logger's API: `startCall({ release })`, a
 * conversation, per turn a user message, the reply (response time, tokens, cost) and its
 * `turn_completed` with the per-stage latencies; then the call ends (5% fail). Calls start an
 * hour apart from `startAt`.
 */
export async function recordRelease(logger: ConversationLogger, plan: ReleasePlan, startAt: number): Promise<string[]> {
  const random = prng(plan.seed);
  const turnsPerCall = plan.turnsPerCall ?? 8;
  const model = plan.llmModel ?? 'gpt-4o';
  const cost = plan.replyCostUsd ?? 0.002;
  // Drawn in order first (the same seed, the same store), then recorded call by call, concurrently.
  const calls = Array.from({ length: plan.calls }, (_, c) => ({
    callId: `${plan.release}-call-${String(c).padStart(4, '0')}`,
    startedAt: startAt + c * 60_000,
    turns: Array.from({ length: turnsPerCall }, () => {
      const eou = normal(random, 300, 50);
      const transcription = normal(random, 150, 30);
      const ttft = normal(random, plan.llmTtftMs ?? 400, 60);
      const ttfb = normal(random, 200, 30);
      const unattributed = normal(random, 50, 20, 0);
      return {
        eou,
        transcription,
        ttft,
        ttfb,
        unattributed,
        e2e: eou + ttft + ttfb + unattributed,
        interrupted: random() < 0.1,
        tokensIn: normal(random, 600, 100),
        tokensOut: normal(random, 40, 10),
      };
    }),
    failed: random() < 0.05,
  }));
  await Promise.all(
    calls.map(async (call) => {
      const { callId } = call;
      let at = call.startedAt;
      const started = logger.startCall({ callId, release: plan.release, livekitRoom: `room-${plan.release}`, startedAt: at });
      const conversationId = await logger.startConversation({
        callId,
        agentName: 'support',
        startedAt: at,
        ...(plan.instructionsHash === undefined ? {} : { instructionsHash: plan.instructionsHash }),
      });
      await started;
      for (const [t, turn] of call.turns.entries()) {
        at += 5_000;
        const [userMessageId, assistantMessageId] = await Promise.all([
          logger.logUserMessage({ conversationId, content: `question ${t}`, createdAt: at, sttConfidence: 0.9 }),
          logger.logAssistantMessage({
            conversationId,
            content: `answer ${t}`,
            createdAt: at + turn.e2e,
            processingTimeMs: turn.e2e,
            llmModel: model,
            llmTokensInput: turn.tokensIn,
            llmTokensOutput: turn.tokensOut,
            llmCostUsd: cost,
            interrupted: turn.interrupted,
          }),
        ]);
        await logger.append(
          createTurnCompletedEvent({
            callId,
            occurredAt: at + turn.e2e,
            conversationId,
            turnId: `${callId}-turn-${t}`,
            userMessageId,
            assistantMessageId,
            startedAt: at,
            endOfTurnDelayMs: turn.eou,
            transcriptionDelayMs: turn.transcription,
            llmTtftMs: turn.ttft,
            ttsTtfbMs: turn.ttfb,
            e2eLatencyMs: turn.e2e,
            unattributedMs: turn.unattributed,
            outcome: turn.interrupted ? 'interrupted' : 'completed',
            slaThresholdMs: 1500,
            costUsd: cost,
            llmModel: model,
            sttModel: 'nova-3',
            ttsModel: 'sonic-2',
          }),
        );
      }
      await logger.endCall(callId, { endedAt: at + 3_000, ...(call.failed ? { status: 'failed' as const } : {}) });
    }),
  );
  return calls.map((c) => c.callId);
}
