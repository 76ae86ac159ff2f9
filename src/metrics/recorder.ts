import type { EventDataByType, EventType } from '../events/types.js';
import { isPlausibleMs, responseTimeOf } from '../projections/rules.js';
import type { CounterKey, TurnHistogramKey } from './definitions.js';

/** Label values by label name. */
export type Labels = Record<string, string>;

/** Where the recorder's observations go: prom-client metrics, OpenTelemetry instruments. */
export interface MetricsTarget {
  /** One latency, in seconds, of the histogram `key`. */
  observe(key: TurnHistogramKey, labels: Labels, seconds: number): void;
  /** Adds `value` (> 0) to the counter `key`. */
  add(key: CounterKey, labels: Labels, value: number): void;
}

/** The part of an event the recorder reads: a new event as the plugin builds it, or one read back from the log. */
export type RecordableEvent = {
  [K in EventType]: { type: K; callId: string | null; data: EventDataByType[K] };
}[EventType];

interface Model {
  provider: string;
  name: string;
}

interface CallState {
  agent: string;
  llm: Model;
  tts: Model;
  stt: Model;
}

const NO_MODEL: Model = { provider: '', name: '' };

/** Calls remembered at most (the oldest is forgotten first), for calls whose end never arrives. */
const MAX_CALLS = 10_000;

/**
 * Turns log events into metric observations. It keeps, per call in progress, what labels need
 * (the agent's name, the models last used) and forgets the call when it ends; no label ever
 * carries a call id.
 *
 * @remarks
 * The end-to-end latency, the SLA violations and their outcome come from assistant messages'
 * response times (what `convlog stats` aggregates, so a quantile over the histogram agrees with
 * its percentiles); the other turn latencies from `turn_completed`. Implausible values (negative,
 * over 120 s) are left out, as the aggregates leave them out. Tokens and cost come from
 * `metrics_recorded` and from messages that count their own usage.
 */
export class MetricsRecorder {
  private readonly calls = new Map<string, CallState>();

  constructor(private readonly targets: readonly MetricsTarget[]) {}

  /**
   * Records one event. Never throws for an event it does not know. `queued: false` says the
   * store's queue did not take it (counted as dropped).
   */
  record(event: RecordableEvent, queued = true): void {
    if (!queued) this.add('eventsDropped', {}, 1);
    const call = this.state(event.callId);
    switch (event.type) {
      case 'call_started':
        if (event.data.agentName) call.agent = event.data.agentName;
        break;
      case 'conversation_started':
        if (!call.agent && event.data.agentName) call.agent = event.data.agentName;
        break;
      case 'metrics_recorded': {
        const d = event.data;
        const model = { provider: d.provider ?? '', name: d.model ?? '' };
        if (d.kind === 'llm' || d.kind === 'realtime') call.llm = model;
        else if (d.kind === 'tts') call.tts = model;
        else if (d.kind === 'stt') call.stt = model;
        this.usage(call, model, d.tokensInput, d.tokensCachedInput, d.tokensOutput, d.costUsd);
        break;
      }
      case 'message_added': {
        const d = event.data;
        if (d.role !== 'assistant') break;
        const model = d.llmModel && d.llmModel !== call.llm.name ? { provider: '', name: d.llmModel } : call.llm;
        if (d.usageCounted) this.usage(call, model, d.llmTokensInput, null, d.llmTokensOutput, d.llmCostUsd);
        if (d.interrupted && d.interruptedBy !== 'session_close') this.add('interruptions', { agent_name: call.agent }, 1);
        const rt = responseTimeOf(d);
        if (rt === null) break;
        const labels = { agent_name: call.agent, model_provider: model.provider, model_name: model.name };
        this.observe('e2eLatencyMs', { ...labels, outcome: d.interrupted ? 'interrupted' : 'completed' }, rt);
        if (d.slaThresholdMs !== null && rt > d.slaThresholdMs) this.add('slaViolations', labels, 1);
        break;
      }
      case 'turn_completed': {
        const d = event.data;
        const labels = (m: Model) => ({ agent_name: call.agent, model_provider: m.provider, model_name: m.name, outcome: d.outcome });
        this.add('turns', labels(call.llm), 1);
        if (d.implausible) break;
        this.observe('llmTtftMs', labels(call.llm), d.llmTtftMs);
        this.observe('ttsTtfbMs', labels(call.tts), d.ttsTtfbMs);
        this.observe('transcriptionDelayMs', labels(call.stt), d.transcriptionDelayMs);
        this.observe('endOfTurnDelayMs', labels(call.llm), d.endOfTurnDelayMs);
        this.observe('onUserTurnCompletedDelayMs', labels(call.llm), d.onUserTurnCompletedDelayMs);
        break;
      }
      case 'tool_executed': {
        const labels = { agent_name: call.agent, tool_name: event.data.name };
        this.add('toolCalls', labels, 1);
        if (event.data.isError) this.add('toolErrors', labels, 1);
        break;
      }
      case 'session_event':
        if (event.data.name === 'agent_false_interruption') this.add('falseInterruptions', { agent_name: call.agent }, 1);
        break;
      case 'error_occurred':
        this.add('errors', { agent_name: call.agent, recoverable: String(event.data.recoverable) }, 1);
        break;
      case 'system_event_logged':
        if (event.data.eventType === 'events_dropped') this.add('eventsDropped', {}, event.data.count ?? 1);
        break;
      case 'call_ended':
        this.add('calls', { agent_name: call.agent, status: event.data.status, end_reason: event.data.reason ?? '' }, 1);
        if (event.callId !== null) this.calls.delete(event.callId);
        break;
      default:
        break;
    }
  }

  /** Tells the recorder a call's agent name learned elsewhere (e.g. from the store, for a call that began before). */
  knowAgent(callId: string, agentName: string | null): void {
    const call = this.state(callId);
    if (agentName && !call.agent) call.agent = agentName;
  }

  /** Whether the recorder has seen anything of this call. */
  knows(callId: string): boolean {
    return this.calls.has(callId);
  }

  private state(callId: string | null): CallState {
    if (callId === null) return { agent: '', llm: NO_MODEL, tts: NO_MODEL, stt: NO_MODEL };
    let call = this.calls.get(callId);
    if (call === undefined) {
      if (this.calls.size >= MAX_CALLS) this.calls.delete(this.calls.keys().next().value!);
      call = { agent: '', llm: NO_MODEL, tts: NO_MODEL, stt: NO_MODEL };
      this.calls.set(callId, call);
    }
    return call;
  }

  private usage(
    call: CallState,
    model: Model,
    input: number | null,
    cached: number | null,
    output: number | null,
    cost: number | null,
  ): void {
    const labels = { agent_name: call.agent, model_provider: model.provider, model_name: model.name };
    if (input) this.add('tokens', { ...labels, type: 'input' }, input);
    if (cached) this.add('tokens', { ...labels, type: 'cached_input' }, cached);
    if (output) this.add('tokens', { ...labels, type: 'output' }, output);
    if (cost) this.add('cost', labels, cost);
  }

  private observe(key: TurnHistogramKey, labels: Labels, ms: number | null): void {
    if (!isPlausibleMs(ms)) return;
    for (const t of this.targets) t.observe(key, labels, ms / 1000);
  }

  private add(key: CounterKey, labels: Labels, value: number): void {
    if (!(value > 0) || !Number.isFinite(value)) return;
    for (const t of this.targets) t.add(key, labels, value);
  }
}
