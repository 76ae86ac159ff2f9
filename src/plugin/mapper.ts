import { randomUUID } from 'node:crypto';
import {
  createCallEndedEvent,
  createConversationEndedEvent,
  createConversationStartedEvent,
  createSessionEvent,
} from '../events/create.js';
import type { JsonObject, NewEvent } from '../events/types.js';
import { time } from './coerce.js';
import { errorEvent, messageEvent, toolEvents, type ItemContext } from './item-events.js';
import { chargeReply, chargesReply, messageMetrics, metricsEvent } from './metrics.js';
import { str, toPlainObject } from './plain.js';
import { DEFAULT_PRICING, type PricingTable } from './pricing.js';
import { replyEvents, unansweredTurnEvent } from './reply.js';
import { EVENT_ENVELOPE, snapshotEvent, type ItemSnapshot, type SessionEventLike, type SessionEventSnapshot } from './snapshot.js';
import { emptyTurn, emptyUsage, Speeches, type ReplyUsage, type SpeechTurn, type TurnAccumulator } from './speeches.js';
import { outcomeOf } from './turns.js';

/** What the mapper needs to know about the call it maps for. */
export interface MapperOptions {
  callId: string;
  slaThresholdMs?: number;
  pricing?: PricingTable;
  /** LiveKit event types to keep as `session_event`s (all by default); messages, tools, metrics, errors and close are always kept. */
  keepSessionEvents?: (type: string) => boolean;
  /** Id factory (tests pass a deterministic one). */
  newId?: () => string;
  /**
   * The instructions hash of the agent now running (see `instructionsHash`), read once per
   * conversation when it starts; null when unknown. The plugin reads the session's current agent.
   */
  instructionsHash?: () => string | null;
}

export type { SessionEventLike, SessionEventSnapshot };

/** Events that say nothing about who cut a reply short (they follow any cut). */
const INCONCLUSIVE = new Set(['agent_state_changed', 'metrics_collected', 'session_usage_updated']);

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
  private readonly agentHash: () => string | null;
  /** The STT model the session's STT metrics last named. */
  private sttModel: string | null = null;
  private interimCount = 0;
  private language: string | null = null;
  private lastUserMessageId: string | null = null;
  private lastUserMetrics: Record<string, unknown> | null = null;
  /** Metrics events without a speech id: the fallback where neither message nor speech tells. */
  private turn: TurnAccumulator = emptyTurn();
  private usage: ReplyUsage = emptyUsage();
  /** The agent's recent speeches. */
  private readonly speeches = new Speeches();
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
    this.agentHash = options.instructionsHash ?? (() => null);
    this.conversationId = this.newId();
  }

  /** The call, the conversation now open and the SLA: what every item's events carry. */
  private context(): ItemContext {
    return { callId: this.callId, conversationId: this.conversationId, slaThresholdMs: this.slaThresholdMs };
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
   * copies in the session's listener and maps after it returned). Its fields are used as copied:
   * the snapshot made them storable, the mapper only joins and builds (with the event factories).
   */
  mapSnapshot(ev: SessionEventSnapshot): NewEvent[] {
    if (this.closed) return [];
    // A time the store can hold (whole ms since 1970); else the last good one: never lose the event over its clock.
    const at = (this.lastAt = time(ev.createdAt) ?? (this.lastAt || Date.now()));
    if (this.pendingCut && ev.type !== 'close' && !INCONCLUSIVE.has(ev.type)) return [...this.settleCut(false), ...this.route(ev, at)];
    return this.route(ev, at);
  }

  /** The one switch over LiveKit's event types: each variant of the snapshot to its events. */
  private route(ev: SessionEventSnapshot, at: number): NewEvent[] {
    switch (ev.type) {
      case 'conversation_item_added':
        return this.item(ev.item, at);
      case 'user_input_transcribed':
        return this.transcribed(ev, at);
      case 'function_tools_executed':
        return this.tools(ev, at);
      case 'metrics_collected':
        return this.metrics(ev.metrics, at);
      case 'error':
        return [...this.ensureConversation(at), errorEvent(this.context(), ev, at)];
      case 'close':
        return this.close(ev.reason, ev.error, at);
      case 'user_state_changed':
      case 'agent_state_changed':
        // A quarter of all session events: their two fields, copied as one literal.
        return this.session(ev.type, at, { oldState: ev.oldState, newState: ev.newState });
      case 'speech_created': {
        const speechId = ev.speechId;
        if (speechId) {
          const speech = this.speeches.get(speechId, this.userMessages);
          if (ev.chatItems) speech.items = ev.chatItems;
        }
        return this.session('speech_created', at, { source: ev.source, userInitiated: ev.userInitiated, speechId });
      }
      case 'session_usage_updated':
        // The plain-data report the listener kept (see snapshotEvent), copied now.
        return this.session(ev.type, at, toPlainObject(ev.report, 3, EVENT_ENVELOPE));
      case 'other':
        return this.session(ev.name, at, ev.payload);
    }
  }

  /**
   * Events that end the call when the session goes away without a `close` event (job
   * shutdown, process exit).
   */
  end(reason: string, at: number): NewEvent[] {
    return this.close(reason, null, at);
  }

  private ensureConversation(at: number, agentName: string | null = null): NewEvent[] {
    if (this.conversationStarted) return [];
    this.conversationStarted = true;
    let hash: string | null = null;
    try {
      hash = this.agentHash();
    } catch {
      // An agent that cannot be read has no hash, not a broken session.
    }
    return [
      createConversationStartedEvent({
        callId: this.callId,
        occurredAt: at,
        conversationId: this.conversationId,
        agentName,
        ...(hash === null ? {} : { instructionsHash: hash }),
      }),
    ];
  }

  private session(name: string, at: number, payload: JsonObject): NewEvent[] {
    if (name !== 'agent_false_interruption' && !this.keep(name)) return [];
    const out = this.ensureConversation(at);
    out.push(createSessionEvent({ callId: this.callId, occurredAt: at, conversationId: this.conversationId, name, payload }));
    return out;
  }

  private item(it: ItemSnapshot | null, at: number): NewEvent[] {
    if (!it) return [];
    if (it.type === 'agent_handoff') return this.handoff(it.newAgentId, at);
    if (it.type === 'other') return this.session('conversation_item_added', at, { item: it.item });
    const metrics = it.metrics;
    const out = this.ensureConversation(at);
    const messageId = this.newId();
    const createdAt = time(it.createdAt);
    if (it.role === 'user') {
      this.lastUserMessageId = messageId;
      this.lastUserMetrics = metrics;
      const speech = this.speeches.awaitingUser(this.userMessages);
      if (speech) {
        speech.userMessageId = messageId;
        speech.userMetrics = metrics;
      }
      this.userMessages++;
      const metadata = messageMetrics(metrics);
      metadata['interimTranscripts'] = this.interimCount;
      this.interimCount = 0;
      out.push(messageEvent(this.context(), messageId, 'user', it, createdAt, it.transcriptConfidence, this.language, metadata, at));
      return out;
    }
    if (it.role !== 'assistant') {
      out.push(messageEvent(this.context(), messageId, 'system', it, createdAt, null, null, null, at));
      return out;
    }
    const reply = this.assistant(messageId, it, createdAt, at);
    if (out.length === 0) return reply;
    for (const e of reply) out.push(e);
    return out;
  }

  private assistant(messageId: string, it: ItemSnapshot & { type: 'message' }, itemCreatedAt: number | null, at: number): NewEvent[] {
    const itemId = it.id;
    const interrupted = it.interrupted;
    // The message's own metrics first, then its speech's (joined by speechId), then the loose ones.
    const speech = this.speeches.of(itemId);
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
    const out = replyEvents(
      { messageId, content: it.content, itemCreatedAt, interrupted, itemId, metrics: it.metrics },
      {
        callId: this.callId,
        conversationId: this.conversationId,
        slaThresholdMs: this.slaThresholdMs,
        acc,
        usage,
        userMessageId,
        userMetrics,
        sttModel: this.sttModel,
      },
      at,
    );
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

  /** A user turn the session ended before answering (closed, or failed on an error). */
  private unansweredTurn(userMessageId: string, at: number, failed: boolean): NewEvent {
    const m = this.lastUserMetrics ?? {};
    this.lastUserMessageId = null;
    this.lastUserMetrics = null;
    const c = { callId: this.callId, conversationId: this.conversationId, slaThresholdMs: this.slaThresholdMs, sttModel: this.sttModel };
    return unansweredTurnEvent(c, this.newId(), userMessageId, m, at, failed);
  }

  private handoff(agentName: string | null, at: number): NewEvent[] {
    if (!this.conversationStarted) return this.ensureConversation(at, agentName);
    const ended = createConversationEndedEvent({ callId: this.callId, occurredAt: at, conversationId: this.conversationId });
    this.conversationId = this.newId();
    this.conversationStarted = false;
    return [ended, ...this.ensureConversation(at, agentName)];
  }

  private transcribed(ev: SessionEventSnapshot & { type: 'user_input_transcribed' }, at: number): NewEvent[] {
    if (!ev.isFinal) {
      this.interimCount++;
      return [];
    }
    this.language = ev.language ?? this.language;
    return this.session('user_input_transcribed', at, {
      transcript: ev.transcript,
      isFinal: true,
      language: ev.language,
      itemId: ev.itemId,
      speakerId: ev.speakerId,
      interimTranscripts: this.interimCount,
    });
  }

  private tools(ev: SessionEventSnapshot & { type: 'function_tools_executed' }, at: number): NewEvent[] {
    const out = this.ensureConversation(at);
    for (const e of toolEvents(this.context(), ev.functionCalls, ev.functionCallOutputs, at, () => this.newId())) out.push(e);
    return out;
  }

  private metrics(m: unknown, at: number): NewEvent[] {
    const metrics = m as (Record<string, unknown> & { type: string }) | null;
    if (!metrics || typeof metrics['type'] !== 'string') return [];
    const speechId = str(metrics['speechId']);
    const speech = speechId ? this.speeches.get(speechId, this.userMessages) : null;
    const e = metricsEvent(metrics, this.callId, this.conversationId, this.pricing, speech ? speech.acc : this.turn, at);
    if (e.data.kind === 'stt' && e.data.model !== null) this.sttModel = e.data.model;
    if (chargesReply(e.data)) chargeReply(speech ? speech.usage : this.usage, e.data);
    return [...this.ensureConversation(at), e];
  }

  private close(reason: string | null, errorText: string | null, at: number): NewEvent[] {
    this.closed = true;
    const out = [...this.ensureConversation(at), ...this.settleCut(true)];
    // The user spoke last and the session ended before any answer: that turn is in the record too.
    if (this.lastUserMessageId !== null) out.push(this.unansweredTurn(this.lastUserMessageId, at, errorText !== null));
    out.push(
      createConversationEndedEvent({ callId: this.callId, occurredAt: at, conversationId: this.conversationId }),
      createCallEndedEvent({
        callId: this.callId,
        occurredAt: at,
        status: reason === 'error' || errorText !== null ? 'failed' : 'completed',
        reason,
        error: errorText,
      }),
    );
    return out;
  }
}
