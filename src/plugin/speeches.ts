/** Latencies of one turn gathered from the metrics events, before its reply arrives (ms). */
export interface TurnAccumulator {
  eouDelayMs: number | null;
  transcriptionDelayMs: number | null;
  onUserTurnCompletedDelayMs: number | null;
  lastSpeakingTimeMs: number | null;
  llmTtftMs: number | null;
  ttsTtfbMs: number | null;
  /** The LLM (or realtime) and TTS models the turn's metrics name, the first of each. */
  llmModel: string | null;
  ttsModel: string | null;
}

export const emptyTurn = (): TurnAccumulator => ({
  eouDelayMs: null,
  transcriptionDelayMs: null,
  onUserTurnCompletedDelayMs: null,
  lastSpeakingTimeMs: null,
  llmTtftMs: null,
  ttsTtfbMs: null,
  llmModel: null,
  ttsModel: null,
});

/** LLM usage of a reply: what its assistant message is charged with. */
export interface ReplyUsage {
  model: string | null;
  tokensInput: number;
  tokensOutput: number;
  /** Sum of priced LLM calls; null when any call's model has no price. */
  llmCostUsd: number | null;
  /** LLM + TTS cost of the reply; null when nothing in it was priced. */
  costUsd: number | null;
  calls: number;
}

export const emptyUsage = (): ReplyUsage => ({ model: null, tokensInput: 0, tokensOutput: 0, llmCostUsd: null, costUsd: null, calls: 0 });

/**
 * One speech of the agent (a LiveKit `SpeechHandle`), joined by `speechId`: the EOU, LLM and
 * TTS metrics of its turn, the user message that triggered it, and the chat items it produced
 * (the handle's own list, read by item id, never serialised).
 */
export interface SpeechTurn {
  items: ReadonlyArray<{ id?: unknown }> | null;
  /** User messages seen before this speech was created: it answers the next one. */
  userMessagesBefore: number;
  userMessageId: string | null;
  userMetrics: Record<string, unknown> | null;
  acc: TurnAccumulator;
  usage: ReplyUsage;
  answered: boolean;
}

/** Speeches remembered at most (older ones are long finished). */
const MAX_SPEECHES = 32;

/** The agent's recent speeches, oldest first: how a reply is joined to its metrics and its user turn. */
export class Speeches {
  /** The agent's speeches by id, oldest first. */
  private readonly byId = new Map<string, SpeechTurn>();
  /** The same speeches in the same order, for scans from either end. */
  private readonly list: SpeechTurn[] = [];

  /** The speech `speechId`, remembered from now on (the oldest forgotten past MAX_SPEECHES). */
  get(speechId: string, userMessages: number): SpeechTurn {
    let speech = this.byId.get(speechId);
    if (!speech) {
      speech = {
        items: null,
        userMessagesBefore: userMessages,
        userMessageId: null,
        userMetrics: null,
        acc: emptyTurn(),
        usage: emptyUsage(),
        answered: false,
      };
      this.byId.set(speechId, speech);
      this.list.push(speech);
      if (this.byId.size > MAX_SPEECHES) {
        this.byId.delete(this.byId.keys().next().value!);
        this.list.shift();
      }
    }
    return speech;
  }

  /**
   * The speech that answers the user message now arriving: the newest one created since the
   * previous user message (LiveKit creates the reply's speech, then emits the user message).
   */
  awaitingUser(userMessages: number): SpeechTurn | null {
    const all = this.list;
    for (let i = all.length - 1; i >= 0; i--) {
      const s = all[i]!;
      if (s.userMessagesBefore < userMessages) return null;
      if (s.userMessageId === null && !s.answered) return s;
    }
    return null;
  }

  /**
   * The speech an assistant message belongs to: the one whose handle holds the item (LiveKit adds
   * it there before it emits the event), else the oldest unanswered one that has metrics (replies
   * finish in order; an interrupted reply arrives after the user turn that cut it).
   */
  of(itemId: string | null): SpeechTurn | null {
    const all = this.list;
    // Newest first: the reply's own speech is almost always the last one created.
    if (itemId !== null)
      for (let i = all.length - 1; i >= 0; i--) {
        const items = all[i]!.items;
        if (items) for (let j = items.length - 1; j >= 0; j--) if (items[j]?.id === itemId) return all[i]!;
      }
    for (const s of all) if (!s.answered && (s.usage.calls > 0 || s.acc.llmTtftMs !== null)) return s;
    return null;
  }
}
