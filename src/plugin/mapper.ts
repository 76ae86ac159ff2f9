import { randomUUID } from 'node:crypto';
import type { JsonObject, MessageAddedData, NewEvent } from '../events/types.js';
import { time } from './coerce.js';
import { chargeReply, chargesReply, messageMetrics, metricsData } from './metrics.js';
import { num, str, toPlainObject } from './plain.js';
import { DEFAULT_PRICING, type PricingTable } from './pricing.js';
import { replyEvents, unansweredTurnEvent } from './reply.js';
import { EVENT_ENVELOPE, snapshotEvent, type SessionEventLike, type SessionEventSnapshot } from './snapshot.js';
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
          const speech = this.speeches.get(speechId, this.userMessages);
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
      const speech = this.speeches.awaitingUser(this.userMessages);
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
      { messageId, content, itemCreatedAt, interrupted, itemId, metrics },
      { callId: this.callId, conversationId: this.conversationId, slaThresholdMs: this.slaThresholdMs, acc, usage, userMessageId, userMetrics },
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
    const c = { callId: this.callId, conversationId: this.conversationId, slaThresholdMs: this.slaThresholdMs };
    return unansweredTurnEvent(c, this.newId(), userMessageId, m, at, failed);
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
    const metrics = m as (Record<string, unknown> & { type: string }) | null;
    if (!metrics || typeof metrics['type'] !== 'string') return [];
    const speechId = str(metrics['speechId']);
    const speech = speechId ? this.speeches.get(speechId, this.userMessages) : null;
    const d = metricsData(metrics, this.conversationId, this.pricing, speech ? speech.acc : this.turn);
    if (chargesReply(d)) chargeReply(speech ? speech.usage : this.usage, d);
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
