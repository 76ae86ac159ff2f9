import { randomUUID } from 'node:crypto';
import type { JsonObject, MessageAddedData, MetricsKind, MetricsRecordedData, NewEvent } from '../events/types.js';
import { num, secToMs, str, toPlain, toPlainObject } from './plain.js';
import { costOf, DEFAULT_PRICING, type PricingTable, type UsageKind } from './pricing.js';
import { EVENT_ENVELOPE, snapshotEvent, type SessionEventLike, type SessionEventSnapshot } from './snapshot.js';
import { outcomeOf, waterfall, type TurnParts } from './turns.js';

/** What the mapper needs to know about the call it maps for. */
export interface MapperOptions {
  callId: string;
  slaThresholdMs?: number;
  pricing?: PricingTable;
  /** LiveKit event types to keep as `session_event`s (all by default); messages, tools, metrics, errors and close are always kept. */
  keepSessionEvents?: (type: string) => boolean;
  /** Id factory (tests pass a deterministic one). */
  newId?: () => string;
}

export type { SessionEventLike, SessionEventSnapshot };

const METRICS_KIND: Record<string, MetricsKind> = {
  llm_metrics: 'llm',
  stt_metrics: 'stt',
  tts_metrics: 'tts',
  eou_metrics: 'eou',
  vad_metrics: 'vad',
  realtime_model_metrics: 'realtime',
  interruption_metrics: 'interruption',
  eot_inference_metrics: 'eot_inference',
  avatar_metrics: 'avatar',
};

interface TurnAccumulator {
  eouDelayMs: number | null;
  transcriptionDelayMs: number | null;
  onUserTurnCompletedDelayMs: number | null;
  lastSpeakingTimeMs: number | null;
  llmTtftMs: number | null;
  ttsTtfbMs: number | null;
}

const emptyTurn = (): TurnAccumulator => ({
  eouDelayMs: null,
  transcriptionDelayMs: null,
  onUserTurnCompletedDelayMs: null,
  lastSpeakingTimeMs: null,
  llmTtftMs: null,
  ttsTtfbMs: null,
});

/** LLM usage of a reply: what its assistant message is charged with. */
interface ReplyUsage {
  model: string | null;
  tokensInput: number;
  tokensOutput: number;
  /** Sum of priced LLM calls; null when any call's model has no price. */
  llmCostUsd: number | null;
  /** LLM + TTS cost of the reply; null when nothing in it was priced. */
  costUsd: number | null;
  calls: number;
}

const emptyUsage = (): ReplyUsage => ({ model: null, tokensInput: 0, tokensOutput: 0, llmCostUsd: null, costUsd: null, calls: 0 });

/**
 * One speech of the agent (a LiveKit `SpeechHandle`), joined by `speechId`: the EOU, LLM and
 * TTS metrics of its turn, the user message that triggered it, and the chat items it produced
 * (the handle's own list, read by item id, never serialised).
 */
interface SpeechTurn {
  items: ReadonlyArray<{ id?: unknown }> | null;
  /** User messages seen before this speech was created: it answers the next one. */
  userMessagesBefore: number;
  userMessageId: string | null;
  userMetrics: Record<string, unknown> | null;
  acc: TurnAccumulator;
  usage: ReplyUsage;
  answered: boolean;
}

/** Events that say nothing about who cut a reply short (they follow any cut). */
const INCONCLUSIVE = new Set(['agent_state_changed', 'metrics_collected', 'session_usage_updated']);

/** Speeches remembered at most (older ones are long finished). */
const MAX_SPEECHES = 32;

/** LiveKit reports "no value" as -1 for some latencies (e.g. an LLM call that produced no token). */
const latency = (v: unknown): number | null => {
  const n = num(v);
  return n === null || n === -1 ? null : n;
};

/**
 * Maps the events of one LiveKit AgentSession to the package's event union.
 *
 * @remarks
 * Pure apart from its own per-session state: no I/O, no clock reads (times come from the
 * events), no serialisation of live objects (the speech handle is reduced to its id). One
 * mapper per session, so sessions in one process never share state.
 * Attach before `session.start()` so the first handoff and state change are seen. Events after
 * `close` are ignored.
 */
export class SessionMapper {
  readonly callId: string;
  private conversationId: string;
  private conversationStarted = false;
  private closed = false;
  private readonly slaThresholdMs: number;
  private readonly pricing: PricingTable;
  private readonly keep: (type: string) => boolean;
  private readonly newId: () => string;
  private interimCount = 0;
  private language: string | null = null;
  private lastUserMessageId: string | null = null;
  private lastUserMetrics: Record<string, unknown> | null = null;
  /** Metrics events without a speech id: the fallback where neither message nor speech tells. */
  private turn: TurnAccumulator = emptyTurn();
  private usage: ReplyUsage = emptyUsage();
  /** The agent's speeches by id, oldest first. */
  private readonly speeches = new Map<string, SpeechTurn>();
  /** The same speeches in the same order, for scans from either end. */
  private readonly speechList: SpeechTurn[] = [];
  private userMessages = 0;
  /** The last valid event time seen (ms UTC), for events whose own time is unusable. */
  private lastAt = 0;
  /**
   * A reply cut short with no sign of the user yet: the user cut in (→ interrupted) or the
   * session is closing (→ session_closed); the next event tells which.
   */
  private pendingCut: NewEvent[] | null = null;

  constructor(options: MapperOptions) {
    this.callId = options.callId;
    this.slaThresholdMs = options.slaThresholdMs ?? 1500;
    this.pricing = options.pricing ?? DEFAULT_PRICING;
    this.keep = options.keepSessionEvents ?? (() => true);
    this.newId = options.newId ?? randomUUID;
    this.conversationId = this.newId();
  }

  get currentConversationId(): string {
    return this.conversationId;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Maps one session event to zero or more events to append. */
  map(ev: SessionEventLike): NewEvent[] {
    return this.closed ? [] : this.mapSnapshot(snapshotEvent(ev));
  }

  /**
   * Maps an event already copied out of LiveKit's objects by {@link snapshotEvent} (the plugin
   * copies in the session's listener and maps after it returned).
   */
  mapSnapshot(ev: SessionEventSnapshot): NewEvent[] {
    if (this.closed) return [];
    // A time the store can hold (whole ms since 1970); else the last good one: never lose the event over its clock.
    const at = (this.lastAt = time(ev.createdAt) ?? (this.lastAt || Date.now()));
    if (this.pendingCut && ev.type !== 'close' && !INCONCLUSIVE.has(ev.type)) return [...this.settleCut(false), ...this.route(ev, at)];
    return this.route(ev, at);
  }

  private route(ev: SessionEventLike, at: number): NewEvent[] {
    switch (ev.type) {
      case 'conversation_item_added':
        return this.item(ev['item'], at);
      case 'user_input_transcribed':
        return this.transcribed(ev, at);
      case 'function_tools_executed':
        return this.tools(ev, at);
      case 'metrics_collected':
        return this.metrics(ev['metrics'], at);
      case 'error':
        return this.error(ev, at);
      case 'close':
        return this.close(ev, at);
      case 'user_state_changed':
      case 'agent_state_changed':
        // A quarter of all session events: their two fields, copied as one literal.
        return this.session(ev.type, at, { oldState: str(ev['oldState']), newState: str(ev['newState']) });
      case 'speech_created': {
        const speechId = str(ev['speechId']);
        if (speechId) {
          const speech = this.speech(speechId);
          if (Array.isArray(ev['chatItems'])) speech.items = ev['chatItems'] as ReadonlyArray<{ id?: unknown }>;
        }
        return this.session('speech_created', at, {
          source: str(ev['source']),
          userInitiated: ev['userInitiated'] === true,
          speechId,
        });
      }
      default: {
        // A plain copy made in the listener, or the plain-data report it kept (see snapshotEvent).
        const report = ev['report'] as Record<string, unknown> | undefined;
        return this.session(ev.type, at, report ? toPlainObject(report, 3, EVENT_ENVELOPE) : ((ev['payload'] ?? {}) as JsonObject));
      }
    }
  }

  /**
   * Events that end the call when the session goes away without a `close` event (job
   * shutdown, process exit).
   */
  end(reason: string, at: number): NewEvent[] {
    return this.close({ type: 'close', reason, error: null, createdAt: at }, at);
  }

  private ensureConversation(at: number, agentName: string | null = null): NewEvent[] {
    if (this.conversationStarted) return [];
    this.conversationStarted = true;
    return [
      {
        type: 'conversation_started',
        callId: this.callId,
        occurredAt: at,
        data: { conversationId: this.conversationId, aiModel: null, systemPrompt: null, agentName, metadata: null },
      },
    ];
  }

  private session(name: string, at: number, payload: JsonObject): NewEvent[] {
    if (name !== 'agent_false_interruption' && !this.keep(name)) return [];
    const out = this.ensureConversation(at);
    out.push({ type: 'session_event', callId: this.callId, occurredAt: at, data: { conversationId: this.conversationId, name, payload } });
    return out;
  }

  private item(item: unknown, at: number): NewEvent[] {
    const it = item as Record<string, unknown> | null;
    if (!it) return [];
    if (it['type'] === 'agent_handoff') return this.handoff(it, at);
    if (it['type'] !== 'message') return this.session('conversation_item_added', at, { item: it as JsonObject });
    const role = it['role'];
    const content = str(it['content']) ?? '';
    const metrics = (it['metrics'] ?? {}) as Record<string, unknown>;
    const out = this.ensureConversation(at);
    const messageId = this.newId();
    const itemId = str(it['id']);
    const createdAt = time(it['createdAt']);
    const interrupted = it['interrupted'] === true;
    if (role === 'user') {
      this.lastUserMessageId = messageId;
      this.lastUserMetrics = metrics;
      const speech = this.speechAwaitingUser();
      if (speech) {
        speech.userMessageId = messageId;
        speech.userMetrics = metrics;
      }
      this.userMessages++;
      const metadata = messageMetrics(metrics);
      metadata['interimTranscripts'] = this.interimCount;
      this.interimCount = 0;
      out.push({
        type: 'message_added',
        callId: this.callId,
        occurredAt: at,
        data: this.message(messageId, 'user', content, createdAt, interrupted, itemId, num(it['transcriptConfidence']), this.language, metadata),
      });
      return out;
    }
    if (role !== 'assistant') {
      out.push({
        type: 'message_added',
        callId: this.callId,
        occurredAt: at,
        data: this.message(messageId, 'system', content, createdAt, interrupted, itemId, null, null, null),
      });
      return out;
    }
    const reply = this.assistant(messageId, content, createdAt, interrupted, itemId, metrics, at);
    if (out.length === 0) return reply;
    for (const e of reply) out.push(e);
    return out;
  }

  /**
   * A message's data, built as one object literal (no spreads: this runs in the session's
   * listener, and a literal of fixed shape is the cheapest to build and to serialise).
   */
  private message(
    messageId: string,
    role: MessageAddedData['role'],
    content: string,
    createdAt: number | null,
    interrupted: boolean,
    itemId: string | null,
    sttConfidence: number | null,
    language: string | null,
    metadata: JsonObject | null,
  ): MessageAddedData {
    return {
      messageId,
      conversationId: this.conversationId,
      role,
      content,
      createdAt,
      sttConfidence,
      processingTimeMs: null,
      llmModel: null,
      llmTokensInput: null,
      llmTokensOutput: null,
      llmCostUsd: null,
      usageCounted: false,
      interrupted,
      language,
      itemId,
      slaThresholdMs: this.slaThresholdMs,
      implausible: false,
      metadata,
    };
  }

  private assistant(
    messageId: string,
    content: string,
    itemCreatedAt: number | null,
    interrupted: boolean,
    itemId: string | null,
    metrics: Record<string, unknown>,
    at: number,
  ): NewEvent[] {
    // The message's own metrics first, then its speech's (joined by speechId), then the loose ones.
    const speech = this.speechOf(itemId);
    let acc: TurnAccumulator;
    let usage: ReplyUsage;
    let userMessageId: string | null;
    let userMetrics: Record<string, unknown> = {};
    if (speech) {
      acc = speech.acc;
      usage = speech.usage;
      userMessageId = speech.userMessageId;
      userMetrics = speech.userMetrics ?? {};
      speech.answered = true;
      speech.usage = emptyUsage();
    } else {
      acc = this.turn;
      usage = this.usage;
      userMessageId = this.lastUserMessageId;
      userMetrics = this.lastUserMetrics ?? {};
      this.turn = emptyTurn();
      this.usage = emptyUsage();
    }
    const startedSpeakingAt = time(secToMs(metrics['startedSpeakingAt']));
    const userStoppedAt = time(secToMs(userMetrics['stoppedSpeakingAt'])) ?? (acc.lastSpeakingTimeMs !== null && acc.lastSpeakingTimeMs > 0 ? time(acc.lastSpeakingTimeMs) : null);
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
    const hasTurn = w.e2eLatencyMs !== null || userMessageId !== null;
    const metadata = messageMetrics(metrics);
    metadata['e2eDerived'] = w.e2eDerived;
    const data: MessageAddedData = {
      messageId,
      conversationId: this.conversationId,
      role: 'assistant',
      content,
      // Order a transcript by when speech started: an interrupted reply arrives after the user's interruption.
      createdAt: startedSpeakingAt ?? itemCreatedAt,
      sttConfidence: null,
      processingTimeMs: w.e2eLatencyMs,
      llmModel: usage.model,
      llmTokensInput: usage.calls > 0 ? usage.tokensInput : null,
      llmTokensOutput: usage.calls > 0 ? usage.tokensOutput : null,
      llmCostUsd: usage.llmCostUsd,
      usageCounted: false,
      interrupted,
      interruptedBy: interrupted ? 'user' : null,
      language: null,
      itemId,
      slaThresholdMs: this.slaThresholdMs,
      implausible: w.implausible,
      metadata,
    };
    const out: NewEvent[] = [{ type: 'message_added', callId: this.callId, occurredAt: at, data }];
    if (hasTurn)
      out.push({
        type: 'turn_completed',
        callId: this.callId,
        occurredAt: at,
        data: {
          conversationId: this.conversationId,
          turnId: messageId,
          userMessageId,
          assistantMessageId: messageId,
          startedAt: userStoppedAt ?? itemCreatedAt ?? at,
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
          slaThresholdMs: this.slaThresholdMs,
          costUsd: usage.costUsd,
        },
      });
    if (userMessageId === this.lastUserMessageId) {
      this.lastUserMessageId = null;
      this.lastUserMetrics = null;
    }
    // Cut short, and the user has not spoken since this reply's turn: wait for who cut it.
    if (interrupted && this.userMessages === this.userMessagesAtReply(speech)) {
      this.pendingCut = out;
      return [];
    }
    return out;
  }

  /** User messages seen when the reply's speech was answering its own (none after it). */
  private userMessagesAtReply(speech: SpeechTurn | null): number {
    if (!speech) return this.userMessages;
    return speech.userMessageId === null ? speech.userMessagesBefore : speech.userMessagesBefore + 1;
  }

  /** Releases the reply held by `pendingCut`, as cut by the user or by the session closing. */
  private settleCut(byClose: boolean): NewEvent[] {
    const out = this.pendingCut ?? [];
    this.pendingCut = null;
    if (!byClose) return out;
    return out.map((e): NewEvent => {
      if (e.type === 'message_added') return { ...e, data: { ...e.data, interruptedBy: 'session_close' } };
      if (e.type === 'turn_completed') return { ...e, data: { ...e.data, outcome: outcomeOf(true, true) } };
      return e;
    });
  }

  /** The speech `speechId`, remembered from now on (the oldest forgotten past MAX_SPEECHES). */
  private speech(speechId: string): SpeechTurn {
    let speech = this.speeches.get(speechId);
    if (!speech) {
      speech = {
        items: null,
        userMessagesBefore: this.userMessages,
        userMessageId: null,
        userMetrics: null,
        acc: emptyTurn(),
        usage: emptyUsage(),
        answered: false,
      };
      this.speeches.set(speechId, speech);
      this.speechList.push(speech);
      if (this.speeches.size > MAX_SPEECHES) {
        this.speeches.delete(this.speeches.keys().next().value!);
        this.speechList.shift();
      }
    }
    return speech;
  }

  /**
   * The speech that answers the user message now arriving: the newest one created since the
   * previous user message (LiveKit creates the reply's speech, then emits the user message).
   */
  private speechAwaitingUser(): SpeechTurn | null {
    const all = this.speechList;
    for (let i = all.length - 1; i >= 0; i--) {
      const s = all[i]!;
      if (s.userMessagesBefore < this.userMessages) return null;
      if (s.userMessageId === null && !s.answered) return s;
    }
    return null;
  }

  /**
   * The speech an assistant message belongs to: the one whose handle holds the item (LiveKit adds
   * it there before it emits the event), else the oldest unanswered one that has metrics (replies
   * finish in order; an interrupted reply arrives after the user turn that cut it).
   */
  private speechOf(itemId: string | null): SpeechTurn | null {
    const all = this.speechList;
    // Newest first: the reply's own speech is almost always the last one created.
    if (itemId !== null)
      for (let i = all.length - 1; i >= 0; i--) {
        const items = all[i]!.items;
        if (items) for (let j = items.length - 1; j >= 0; j--) if (items[j]?.id === itemId) return all[i]!;
      }
    for (const s of all) if (!s.answered && (s.usage.calls > 0 || s.acc.llmTtftMs !== null)) return s;
    return null;
  }

  /** A user turn the session ended before answering (closed, or failed on an error). */
  private unansweredTurn(userMessageId: string, at: number, failed: boolean): NewEvent {
    const m = this.lastUserMetrics ?? {};
    const parts = waterfall({
      endOfTurnDelayMs: secToMs(m['endOfTurnDelay']),
      transcriptionDelayMs: secToMs(m['transcriptionDelay']),
      onUserTurnCompletedDelayMs: secToMs(m['onUserTurnCompletedDelay']),
      llmTtftMs: null,
      ttsTtfbMs: null,
      playbackLatencyMs: null,
      e2eLatencyMs: null,
    });
    this.lastUserMessageId = null;
    this.lastUserMetrics = null;
    return {
      type: 'turn_completed',
      callId: this.callId,
      occurredAt: at,
      data: {
        conversationId: this.conversationId,
        turnId: this.newId(),
        userMessageId,
        assistantMessageId: null,
        startedAt: time(secToMs(m['stoppedSpeakingAt'])) ?? at,
        endOfTurnDelayMs: parts.endOfTurnDelayMs,
        transcriptionDelayMs: parts.transcriptionDelayMs,
        onUserTurnCompletedDelayMs: parts.onUserTurnCompletedDelayMs,
        llmTtftMs: null,
        ttsTtfbMs: null,
        playbackLatencyMs: null,
        e2eLatencyMs: null,
        e2eDerived: false,
        unattributedMs: null,
        outcome: failed ? 'failed' : 'session_closed',
        implausible: parts.implausible,
        slaThresholdMs: this.slaThresholdMs,
        costUsd: null,
      },
    };
  }

  private handoff(it: Record<string, unknown>, at: number): NewEvent[] {
    const agentName = str(it['newAgentId']);
    if (!this.conversationStarted) return this.ensureConversation(at, agentName);
    const ended: NewEvent = {
      type: 'conversation_ended',
      callId: this.callId,
      occurredAt: at,
      data: { conversationId: this.conversationId, summary: null },
    };
    this.conversationId = this.newId();
    this.conversationStarted = false;
    return [ended, ...this.ensureConversation(at, agentName)];
  }

  private transcribed(ev: SessionEventLike, at: number): NewEvent[] {
    if (ev['isFinal'] !== true) {
      this.interimCount++;
      return [];
    }
    this.language = str(ev['language']) ?? this.language;
    return this.session('user_input_transcribed', at, {
      transcript: str(ev['transcript']),
      isFinal: true,
      language: str(ev['language']),
      itemId: str(ev['itemId']),
      speakerId: str(ev['speakerId']),
      interimTranscripts: this.interimCount,
    });
  }

  private tools(ev: SessionEventLike, at: number): NewEvent[] {
    const calls = Array.isArray(ev['functionCalls']) ? (ev['functionCalls'] as Record<string, unknown>[]) : [];
    const outputs = Array.isArray(ev['functionCallOutputs']) ? (ev['functionCallOutputs'] as Record<string, unknown>[]) : [];
    const out = this.ensureConversation(at);
    calls.forEach((call, i) => {
      const output = outputs[i];
      const started = time(call['createdAt']);
      const finished = time(output?.['createdAt']);
      out.push({
        type: 'tool_executed',
        callId: this.callId,
        occurredAt: at,
        data: {
          messageId: this.newId(),
          conversationId: this.conversationId,
          toolCallId: str(call['callId']),
          name: str(call['name']) ?? 'unknown',
          arguments: str(call['args']) ?? '',
          output: str(output?.['output']),
          isError: output?.['isError'] === true,
          durationMs: started !== null && finished !== null ? Math.max(0, finished - started) : null,
          createdAt: started,
        },
      });
    });
    return out;
  }

  private metrics(m: unknown, at: number): NewEvent[] {
    const metrics = m as Record<string, unknown> | null;
    if (!metrics || typeof metrics['type'] !== 'string') return [];
    const kind = METRICS_KIND[metrics['type']] ?? 'other';
    const meta = (metrics['metadata'] ?? {}) as Record<string, unknown>;
    const provider = str(meta['modelProvider']);
    const model = str(meta['modelName']);
    const speechId = str(metrics['speechId']);
    const d: MetricsRecordedData = {
      conversationId: this.conversationId,
      kind,
      speechId,
      requestId: str(metrics['requestId']),
      provider,
      model,
      latencyMs: null,
      durationMs: latency(metrics['durationMs']),
      tokensInput: null,
      tokensCachedInput: null,
      tokensOutput: null,
      audioDurationMs: null,
      characters: null,
      costUsd: null,
      priceVersion: null,
      raw: toPlainObject(metrics),
    };
    const speech = speechId ? this.speech(speechId) : null;
    const acc = speech ? speech.acc : this.turn;
    switch (kind) {
      case 'llm':
        d.latencyMs = latency(metrics['ttftMs']);
        d.tokensInput = count(metrics['promptTokens']);
        d.tokensCachedInput = count(metrics['promptCachedTokens']);
        d.tokensOutput = count(metrics['completionTokens']);
        if (acc.llmTtftMs === null) acc.llmTtftMs = d.latencyMs;
        break;
      case 'realtime':
        d.latencyMs = latency(metrics['ttftMs']);
        d.tokensInput = count(metrics['inputTokens']);
        d.tokensCachedInput = count((metrics['inputTokenDetails'] as Record<string, unknown> | undefined)?.['cachedTokens']);
        d.tokensOutput = count(metrics['outputTokens']);
        break;
      case 'stt':
        d.latencyMs = latency(metrics['durationMs']);
        d.audioDurationMs = num(metrics['audioDurationMs']);
        break;
      case 'tts':
        d.latencyMs = latency(metrics['ttfbMs']);
        d.audioDurationMs = num(metrics['audioDurationMs']);
        d.characters = count(metrics['charactersCount']);
        if (acc.ttsTtfbMs === null) acc.ttsTtfbMs = d.latencyMs;
        break;
      case 'eou':
        d.latencyMs = latency(metrics['endOfUtteranceDelayMs']);
        acc.eouDelayMs = d.latencyMs;
        acc.transcriptionDelayMs = latency(metrics['transcriptionDelayMs']);
        acc.onUserTurnCompletedDelayMs = latency(metrics['onUserTurnCompletedDelayMs']);
        acc.lastSpeakingTimeMs = latency(metrics['lastSpeakingTimeMs']);
        break;
      default:
        break;
    }
    if (kind === 'llm' || kind === 'realtime' || kind === 'stt' || kind === 'tts') {
      // `d` itself, its kind narrowed (a `{ ...d, kind }` copy cost several µs in the listener).
      d.costUsd = costOf(this.pricing, d as MetricsRecordedData & { kind: UsageKind });
      d.priceVersion = this.pricing.version;
    }
    if (kind === 'llm' || kind === 'realtime' || kind === 'tts') chargeReply(speech ? speech.usage : this.usage, d);
    return [...this.ensureConversation(at), { type: 'metrics_recorded', callId: this.callId, occurredAt: at, data: d }];
  }

  private error(ev: SessionEventLike, at: number): NewEvent[] {
    return [
      ...this.ensureConversation(at),
      {
        type: 'error_occurred',
        callId: this.callId,
        occurredAt: at,
        data: {
          conversationId: this.conversationId,
          source: str(ev['source']),
          errorType: str(ev['errorType']),
          message: str(ev['message']) ?? 'unknown error',
          recoverable: ev['recoverable'] === true,
        },
      },
    ];
  }

  private close(ev: SessionEventLike, at: number): NewEvent[] {
    this.closed = true;
    const reason = str(ev['reason']);
    const errorText = str(ev['error']);
    const out = [...this.ensureConversation(at), ...this.settleCut(true)];
    // The user spoke last and the session ended before any answer: that turn is in the record too.
    if (this.lastUserMessageId !== null) out.push(this.unansweredTurn(this.lastUserMessageId, at, errorText !== null));
    out.push(
      { type: 'conversation_ended', callId: this.callId, occurredAt: at, data: { conversationId: this.conversationId, summary: null } },
      {
        type: 'call_ended',
        callId: this.callId,
        occurredAt: at,
        data: { status: reason === 'error' || errorText !== null ? 'failed' : 'completed', reason, error: errorText },
      },
    );
    return out;
  }
}

/** A count the store can hold (tokens, characters): a whole number from 0 to 2^53; else null. */
function count(v: unknown): number | null {
  const n = num(v);
  return n === null || n < 0 || n > Number.MAX_SAFE_INTEGER ? null : Math.round(n);
}

/** A timestamp the store can hold: finite, 0 to year 275760, whole milliseconds; else null. */
function time(v: unknown): number | null {
  const n = num(v);
  return n === null || n < 0 || n > 8.64e15 ? null : Math.round(n);
}

/** Adds one metrics record's usage to the reply it belongs to. */
function chargeReply(u: ReplyUsage, d: MetricsRecordedData): void {
  if (d.costUsd !== null) u.costUsd = (u.costUsd ?? 0) + d.costUsd;
  if (d.kind === 'tts') return;
  u.calls++;
  u.model = d.model ?? u.model;
  u.tokensInput += d.tokensInput ?? 0;
  u.tokensOutput += d.tokensOutput ?? 0;
  // One unpriced call makes the LLM cost of the reply unknown, not smaller.
  u.llmCostUsd = d.costUsd === null || (u.calls > 1 && u.llmCostUsd === null) ? null : (u.llmCostUsd ?? 0) + d.costUsd;
}

/** `<key>Ms` for each metrics key, made once (no string built per message). */
const MS_KEYS = new Map<string, string>();
const msKey = (k: string): string => {
  let key = MS_KEYS.get(k);
  if (key === undefined) {
    key = `${k}Ms`;
    if (MS_KEYS.size < 256) MS_KEYS.set(k, key);
  }
  return key;
};

/** ChatMessage.metrics (seconds) as milliseconds, for the message's metadata. */
function messageMetrics(m: Record<string, unknown>): JsonObject {
  const out: JsonObject = {};
  for (const k in m) {
    if (!Object.hasOwn(m, k) || k === '__proto__') continue;
    const v = m[k];
    if (k === 'providerRequestIds') out[k] = toPlain(v);
    else if (typeof v === 'number') out[msKey(k)] = secToMs(v);
  }
  return out;
}
