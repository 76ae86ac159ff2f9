import { randomUUID } from 'node:crypto';
import { resolveAnalysis } from '../analysis/options.js';
import { analyzeCall, type AnalysisResult, type AnalysisStore } from '../analysis/run.js';
import type { CallOutcome, NewEvent } from '../events/types.js';
import { getConversationLogger } from '../logger/global.js';
import { optionalTimeout } from '../logger/validate.js';
import { metricsRecorderFor, type MetricsOptions } from '../metrics/index.js';
import { eventRedactor } from '../redact/redact-event.js';
import type { EventSink } from '../store/sink.js';
import { eventFilter, storeOverrides, type ConversationLogConfig } from './config.js';
import { afterListener, runHandedOn } from '../store/after-listener.js';
import { KNOWN_EVENTS, loadAgentsInfo } from './agents-info.js';
import { prewarmedLogger, type JobProcessLike } from './prewarm.js';
import { SessionMapper } from './mapper.js';
import { snapshotEvent, type SessionEventLike, type SessionEventSnapshot } from './snapshot.js';
import { mergePricing } from './pricing.js';
import { createCallOutcomeRecordedEvent, createCallStartedEvent, createCallTaggedEvent } from '../events/create.js';
import { defaultRelease } from '../config/release.js';
import { currentAgentHash } from './agent-hash.js';
import { recorderOf, recordingAvailable } from './recording.js';
import path from 'node:path';

/** Any AgentSession-like emitter: `voice.AgentSession`, or a plain EventEmitter in tests. */
export interface SessionLike {
  on(event: string, listener: (ev: SessionEventLike) => void): unknown;
  off(event: string, listener: (ev: SessionEventLike) => void): unknown;
}

/** The parts of a LiveKit `JobContext` the plugin reads. */
export interface JobContextLike {
  job?: { id?: string; room?: { name?: string }; agentName?: string };
  room?: {
    name?: string;
    remoteParticipants?: Map<string, { identity?: string; attributes?: Record<string, string> }>;
  };
  agent?: { identity?: string };
  /** The job process; `prewarmConversationLog` leaves the logger in its `userData`. */
  proc?: JobProcessLike;
  addShutdownCallback?(callback: () => Promise<void>): void;
}

export interface AttachOptions extends ConversationLogConfig {
  /** The call id; default: the job id, else the room name, else a UUID. */
  callId?: string;
  /** The room name when there is no job context (tests, console mode). */
  room?: string;
  callerNumber?: string;
  agentName?: string;
  /** Write here instead of the prewarmed or the process-wide logger (`getConversationLogger()`). */
  sink?: EventSink;
  metadata?: Record<string, string | number | boolean | null>;
  /**
   * Also record the call's metrics live in this process: Prometheus histograms and counters in
   * `metrics.registry` (`true`: prom-client's default registry), and LiveKit's `lk.agents.turn.*`
   * histograms on `metrics.meterProvider`. The same metrics `convlog serve` exposes at `/metrics`.
   */
  metrics?: MetricsOptions | boolean;
  /**
   * The agent's release this call runs (a version, a deploy id, a commit): what `convlog diff`
   * compares. Default: `CONVERSATION_LOG_RELEASE`, else the git commit of the working directory
   * (read once per process), else none. Null: none.
   */
  release?: string | null;
  /**
   * How long `close()` — run by the job's shutdown callback — waits for the call's events to be
   * written (ms, default 10 000, well inside LiveKit's 60 s shutdown deadline). Past it the
   * shutdown goes on; the events stay queued (the process-wide logger gives up on them, counted,
   * when it closes at exit).
   */
  shutdownTimeoutMs?: number;
  /**
   * With `webhooks` configured: how long `close()` — the job's shutdown callback — then sends the
   * call's report at most (ms, default 5 000), after its events are written. Past it the close
   * goes on; the outbox keeps the report for `convlog webhooks deliver` (or `convlog serve`).
   */
  webhookTimeoutMs?: number;
}

/** How long the shutdown callback waits for the call's events by default. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;
/** How long the shutdown callback sends the call's webhooks by default. */
export const DEFAULT_WEBHOOK_SHUTDOWN_MS = 5_000;

/** What {@link attachConversationLog} returns. */
export interface ConversationLogHandle {
  readonly callId: string;
  /** The current conversation (a new one after each agent handoff). */
  readonly conversationId: string;
  /** Resolves once everything logged so far is committed. */
  flush(): Promise<void>;
  /**
   * Stops listening, ends the call if the session did not (reason `job_shutdown`), and flushes,
   * for at most `shutdownTimeoutMs`: past it, rejects `FLUSH_TIMEOUT` (the events stay queued).
   * Then, with webhooks configured, sends the call's report for at most `webhookTimeoutMs`.
   */
  close(): Promise<void>;
  /**
   * Puts a tag on the call (1–64 characters, e.g. `refund`), during the call or after: a
   * `call_tagged` event (`convlog calls --tag refund`, success rate by tag). Queued, never awaited.
   *
   * @throws ConversationLogError `INVALID_ARGUMENT` for a bad tag (nothing is queued)
   */
  tag(tag: string): void;
  /**
   * The agent's own verdict on its call, `success` or `fail`, with a reason (a later one replaces
   * it): a `call_outcome_recorded` event, distinct from the analysis LLM's verdict.
   *
   * @throws ConversationLogError `INVALID_ARGUMENT` for another outcome (nothing is queued)
   */
  outcome(outcome: CallOutcome, reason?: string): void;
  /**
   * Resolves with the call's post-call analysis once it is stored (after the call ended), or null
   * when no `analysis` is configured (or the store cannot read calls back). Never rejects: a
   * failed analysis resolves with `status: 'failed'`.
   */
  analysis(): Promise<AnalysisResult | null>;
}

/** A sink the analysis can read calls back from (a `ConversationLogger`), or null. */
const analysisStoreOf = (sink: EventSink): AnalysisStore | null =>
  typeof (sink as Partial<AnalysisStore>).dataSource === 'function' ? (sink as EventSink & AnalysisStore) : null;

/** The caller's number from the SIP participant's attributes, when there is one. */
function sipCallerNumber(ctx: JobContextLike | undefined): string | null {
  for (const p of ctx?.room?.remoteParticipants?.values() ?? []) {
    const n = p.attributes?.['sip.phoneNumber'];
    if (n) return n;
  }
  return null;
}

/**
 * Records a LiveKit AgentSession: starts a call for the room, a conversation per agent (a new
 * one on handoff), logs every session event, and ends both on `close` (also registered as a
 * job shutdown callback, so a killed job still flushes).
 *
 * @remarks
 * Attach before `session.start()`. The listener only copies the event's data out of LiveKit's
 * objects (plain data, see `snapshotEvent`) and hands it on: no I/O, no await, nothing thrown
 * into the session. The mapping to log events (turns, latencies, costs) runs once per turn of
 * the event loop, after the listeners returned; `flush()` and `close()` run it first. If the store fails the session goes
 * on; the failure shows in the logs and in `system_events` once the store is writable. The
 * shutdown callback waits for the call's events at most `shutdownTimeoutMs` (10 000 ms).
 * With `analysis` set, the call is analysed once its end is stored (never on the session's path;
 * `handle.analysis()` resolves with the result), and the shutdown callback then waits for that
 * analysis. `handle.tag()` and `handle.outcome()` label the call from the agent's own code.
 * When the session records audio (`record: true`), the recording is linked to the call once the
 * session has closed it (`recording_available`; copied into `recordings.dir` when configured).
 *
 * @throws ConversationLogError `INVALID_ARGUMENT` for a `shutdownTimeoutMs` that is not a whole
 *   number of ms from 0 to 2^31 - 1; `CONFIG_INVALID` for bad `analysis` options.
 *
 * @example
 * ```ts
 * export default defineAgent({
 *   entry: async (ctx) => {
 *     const session = new voice.AgentSession({ llm, stt, tts });
 *     const log = await attachConversationLog(session, ctx, config);
 *     await session.start({ agent: new MyAgent(), room: ctx.room });
 *   },
 * });
 * ```
 */
export async function attachConversationLog(
  session: SessionLike,
  ctx: JobContextLike | undefined,
  options: AttachOptions = {},
): Promise<ConversationLogHandle> {
  // Checked first: a bad timeout would otherwise surface only at shutdown, as a flush that never ran.
  const shutdownTimeoutMs = optionalTimeout('shutdownTimeoutMs', options.shutdownTimeoutMs) ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
  const webhookTimeoutMs = optionalTimeout('webhookTimeoutMs', options.webhookTimeoutMs) ?? DEFAULT_WEBHOOK_SHUTDOWN_MS;
  const sink = options.sink ?? prewarmedLogger(ctx?.proc) ?? getConversationLogger(storeOverrides(options));
  const info = await loadAgentsInfo();
  const callId = options.callId ?? ctx?.job?.id ?? ctx?.room?.name ?? randomUUID();
  const room = options.room ?? ctx?.room?.name ?? ctx?.job?.room?.name ?? null;
  const sla = storeOverrides(options).slaThresholdMs;
  const mapper = new SessionMapper({
    callId,
    ...(sla === undefined ? {} : { slaThresholdMs: sla }),
    pricing: mergePricing(options.pricing),
    keepSessionEvents: eventFilter(options.events),
    // Once per conversation: the agent running when it starts (a handoff starts a new one).
    instructionsHash: () => currentAgentHash(session),
  });

  // Never let logging break the session: a store that throws loses its events, not the call.
  // (The writer reports store failures itself, in the logs and in system_events.)
  const redact = eventRedactor(options.redaction);
  const recorder = metricsRecorderFor(options.metrics, sla);
  // Checked now: a bad analysis config is an error at attach, not a silent nothing after the call.
  const analysis = options.analysis === undefined ? null : resolveAnalysis(options.analysis, options.pricing);
  const analysisStore = analysisStoreOf(sink);
  let analysisTask: Promise<AnalysisResult | null> | null = null;
  // What handle.analysis() gives: settled by the analysis once the call has ended.
  let settleAnalysis: (task: Promise<AnalysisResult | null>) => void = () => undefined;
  const analysisDone = new Promise<AnalysisResult | null>((resolve) => (settleAnalysis = resolve));
  // After the call's end is stored, off the session's path: nothing the analysis does reaches the call.
  const startAnalysis = () => {
    if (analysis === null || !analysis.auto || analysisStore === null || analysisTask !== null) return;
    analysisTask = (async () => {
      // A store that cannot take the call's end within the shutdown budget gets no analysis now
      // (convlog analyze runs it later); nothing waits on a store that is down.
      await sink.flush({ timeoutMs: shutdownTimeoutMs });
      return analyzeCall(analysisStore, callId, analysis);
    })().catch(() => null);
    settleAnalysis(analysisTask);
  };
  // The mapper's events are built for the log and never touched again: handed over, so the
  // store serialises them where it appends them (its writer thread), not on this one.
  const owned = { owned: true };
  const write = (events: NewEvent[], handOver = true) => {
    for (const e of events) {
      try {
        const queued = sink.enqueue(redact ? redact(e) : e, handOver ? owned : undefined);
        recorder?.record(e, queued);
        if (e.type === 'call_ended' && queued) queueMicrotask(startAnalysis);
      } catch {
        // dropped: the sink could not take it
      }
    }
  };
  // The call's start carries the caller's own metadata object: a snapshot, taken now.
  write(
    [
      createCallStartedEvent({
        callId,
        callerNumber: options.callerNumber ?? sipCallerNumber(ctx),
        livekitRoom: room,
        jobId: ctx?.job?.id ?? null,
        agentId: ctx?.agent?.identity ?? null,
        agentName: options.agentName ?? ctx?.job?.agentName ?? null,
        agentsVersion: info.version,
        metadata: options.metadata ?? null,
        release: options.release === undefined ? defaultRelease() : options.release === null ? null : String(options.release).slice(0, 255),
      }),
    ],
    false,
  );

  const map = (snapshot: SessionEventSnapshot) => {
    try {
      write(mapper.mapSnapshot(snapshot));
    } catch {
      // An event the mapper cannot read is not worth a broken session.
    }
  };
  // In the listener: copy the event's data out of LiveKit's objects; the mapping runs after it returned.
  const listener = (ev: SessionEventLike) => {
    try {
      afterListener(map, snapshotEvent(ev));
    } catch {
      // An event that cannot even be copied is not worth a broken session.
    }
  };
  const types = [...new Set([...KNOWN_EVENTS, ...info.events])];
  for (const t of types) session.on(t, listener);

  // The session's audio recording (`record: true`): once the recorder has closed (before the
  // session's `close` event), its file is copied into the recordings directory if one is
  // configured and a `recording_available` event names it. Off the audio path: after the call.
  const envDir = process.env['CONVERSATION_LOG_RECORDINGS_DIR']?.trim();
  const recordingsDir = envDir ? path.resolve(envDir) : options.recordings?.dir ? path.resolve(options.recordings.dir) : null;
  let recordingNoted: Promise<void> | null = null;
  const noteRecording = () => {
    const recorder = recorderOf(session);
    if (recorder === null || recorder.recording === true) return;
    recordingNoted ??= recordingAvailable(callId, recorder, recordingsDir).then(
      (event) => {
        if (event) write([event]);
      },
      () => undefined, // a recording that cannot be read or copied is left unlinked, the call is not
    );
  };

  let closing: Promise<void> | null = null;
  const handle: ConversationLogHandle = {
    callId,
    get conversationId() {
      runHandedOn();
      return mapper.currentConversationId;
    },
    flush: () => {
      runHandedOn();
      return sink.flush();
    },
    close: () =>
      (closing ??= (async () => {
        for (const t of types) session.off(t, listener);
        runHandedOn();
        if (!mapper.isClosed) write(mapper.end('job_shutdown', Date.now()));
        noteRecording();
        if (recordingNoted) await recordingNoted;
        await sink.flush({ timeoutMs: shutdownTimeoutMs });
        // Best effort, bounded: what is not acknowledged stays in the outbox for a deliverer.
        await sink.deliverWebhooks?.({ callId, timeoutMs: webhookTimeoutMs }).catch(() => undefined);
      })()),
    tag: (tag) => write([createCallTaggedEvent({ callId, tag })], false),
    outcome: (outcome, reason) => write([createCallOutcomeRecordedEvent({ callId, outcome, reason: reason ?? null })], false),
    analysis: () => (analysis === null || !analysis.auto || analysisStore === null ? Promise.resolve(null) : analysisDone),
  };
  // Stop listening once the session closed: LiveKit emits late events (user away ~15 s later).
  session.on('close', () => {
    queueMicrotask(() => {
      for (const t of types) session.off(t, listener);
    });
    noteRecording();
  });
  // A shutdown callback must not throw: a store that cannot flush has already reported why. The
  // call's events are flushed first; then the job process waits for the analysis under way.
  ctx?.addShutdownCallback?.(async () => {
    await handle.close().catch(() => undefined);
    await analysisTask;
  });
  return handle;
}
