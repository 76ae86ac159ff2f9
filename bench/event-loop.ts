import { voice } from '@livekit/agents';
import { EventEmitter } from 'node:events';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { attachConversationLog, type ConversationLogHandle } from '../src/plugin/attach.js';
import type { EventSink } from '../src/store/sink.js';
import { TURN_MS } from './calls.js';
import { closeEvent, turnScript, type SessionEvent } from './workload.js';

/** The installed @livekit/agents' session event types (the plugin listens to each; so does a keep-only listener). */
const SESSION_EVENT_TYPES = Object.values(voice.AgentSessionEventTypes) as string[];

export interface LoadOptions {
  /** Calls in progress at once. */
  calls: number;
  /** How much faster than real time the calls run (a turn every 2 s / speed). */
  speed: number;
  /** Turns per call; a finished call is replaced by a new one. */
  turnsPerCall: number;
  durationMs: number;
  /**
   * Logging off, but each session has a listener that only keeps the event (pushes it onto an
   * array emptied once per loop turn): what any listener costs under this load, the floor of
   * the plugin's listener time.
   */
  keepOnly?: boolean;
  /** Prefix of the call ids (distinct per run when runs share a store). */
  idPrefix?: string;
  /** Called every 100 ms with the time since the load started. */
  onTick?: (elapsedMs: number) => void;
}

export interface LoadResult {
  /** `monitorEventLoopDelay` (1 ms resolution) p99 and max, ms. */
  p99Ms: number;
  maxMs: number;
  /** p50, p90, p95, p98, p99, p99.5, p99.9 of the delay, ms. */
  percentilesMs: number[];
  /** Session events emitted, and per emit the time the session's listeners took (µs). */
  emitted: number;
  listenerUs: Float64Array;
  /** The same times by LiveKit event type. */
  listenerUsByType: Map<string, number[]>;
  /** Of the listener's time, what the sink's `enqueue` took (µs per stored event). */
  enqueueUs: Float64Array;
  peakRssMb: number;
  /** Calls started during the run. */
  callsStarted: number;
}

/**
 * An agent process under load: `calls` concurrent sessions (plain EventEmitters emitting
 * LiveKit's own event objects, about 20 per turn at the times LiveKit would, sped up), each with
 * a 20 ms audio frame to process, as a voice agent has. With a `sink`, each session is recorded
 * by the real plugin listener (`attachConversationLog`) into it.
 */
export async function runLoad(options: LoadOptions, sink: EventSink | null): Promise<LoadResult> {
  const turnMs = TURN_MS / options.speed;
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  const listenerUs = new Float64Array(2_000_000);
  const listenerUsByType = new Map<string, number[]>();
  const enqueueUs = new Float64Array(2_000_000);
  let enqueued = 0;
  let emitted = 0;
  // The sink, timed: what the store's enqueue costs inside the listener.
  const timed: EventSink | null = sink && {
    enqueue: (event, options) => {
      const t0 = performance.now();
      const ok = sink.enqueue(event, options);
      if (enqueued < enqueueUs.length) enqueueUs[enqueued++] = (performance.now() - t0) * 1000;
      return ok;
    },
    append: (event) => sink.append(event),
    flush: () => sink.flush(),
  };
  let callsStarted = 0;
  let stopping = false;
  let peakRss = process.memoryUsage.rss();
  const timers = new Set<NodeJS.Timeout>();
  const handles: Array<Promise<void>> = [];

  const later = (fn: () => void, ms: number) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  // A frame of 20 ms of 24 kHz audio per call: the work that must not wait.
  const frame = new Int16Array(480);
  const audio = setInterval(() => {
    for (let c = 0; c < options.calls; c++) {
      let energy = 0;
      for (let i = 0; i < frame.length; i++) energy += frame[i]! * frame[i]!;
      frame[c % frame.length] = energy & 0xff;
    }
  }, 20);
  const started = performance.now();
  let ticks = 0;
  const rss = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    if (options.onTick && ++ticks % 2 === 0) options.onTick(performance.now() - started);
  }, 50);

  const kept: SessionEvent[] = [];
  let keptScheduled = false;
  const forget = () => {
    keptScheduled = false;
    kept.length = 0;
  };
  const keep = (ev: SessionEvent) => {
    kept.push(ev);
    if (!keptScheduled) {
      keptScheduled = true;
      setImmediate(forget);
    }
  };

  const emit = (session: EventEmitter, ev: SessionEvent) => {
    const t0 = performance.now();
    session.emit(ev.type, ev);
    const us = (performance.now() - t0) * 1000;
    if (emitted < listenerUs.length) listenerUs[emitted] = us;
    emitted++;
    const byType = listenerUsByType.get(ev.type);
    if (byType) byType.push(us);
    else listenerUsByType.set(ev.type, [us]);
  };

  /** One call: its turns at `turnMs` intervals, then `close`, then the next call in its slot. */
  const startCall = async (slot: number) => {
    if (stopping) return;
    const session = new EventEmitter();
    if (!sink && options.keepOnly) for (const type of SESSION_EVENT_TYPES) session.on(type, keep);
    const callId = `${options.idPrefix ?? 'loop'}-${slot}-${callsStarted++}`;
    let handle: ConversationLogHandle | null = null;
    if (timed) handle = await attachConversationLog(session, undefined, { callId, sink: timed, room: `room-${callId}` });
    const playTurn = (turn: number) => {
      if (stopping) return;
      if (turn === options.turnsPerCall) {
        emit(session, closeEvent(Date.now()));
        if (handle) handles.push(handle.close());
        later(() => void startCall(slot), 0);
        return;
      }
      const at = Date.now();
      // Each event object is built when it is emitted, as LiveKit does (outside the timed emit).
      // Whole milliseconds: Node runs timers of equal delay in the order they were set, but timers
      // of fractional delays less than 1 ms apart can run out of order (a reply's metrics before
      // the speech_created that makes its speech handle).
      for (const ev of turnScript(turn, at))
        later(() => !stopping && emit(session, ev.make()), Math.round(Math.max(0, ev.createdAt - at) / options.speed));
      later(() => playTurn(turn + 1), turnMs);
    };
    playTurn(0);
  };

  histogram.enable();
  // Calls start spread over one turn, so their turns do not all land at once.
  for (let slot = 0; slot < options.calls; slot++) later(() => void startCall(slot), (slot * turnMs) / options.calls);
  await new Promise((r) => setTimeout(r, options.durationMs));
  histogram.disable();
  stopping = true;
  for (const t of timers) clearTimeout(t);
  clearInterval(audio);
  clearInterval(rss);
  await Promise.all(handles);
  return {
    p99Ms: histogram.percentile(99) / 1e6,
    percentilesMs: [50, 90, 95, 98, 99, 99.5, 99.9].map((p) => histogram.percentile(p) / 1e6),
    maxMs: histogram.max / 1e6,
    emitted,
    listenerUs: listenerUs.subarray(0, Math.min(emitted, listenerUs.length)),
    listenerUsByType,
    enqueueUs: enqueueUs.subarray(0, enqueued),
    peakRssMb: peakRss / 2 ** 20,
    callsStarted,
  };
}
