import type { DataSource } from 'typeorm';
import { resolveAnalysis, type AnalysisOptions, type ResolvedAnalysis } from '../analysis/options.js';
import { analyzeCall, analyzeStoredCalls, type AnalysisResult, type AnalyzeCallsResult } from '../analysis/run.js';
import { createCallOutcomeRecordedEvent, createCallTaggedEvent } from '../events/create.js';
import type { CallOutcome } from '../events/types.js';
import type { CallsToAnalyzeFilter } from '../queries/transcript.js';
import { loadConfig, type StoreConfig } from '../config/config.js';
import { createLog, type Log } from '../config/log.js';
import type { NewEvent } from '../events/types.js';
import { ConversationLogError, invalidArgument } from '../errors.js';
import { cleanupOldData, type CleanupResult } from '../store/cleanup.js';
import { getConversationHistory, type HistoryMessage } from '../queries/history.js';
import { getCallStatistics, type CallStatistics } from '../queries/statistics.js';
import { select } from '../queries/sql.js';
import { searchMessages, type SearchOptions, type SearchResult } from '../queries/search.js';
import { runHandedOn } from '../store/after-listener.js';
import { createDataSource, discardDataSource, openSqliteWrites, prepareSqliteStore } from '../store/data-source.js';
import { EventStore } from '../store/event-store.js';
import { MigrationManager } from '../store/migration-manager.js';
import { openReadOnly } from '../store/read-only.js';
import { rebuildProjections, type RebuildOptions, type RebuildResult } from '../store/rebuild.js';
import type { EnqueueOptions, EventSink } from '../store/sink.js';
import { DEFAULT_CLOSE_TIMEOUT_MS, type CloseOptions, type CloseReport, type FlushOptions, type WriterStats } from '../store/writer.js';
import { eventRedactor } from '../redact/redact-event.js';
import { WebhookDeliverer, type WebhookDeliveryReport } from '../webhooks/deliverer.js';
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

/** How long `deliverWebhooks` sends at most by default (ms). */
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 5_000;

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
export class ConversationLogger implements EventSink {
  readonly config: StoreConfig;
  readonly log: Log;
  readonly store: EventStore;
  /** The DataSource of the latest attempt to open the database (the open one once it opened). */
  private ownedDataSource: DataSource;
  private opened: DataSource | null = null;
  /** The attempt under way; after a failure the next batch or read starts another. */
  private opening: Promise<DataSource> | null;
  private closing: Promise<CloseReport> | null = null;
  private closed = false;
  /** The read replica, once opened (`readUrl`). */
  private reading: Promise<DataSource> | null = null;
  /** Applied to every event before it is queued; null when no redaction is configured. */
  private readonly redact: ((event: NewEvent) => NewEvent) | null;
  private deliverer: WebhookDeliverer | null = null;
  /** Webhook passes started by `endCall`, stopped by `close()`. */
  private readonly deliveries = new Set<Promise<unknown>>();
  private readonly stopDeliveries = new AbortController();
  /** The post-call analysis configured, or null. */
  private readonly analysis: ResolvedAnalysis | null;
  /** Analyses under way (after `endCall()`), awaited by {@link flushAnalyses} and `close()`. */
  private readonly analysing = new Set<Promise<unknown>>();

  /** Use {@link ConversationLogger.open} or {@link getConversationLogger}. */
  constructor(options: ConversationLoggerOptions = {}) {
    const { log, redaction, analysis, ...overrides } = options;
    this.redact = eventRedactor(redaction);
    this.analysis = analysis === undefined ? null : resolveAnalysis(analysis);
    this.config = loadConfig(overrides);
    this.log = log ?? createLog(this.config.logLevel);
    this.ownedDataSource = createDataSource(this.config, this.log, { prepare: false });
    this.opening = this.attemptOpen(this.ownedDataSource);
    // The writer retries its batches with backoff (and jitter) while the database cannot be
    // opened; each retry opens it again, so writes queue (bounded) through an outage at start.
    this.store = new EventStore(() => this.ready(), this.config, this.log);
  }

  /**
   * The open, migrated DataSource; while there is none, the attempt under way, or a new one
   * (rejects `DB_UNAVAILABLE`, retryable, when it cannot open).
   */
  private ready(): Promise<DataSource> {
    if (this.opened !== null) return Promise.resolve(this.opened);
    if (this.closed) return Promise.reject(new ConversationLogError('LOGGER_CLOSED', 'The logger is closed; open a new one.'));
    return (this.opening ??= this.attemptOpen(createDataSource(this.config, this.log, { prepare: false })));
  }

  private attemptOpen(ds: DataSource): Promise<DataSource> {
    this.ownedDataSource = ds;
    const attempt = this.openDataSource(ds).then(
      async (opened) => {
        if (this.closed) {
          // Opened after close() gave up: nothing will use it.
          await discardDataSource(opened);
          throw new ConversationLogError('LOGGER_CLOSED', 'The logger is closed; open a new one.');
        }
        this.opened = opened;
        return opened;
      },
      async (error: unknown) => {
        if (this.opening === attempt) this.opening = null;
        await discardDataSource(ds);
        throw error;
      },
    );
    // Keep an unhandled rejection from crashing the process; open(), batches and reads surface it.
    attempt.catch(() => undefined);
    return attempt;
  }

  /**
   * Opens a logger: validates the configuration, opens the database and applies migrations.
   *
   * @throws ConversationLogError `CONFIG_INVALID`, `DB_UNAVAILABLE`, `MIGRATION_FAILED`
   */
  static async open(options: ConversationLoggerOptions = {}): Promise<ConversationLogger> {
    const logger = new ConversationLogger(options);
    try {
      await logger.opening;
    } catch (error) {
      logger.closed = true;
      await logger.store.close({ timeoutMs: 0 }).catch(() => undefined);
      await discardDataSource(logger.ownedDataSource);
      throw error;
    }
    return logger;
  }

  private async openDataSource(ds: DataSource): Promise<DataSource> {
    try {
      prepareSqliteStore(this.config, this.log);
      await ds.initialize();
    } catch (error) {
      throw new ConversationLogError(
        'DB_UNAVAILABLE',
        `Cannot open the ${this.config.dialect} database named by DATABASE_URL (${(error as Error).message.replace(/\.+$/, '')}). ${
          this.config.dialect === 'sqlite'
            ? 'Check that its directory can be created and written'
            : 'Check that it is running, reachable and created'
        }; writes queue meanwhile (bounded), and the next write or read opens it again.`,
        { field: 'DATABASE_URL', retryable: true, cause: error },
      );
    }
    const result = await new MigrationManager(ds).migrateToLatest();
    if (!result.ok) throw result.error;
    await openSqliteWrites(ds, this.config);
    if (result.applied.length) this.log.info('conversation log schema migrated', { applied: result.applied });
    return ds;
  }

  /**
   * The opened TypeORM DataSource (for your own reads). While the database cannot be opened,
   * tries again and rejects `DB_UNAVAILABLE` (retryable) if it still cannot.
   */
  async dataSource(): Promise<DataSource> {
    return this.ready();
  }

  /**
   * The DataSource reads go to: the read replica when `readUrl` (`CONVERSATION_LOG_READ_URL`) is
   * set — opened on first use, read-only, its schema checked — else the same as
   * {@link dataSource}. A replica shows what it has replayed: a write acknowledged a moment ago
   * may not be there yet.
   *
   * @throws ConversationLogError `DB_UNAVAILABLE` (field `CONVERSATION_LOG_READ_URL`) when the
   *   replica cannot be opened, `SCHEMA_BEHIND` when it has not replayed the migrations yet
   */
  async readDataSource(): Promise<DataSource> {
    if (this.config.readUrl === null) return this.ready();
    if (this.closed) throw new ConversationLogError('LOGGER_CLOSED', 'the logger is closed: open a new one to read.');
    this.reading ??= openReadOnly(this.config, this.log).catch((error: unknown) => {
      this.reading = null;
      throw error;
    });
    return this.reading;
  }

  /** The migration manager of this logger's database. */
  async migrations(): Promise<MigrationManager> {
    return new MigrationManager(await this.ready());
  }

  // --- EventSink -----------------------------------------------------------------------------

  enqueue(event: NewEvent, options?: EnqueueOptions): boolean {
    if (this.redact === null) return this.store.enqueue(event, options);
    let redacted: NewEvent;
    try {
      redacted = this.redact(event);
    } catch {
      this.log.error('conversation log event dropped: the redaction hook failed on it', { eventType: event.type });
      return false;
    }
    return this.store.enqueue(redacted, options);
  }

  append(event: NewEvent): Promise<void> {
    const appended = this.appendEvent(event);
    // A completed analysis queued the call's `analysis_completed` reports (in its transaction): sent now, best effort.
    if (event.type !== 'analysis_completed' || event.callId === null || this.config.webhooks.length === 0) return appended;
    const callId = event.callId;
    return appended.then(() => this.analysisCompleted(callId));
  }

  private appendEvent(event: NewEvent): Promise<void> {
    if (this.redact === null) return this.store.append(event);
    let redacted: NewEvent;
    try {
      redacted = this.redact(event);
    } catch (error) {
      // Never write what could not be redacted. The hook's message may quote the text: not repeated.
      return Promise.reject(
        new ConversationLogError(
          'STORE_REJECTED',
          `The redaction hook failed on this ${event.type} event, so it was not written; fix the hook (it must return a string).`,
          { cause: error },
        ),
      );
    }
    return this.store.append(redacted);
  }

  /**
   * Resolves once everything logged before the call is committed — including session events the
   * plugin's listeners have copied but not yet mapped (that runs once per loop turn after the
   * listeners): a `flush()` right after `session.close()` covers the close.
   *
   * @param options.timeoutMs wait at most this long: then the promise rejects `FLUSH_TIMEOUT`
   *   (retryable) and the events stay queued. Without it, `flush()` waits until they are written,
   *   keeping the process alive while it waits.
   */
  flush(options: FlushOptions = {}): Promise<void> {
    let timeoutMs: number | undefined;
    try {
      timeoutMs = v.optionalTimeout('timeoutMs', v.requireOptions('options', options)['timeoutMs']);
    } catch (error) {
      return Promise.reject(error);
    }
    runHandedOn();
    return this.store.flush(timeoutMs === undefined ? {} : { timeoutMs });
  }

  /**
   * Writer counters: queued, appended, rejected, dropped, failed flushes, degraded, lock waits
   * (waits on another writer that committed), lost (`STORE_LOST`), abandoned (`WRITE_ABANDONED`).
   */
  getWriterStats(): WriterStats {
    return this.store.getStats();
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

  /** The configured analysis, or `options` (over it); `CONFIG_INVALID` when there is neither. */
  private analysisFor(options: AnalysisOptions | undefined): ResolvedAnalysis {
    if (options !== undefined) return resolveAnalysis(options);
    if (this.analysis === null)
      throw new ConversationLogError(
        'CONFIG_INVALID',
        'No analysis is configured: open the logger with { analysis: { llm, criteria, schema } } or pass the options here.',
        { field: 'analysis' },
      );
    return this.analysis;
  }

  /**
   * Analyses one ended call now (its events flushed first) and stores the result as
   * `analysis_completed` or `analysis_failed`; resolves with it. A failing or slow LLM is a
   * `failed` result, not a rejection.
   *
   * @throws ConversationLogError `UNKNOWN_CALL`; `INVALID_ARGUMENT` for a call still active; `CONFIG_INVALID` without analysis options
   */
  async analyzeCall(callId: string, options?: AnalysisOptions): Promise<AnalysisResult> {
    const analysis = this.analysisFor(options);
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
    const resolved = this.analysisFor(analysis);
    await this.flush();
    return analyzeStoredCalls(this, resolved, which, onProgress);
  }

  /** Resolves once every analysis started after an `endCall()` has stored its result. */
  async flushAnalyses(): Promise<void> {
    while (this.analysing.size > 0) await Promise.allSettled([...this.analysing]);
  }

  /** Runs the configured analysis of an ended call off the caller's path; its failures are stored or logged, never thrown. */
  private analyzeInBackground(callId: string): void {
    const analysis = this.analysis;
    if (analysis === null || this.closing !== null) return;
    const task = analyzeCall(this, callId, analysis).then(
      () => undefined,
      (error: unknown) => this.log.warn('post-call analysis not stored', { callId, error: (error as Error).message }),
    );
    this.analysing.add(task);
    void task.finally(() => this.analysing.delete(task));
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

  // --- Webhooks -------------------------------------------------------------------------------

  /**
   * The deliverer of this logger's webhook outbox, over its configured `webhooks` (the
   * endpoints `convlog webhooks deliver` sends to).
   */
  webhookDeliverer(): WebhookDeliverer {
    return (this.deliverer ??= new WebhookDeliverer({
      dataSource: () => this.ready(),
      dialect: this.config.dialect,
      endpoints: this.config.webhooks,
      runExclusive: (fn) => this.store.exclusive(fn),
      log: this.log,
    }));
  }

  /**
   * Sends the webhook deliveries that are due — only as far as `callId`'s when given (the
   * earlier deliveries of an endpoint go first, to keep its order) — and resolves with what
   * it did, within `timeoutMs` (default 5 000): no request outlives it. What is not
   * acknowledged stays in the outbox for a later pass or `convlog webhooks deliver`.
   */
  async deliverWebhooks(options: { callId?: string; timeoutMs?: number } = {}): Promise<WebhookDeliveryReport> {
    const o = v.requireOptions('options', options);
    const timeoutMs = v.optionalTimeout('timeoutMs', o['timeoutMs']) ?? DEFAULT_WEBHOOK_TIMEOUT_MS;
    const callId = o['callId'] === undefined ? undefined : v.requireId('callId', o['callId']);
    return this.webhookDeliverer().deliverPending({
      ...(callId === undefined ? {} : { callId }),
      deadline: Date.now() + timeoutMs,
      signal: this.stopDeliveries.signal,
    });
  }

  /**
   * Once the analysis of a call is stored (the logger calls it itself when an `analysis_completed`
   * is appended through it): delivers the reports it made due
   * (`analysis_completed`, see `WEBHOOK_TRIGGERS`) in the background, as `endCall` does for
   * `call_ended`; `close()` waits for it (bounded).
   */
  analysisCompleted(callId: string): void {
    if (this.config.webhooks.length > 0) this.deliverInBackground(v.requireId('callId', callId));
  }

  private deliverInBackground(callId: string): void {
    if (this.closing !== null) return;
    const pass: Promise<unknown> = this.deliverWebhooks({ callId })
      .catch((error: unknown) => this.log.warn('webhook delivery at call end failed', { error: (error as Error).message }))
      .finally(() => this.deliveries.delete(pass));
    this.deliveries.add(pass);
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
    return getConversationHistory(await this.ready(), id, limit);
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
   * go too, those inside `recordingsDir` only. Returns rows deleted per table.
   */
  async cleanupOldData(
    options: { retentionDays?: number; batchCalls?: number; targetBatchMs?: number; onProgress?: (n: number) => void } = {},
  ): Promise<CleanupResult> {
    const o = v.requireOptions('options', options);
    const retentionDays = o['retentionDays'] === undefined ? this.config.retentionDays : (o['retentionDays'] as number);
    const ds = await this.ready();
    return cleanupOldData(ds, this.config.dialect, {
      retentionDays,
      ...(options.batchCalls === undefined ? {} : { batchCalls: options.batchCalls }),
      ...(options.targetBatchMs === undefined ? {} : { targetBatchMs: options.targetBatchMs }),
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
    const ds = await this.ready();
    return this.store.exclusive(() => rebuildProjections(ds, this.config.dialect, onProgress, options));
  }

  /**
   * Flushes everything queued, then closes the database and the writer's thread, within
   * `timeoutMs` (default 10 000 ms, well inside LiveKit's 60 s job shutdown). Resolves with what
   * it could not write: `{ timedOut, unwritten }` — at the timeout the events still queued are
   * given up (their promises reject `WRITE_ABANDONED`, not retryable) and counted. Idempotent
   * (a second call returns the first one's promise).
   */
  close(options: CloseOptions = {}): Promise<CloseReport> {
    let timeoutMs: number;
    try {
      timeoutMs = v.optionalTimeout('timeoutMs', v.requireOptions('options', options)['timeoutMs']) ?? DEFAULT_CLOSE_TIMEOUT_MS;
    } catch (error) {
      return Promise.reject(error);
    }
    this.closing ??= (async () => {
      const deadline = Date.now() + timeoutMs;
      // Analyses under way store their result first, within the deadline.
      if (this.analysing.size > 0) {
        let wait: NodeJS.Timeout | undefined;
        await Promise.race([
          this.flushAnalyses(),
          new Promise<void>((r) => (wait = setTimeout(r, Math.max(0, deadline - Date.now())))),
        ]).finally(() => clearTimeout(wait));
      }
      // Session events already emitted are mapped and queued before the queue closes.
      runHandedOn();
      // Webhook passes under way finish (their own bound) before the store closes, no later than half the budget.
      if (this.deliveries.size > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          Promise.allSettled([...this.deliveries]),
          new Promise<void>((r) => (timer = setTimeout(r, Math.max(0, Math.floor(timeoutMs / 2))))),
        ]).finally(() => clearTimeout(timer));
        this.stopDeliveries.abort();
      }
      const report = await this.store.close({ timeoutMs });
      // No open is started from now on; one under way is discarded when it ends.
      this.closed = true;
      const replica = await this.reading?.catch(() => null);
      if (replica) await replica.destroy().catch(() => undefined);
      const ds = this.opened;
      if (ds !== null) {
        let timer: NodeJS.Timeout | undefined;
        // A pool with a query stuck on a dead connection is not waited for past the deadline.
        await Promise.race([
          discardDataSource(ds),
          new Promise<void>((r) => (timer = setTimeout(r, Math.max(0, deadline - Date.now())))),
        ]).finally(() => clearTimeout(timer));
      }
      return report;
    })();
    return this.closing;
  }
}
