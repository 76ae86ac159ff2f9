import type { AnalysisOptions } from '../analysis/options.js';
import { analyzeCall, analyzeStoredCalls, type AnalysisResult, type AnalyzeCallsResult } from '../analysis/run.js';
import { invalidArgument } from '../errors.js';
import { createCallOutcomeRecordedEvent, createCallTaggedEvent } from '../events/create.js';
import type { CallOutcome, NewEvent } from '../events/types.js';
import { getConversationHistory, type HistoryMessage } from '../queries/history.js';
import { searchMessages, type SearchOptions, type SearchResult } from '../queries/search.js';
import { select } from '../queries/sql.js';
import { getCallStatistics, type CallStatistics } from '../queries/statistics.js';
import type { CallsToAnalyzeFilter } from '../queries/transcript.js';
import { cleanupOldData, type CleanupResult } from '../store/cleanup.js';
import { rebuildProjections, type RebuildOptions, type RebuildResult } from '../store/rebuild.js';
import { analysisFor } from './background-analyses.js';
import { LoggerSink } from './logger-sink.js';
import type {
  ConversationLoggerOptions,
  EndCallOptions,
  EndConversationOptions,
  LogAssistantMessageOptions,
  LogEventOptions,
  LogToolCallOptions,
  LogUserMessageOptions,
  RecordQualityOptions,
  StartCallOptions,
  StartConversationOptions,
} from './options.js';
import * as v from './validate.js';
import {
  assistantMessageEvent,
  endCallEvent,
  endConversationEvent,
  qualityEvent,
  startCallEvent,
  startConversationEvent,
  systemEvent,
  toolCallEvent,
  userMessageEvent,
} from './write-events.js';

export { DEFAULT_WEBHOOK_TIMEOUT_MS } from './webhook-passes.js';

export type {
  ConversationLoggerOptions,
  EndCallOptions,
  EndConversationOptions,
  LogAssistantMessageOptions,
  LogEventOptions,
  LogToolCallOptions,
  LogUserMessageOptions,
  RecordQualityOptions,
  StartCallOptions,
  StartConversationOptions,
} from './options.js';

/**
 * The high-level API: start and end calls and conversations, log messages and events, and
 * read history and statistics. Every write is an event appended to the log (projections
 * updated in the same transaction).
 *
 * @remarks
 * Writes validate their arguments synchronously (a bad argument rejects with
 * `INVALID_ARGUMENT` and nothing is queued), then enqueue and return a promise that settles
 * when the batch commits; no I/O happens on the caller's path. Rejections for state
 * (`UNKNOWN_CALL`, `CALL_ALREADY_ENDED`, …) come from the writer, which checks against the store.
 *
 * @example
 * ```ts
 * const logger = await ConversationLogger.open();
 * await logger.startCall({ callId: 'call-1', callerNumber: '+15550100', livekitRoom: 'room-1' });
 * const conversationId = await logger.startConversation({ callId: 'call-1', aiModel: 'gpt-4o' });
 * await logger.logUserMessage({ conversationId, content: 'Hello?', sttConfidence: 0.95 });
 * await logger.endCall('call-1');
 * await logger.close();
 * ```
 */
export class ConversationLogger extends LoggerSink {
  /** Use {@link ConversationLogger.open} or {@link getConversationLogger}. */
  constructor(options: ConversationLoggerOptions = {}) {
    super(options);
  }

  /**
   * Opens a logger: validates the configuration, opens the database and applies migrations.
   *
   * @throws ConversationLogError `CONFIG_INVALID`, `DB_UNAVAILABLE`, `MIGRATION_FAILED`
   */
  static async open(options: ConversationLoggerOptions = {}): Promise<ConversationLogger> {
    const logger = new ConversationLogger(options);
    try {
      await logger.connection.firstOpen;
    } catch (error) {
      logger.connection.stopOpening();
      await logger.store.close({ timeoutMs: 0 }).catch(() => undefined);
      await logger.connection.discardAttempt();
      throw error;
    }
    return logger;
  }

  // --- Writes ---------------------------------------------------------------------------------

  /** Starts a call; resolves with its id once stored. Rejects `DUPLICATE_CALL` if the id is taken. */
  startCall(options: StartCallOptions = {}): Promise<string> {
    return this.write(() => startCallEvent(options));
  }

  /** Starts a conversation in an active call; resolves with the new conversation id. */
  startConversation(options: StartConversationOptions): Promise<string> {
    return this.write(() => startConversationEvent(options));
  }

  /** Logs what the user said (from STT); resolves with the message id. */
  logUserMessage(options: LogUserMessageOptions): Promise<string> {
    return this.write(() => userMessageEvent(options, this.config.slaThresholdMs));
  }

  /** Logs the agent's answer with its response time and LLM usage; resolves with the message id. */
  logAssistantMessage(options: LogAssistantMessageOptions): Promise<string> {
    return this.write(() => assistantMessageEvent(options, this.config.slaThresholdMs));
  }

  /** Logs a tool (function) call and its result as a `tool` message; resolves with the message id. */
  logToolCall(options: LogToolCallOptions): Promise<string> {
    return this.write(() => toolCallEvent(options));
  }

  /** Records relevance and/or satisfaction scores (any scale you choose) for a conversation. */
  recordQuality(options: RecordQualityOptions): Promise<void> {
    return this.write(() => qualityEvent(options));
  }

  /**
   * Ends a conversation, with an optional summary, now or at `endedAt`. Rejects if it is
   * unknown or already ended, or if `endedAt` is before it started.
   */
  endConversation(options: EndConversationOptions): Promise<void> {
    return this.writeEnd(
      () => endConversationEvent(options),
      options,
      'conversations',
      (e) => (e.data as { conversationId: string }).conversationId,
    );
  }

  /**
   * Ends a call: `completed` unless told otherwise, now or at `endedAt` (a backfilled call
   * keeps its real duration). Rejects `UNKNOWN_CALL`, `CALL_ALREADY_ENDED`, or
   * `INVALID_ARGUMENT` for an `endedAt` before the call started, without touching what is stored.
   * With `webhooks` configured, the call's report is then sent in the background (bounded, see
   * {@link deliverWebhooks}); what is not acknowledged waits in the outbox for a deliverer.
   *
   * @example
   * ```ts
   * const callId = await logger.startCall({ startedAt: Date.parse('2026-11-30T09:00:00Z') });
   * await logger.endCall(callId, { endedAt: Date.parse('2026-11-30T09:04:30Z') }); // lasted 4 min 30 s
   * ```
   */
  endCall(callId: string, options: EndCallOptions = {}): Promise<void> {
    const ended = this.writeEnd(
      () => endCallEvent(callId, options),
      options,
      'calls',
      (e) => e.callId!,
    );
    if (this.analysis?.auto)
      void ended.then(
        () => this.analyzeInBackground(callId),
        () => undefined,
      );
    if (this.config.webhooks.length === 0) return ended;
    return ended.then(() => {
      // The call's report goes out now, best effort, in the background; `close()` waits for it
      // (bounded) and the outbox keeps whatever is not acknowledged for a deliverer.
      this.deliverInBackground(callId);
    });
  }

  // --- Tags, outcomes and post-call analysis -------------------------------------------------

  /**
   * Puts a tag (1–64 characters, e.g. `refund`) on a call, active or ended: stored as a
   * `call_tagged` event; `convlog calls --tag refund` and the success rate by tag read it.
   * Tagging a call twice with the same tag keeps one.
   *
   * @throws ConversationLogError `INVALID_ARGUMENT` for a bad tag; `UNKNOWN_CALL` from the writer
   */
  tagCall(callId: string, tag: string): Promise<void> {
    return this.write(() => [createCallTaggedEvent({ callId: v.requireId('callId', callId), tag }), undefined]);
  }

  /**
   * Records the agent's own verdict on its call, `success` or `fail`, with a reason (a later one
   * replaces it): a `call_outcome_recorded` event, distinct from the analysis LLM's verdict.
   */
  setCallOutcome(callId: string, outcome: CallOutcome, reason?: string | null): Promise<void> {
    return this.write(() => [
      createCallOutcomeRecordedEvent({
        callId: v.requireId('callId', callId),
        outcome,
        reason: v.optionalString('reason', reason, { max: v.MAX_CONTENT_CHARS }),
      }),
      undefined,
    ]);
  }

  /**
   * Analyses one ended call now (its events flushed first) and stores the result as
   * `analysis_completed` or `analysis_failed`; resolves with it. A failing or slow LLM is a
   * `failed` result, not a rejection.
   *
   * @throws ConversationLogError `UNKNOWN_CALL`; `INVALID_ARGUMENT` for a call still active; `CONFIG_INVALID` without analysis options
   */
  async analyzeCall(callId: string, options?: AnalysisOptions): Promise<AnalysisResult> {
    const analysis = analysisFor(this.analysis, options);
    await this.flush();
    return analyzeCall(this, v.requireId('callId', callId), analysis);
  }

  /**
   * Analyses stored calls one by one (what `convlog analyze` runs): ended calls since `from`, or
   * the call `callId`, that have no completed analysis — all of them with `redo`.
   */
  async analyzeCalls(
    filter: CallsToAnalyzeFilter & { analysis?: AnalysisOptions } = {},
    onProgress?: (done: number, total: number) => void,
  ): Promise<AnalyzeCallsResult> {
    const { analysis, ...which } = v.requireOptions('filter', filter) as CallsToAnalyzeFilter & { analysis?: AnalysisOptions };
    const resolved = analysisFor(this.analysis, analysis);
    await this.flush();
    return analyzeStoredCalls(this, resolved, which, onProgress);
  }

  /**
   * An end event: with a time of its own (`endedAt`, a backfill) it is checked against the stored
   * start first — after a flush, so a start written just before is there — and refused
   * (`INVALID_ARGUMENT` naming `endedAt`) if earlier. Ends stamped now are appended as they are.
   */
  private writeEnd(
    build: () => [NewEvent, undefined],
    options: { endedAt?: number } | undefined,
    table: 'calls' | 'conversations',
    idOf: (e: NewEvent) => string,
  ): Promise<void> {
    let event: NewEvent;
    try {
      [event] = build();
    } catch (error) {
      return Promise.reject(error);
    }
    if (options?.endedAt === undefined) return this.append(event);
    return (async () => {
      await this.flush();
      const [row] = await select<{ started_at: unknown }>(await this.dataSource(), `SELECT started_at FROM ${table} WHERE id = ?`, [
        idOf(event),
      ]);
      const startedAt = row === undefined ? null : Number(row.started_at);
      if (startedAt !== null && event.occurredAt < startedAt)
        throw invalidArgument(
          'endedAt',
          `is before the ${table === 'calls' ? 'call' : 'conversation'} started (${new Date(startedAt).toISOString()}); give a later time.`,
        );
      await this.append(event);
    })();
  }

  /** Writes a row to `system_events` (through the log). */
  logEvent(options: LogEventOptions): Promise<void> {
    return this.write(() => systemEvent(options));
  }

  /** Validates synchronously, then appends; a validation error rejects and queues nothing. */
  private write<T>(build: () => [NewEvent, T]): Promise<T> {
    let built: [NewEvent, T];
    try {
      built = build();
    } catch (error) {
      return Promise.reject(error);
    }
    const [event, result] = built;
    return this.append(event).then(() => result);
  }

  // --- Reads ----------------------------------------------------------------------------------

  /**
   * The newest `limit` messages (default 100) of a conversation, oldest first. Always read from
   * the primary (never the replica), so an agent sees the messages it has just logged.
   */
  async getConversationHistory(options: { conversationId: string; limit?: number }): Promise<HistoryMessage[]> {
    const o = v.requireOptions('options', options);
    const id = v.requireId('conversationId', o['conversationId']);
    const limit = o['limit'] === undefined ? 100 : (v.optionalCount('limit', o['limit']) ?? 100);
    return getConversationHistory(await this.connection.ready(), id, limit);
  }

  /**
   * Statistics over the last `hours` (default 24); see {@link CallStatistics} for definitions.
   * Read from the replica when `readUrl` is set (see {@link readDataSource}).
   */
  async getCallStatistics(options: { hours?: number } = {}): Promise<CallStatistics> {
    const o = v.requireOptions('options', options);
    const hours = o['hours'] === undefined ? 24 : (o['hours'] as number);
    return getCallStatistics(await this.readDataSource(), hours);
  }

  /**
   * Full-text search over every stored message (and its call's id and caller number): the
   * matches with a highlighted snippet, newest first or by rank. See {@link searchMessages}.
   * Read from the replica when `readUrl` is set (see {@link readDataSource}).
   *
   * @throws ConversationLogError `INVALID_SEARCH_QUERY` for a query that cannot be parsed
   */
  async searchMessages(options: SearchOptions): Promise<SearchResult> {
    return searchMessages(await this.readDataSource(), options);
  }

  /**
   * Deletes calls older than `retentionDays` (default: the configured
   * `CONVERSATION_LOG_RETENTION_DAYS`) with their events and rows, in short batches that
   * interleave with the writer: at most `batchCalls` calls (25) per transaction, fewer while
   * transactions take longer than `targetBatchMs` (20). The recording files of the deleted calls
   * go too, those inside `recordingsDir` only. On PostgreSQL the months of the log wholly past
   * the cutoff are dropped whole (a partition each) first. `now` (ms UTC, default the clock) is
   * what the retention counts back from. Returns rows deleted per table.
   */
  async cleanupOldData(
    options: { retentionDays?: number; batchCalls?: number; targetBatchMs?: number; now?: number; onProgress?: (n: number) => void } = {},
  ): Promise<CleanupResult> {
    const o = v.requireOptions('options', options);
    const retentionDays = o['retentionDays'] === undefined ? this.config.retentionDays : (o['retentionDays'] as number);
    const ds = await this.connection.ready();
    return cleanupOldData(ds, this.config.dialect, {
      retentionDays,
      ...(options.batchCalls === undefined ? {} : { batchCalls: options.batchCalls }),
      ...(options.targetBatchMs === undefined ? {} : { targetBatchMs: options.targetBatchMs }),
      ...(options.now === undefined ? {} : { now: options.now }),
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
      runBatch: (fn) => this.store.exclusive(fn),
      recordingsDir: this.config.recordingsDir,
    });
  }

  /**
   * Empties the projections and the full-text index and replays the log into them; on
   * PostgreSQL `options.searchConfig` re-indexes with another text search configuration.
   */
  async rebuildProjections(onProgress?: (replayed: number) => void, options: RebuildOptions = {}): Promise<RebuildResult> {
    const ds = await this.connection.ready();
    return this.store.exclusive(() => rebuildProjections(ds, this.config.dialect, onProgress, options));
  }
}
