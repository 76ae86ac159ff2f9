import type { DataSource } from 'typeorm';
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
import { rebuildProjections, type RebuildOptions, type RebuildResult } from '../store/rebuild.js';
import type { EnqueueOptions, EventSink } from '../store/sink.js';
import { DEFAULT_CLOSE_TIMEOUT_MS, type CloseOptions, type CloseReport, type FlushOptions, type WriterStats } from '../store/writer.js';
import { eventRedactor } from '../redact/redact-event.js';
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
  /** Applied to every event before it is queued; null when no redaction is configured. */
  private readonly redact: ((event: NewEvent) => NewEvent) | null;

  /** Use {@link ConversationLogger.open} or {@link getConversationLogger}. */
  constructor(options: ConversationLoggerOptions = {}) {
    const { log, redaction, ...overrides } = options;
    this.redact = eventRedactor(redaction);
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
   *
   * @example
   * ```ts
   * const callId = await logger.startCall({ startedAt: Date.parse('2026-11-30T09:00:00Z') });
   * await logger.endCall(callId, { endedAt: Date.parse('2026-11-30T09:04:30Z') }); // lasted 4 min 30 s
   * ```
   */
  endCall(callId: string, options: EndCallOptions = {}): Promise<void> {
    return this.writeEnd(
      () => endCallEvent(callId, options),
      options,
      'calls',
      (e) => e.callId!,
    );
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

  /** The newest `limit` messages (default 100) of a conversation, oldest first. */
  async getConversationHistory(options: { conversationId: string; limit?: number }): Promise<HistoryMessage[]> {
    const o = v.requireOptions('options', options);
    const id = v.requireId('conversationId', o['conversationId']);
    const limit = o['limit'] === undefined ? 100 : (v.optionalCount('limit', o['limit']) ?? 100);
    return getConversationHistory(await this.ready(), id, limit);
  }

  /** Statistics over the last `hours` (default 24); see {@link CallStatistics} for definitions. */
  async getCallStatistics(options: { hours?: number } = {}): Promise<CallStatistics> {
    const o = v.requireOptions('options', options);
    const hours = o['hours'] === undefined ? 24 : (o['hours'] as number);
    return getCallStatistics(await this.ready(), hours);
  }

  /**
   * Full-text search over every stored message (and its call's id and caller number): the
   * matches with a highlighted snippet, newest first or by rank. See {@link searchMessages}.
   *
   * @throws ConversationLogError `INVALID_SEARCH_QUERY` for a query that cannot be parsed
   */
  async searchMessages(options: SearchOptions): Promise<SearchResult> {
    return searchMessages(await this.ready(), options);
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
      // Session events already emitted are mapped and queued before the queue closes.
      runHandedOn();
      const report = await this.store.close({ timeoutMs });
      // No open is started from now on; one under way is discarded when it ends.
      this.closed = true;
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
