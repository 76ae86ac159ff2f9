import type { DataSource } from 'typeorm';
import { resolveAnalysis, type ResolvedAnalysis } from '../analysis/options.js';
import { loadConfig, type StoreConfig } from '../config/config.js';
import { createLog, type Log } from '../config/log.js';
import type { NewEvent } from '../events/types.js';
import { ConversationLogError } from '../errors.js';
import { eventRedactor } from '../redact/redact-event.js';
import { runHandedOn } from '../store/after-listener.js';
import { EventStore } from '../store/event-store.js';
import { MigrationManager } from '../store/migration-manager.js';
import type { EnqueueOptions, EventSink } from '../store/sink.js';
import { DEFAULT_CLOSE_TIMEOUT_MS, type CloseOptions, type CloseReport, type FlushOptions, type WriterStats } from '../store/writer.js';
import type { WebhookDeliverer, WebhookDeliveryReport } from '../webhooks/deliverer.js';
import { BackgroundAnalyses } from './background-analyses.js';
import { LoggerConnection } from './connection.js';
import type { ConversationLoggerOptions } from './options.js';
import * as v from './validate.js';
import { DEFAULT_WEBHOOK_TIMEOUT_MS, WebhookPasses } from './webhook-passes.js';

/**
 * What `ConversationLogger` stands on: its database (opened in the background), the event sink
 * over its writer (redaction, flush), the work it runs in the background after a call (post-call
 * analyses, webhook passes) and the `close()` that ends all of it in order, within its timeout.
 */
export abstract class LoggerSink implements EventSink {
  readonly config: StoreConfig;
  readonly log: Log;
  readonly store: EventStore;
  /** The primary database and the read replica. */
  protected readonly connection: LoggerConnection;
  protected closing: Promise<CloseReport> | null = null;
  /** Applied to every event before it is queued; null when no redaction is configured. */
  private readonly redact: ((event: NewEvent) => NewEvent) | null;
  /** Webhook passes: now (`deliverWebhooks`) and in the background (after `endCall`), stopped by `close()`. */
  private readonly webhooks: WebhookPasses;
  /** The post-call analysis configured, or null. */
  protected readonly analysis: ResolvedAnalysis | null;
  /** Analyses under way (after `endCall()`), awaited by {@link flushAnalyses} and `close()`. */
  private readonly analyses: BackgroundAnalyses;

  constructor(options: ConversationLoggerOptions = {}) {
    const { log, redaction, analysis, ...overrides } = options;
    this.redact = eventRedactor(redaction);
    this.analysis = analysis === undefined ? null : resolveAnalysis(analysis);
    this.config = loadConfig(overrides);
    this.log = log ?? createLog(this.config.logLevel);
    this.analyses = new BackgroundAnalyses(this.log);
    this.connection = new LoggerConnection(this.config, this.log);
    // The writer retries its batches with backoff (and jitter) while the database cannot be
    // opened; each retry opens it again, so writes queue (bounded) through an outage at start.
    this.store = new EventStore(() => this.connection.ready(), this.config, this.log);
    this.webhooks = new WebhookPasses({
      dataSource: () => this.connection.ready(),
      dialect: this.config.dialect,
      endpoints: this.config.webhooks,
      runExclusive: (fn) => this.store.exclusive(fn),
      log: this.log,
    });
  }

  /**
   * The opened TypeORM DataSource (for your own reads). While the database cannot be opened,
   * tries again and rejects `DB_UNAVAILABLE` (retryable) if it still cannot.
   */
  async dataSource(): Promise<DataSource> {
    return this.connection.ready();
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
    return this.connection.read();
  }

  /** The migration manager of this logger's database. */
  async migrations(): Promise<MigrationManager> {
    return new MigrationManager(await this.connection.ready());
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

  /** Resolves once every analysis started after an `endCall()` has stored its result. */
  async flushAnalyses(): Promise<void> {
    return this.analyses.flush();
  }

  /** Runs the configured analysis of an ended call off the caller's path; its failures are stored or logged, never thrown. */
  protected analyzeInBackground(callId: string): void {
    const analysis = this.analysis;
    if (analysis === null || this.closing !== null) return;
    this.analyses.start(this, callId, analysis);
  }

  // --- Webhooks -------------------------------------------------------------------------------

  /**
   * The deliverer of this logger's webhook outbox, over its configured `webhooks` (the
   * endpoints `convlog webhooks deliver` sends to).
   */
  webhookDeliverer(): WebhookDeliverer {
    return this.webhooks.get();
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
    return this.webhooks.deliver(callId, timeoutMs);
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

  /** Sends the call's due deliveries in the background, unless the logger is closing. */
  protected deliverInBackground(callId: string): void {
    if (this.closing === null) this.webhooks.inBackground(callId);
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
      if (this.analyses.size > 0) await this.analyses.settle(deadline);
      // Session events already emitted are mapped and queued before the queue closes.
      runHandedOn();
      // Webhook passes under way finish (their own bound) before the store closes, no later than half the budget.
      if (this.webhooks.size > 0) await this.webhooks.settle(Math.floor(timeoutMs / 2));
      const report = await this.store.close({ timeoutMs });
      // No open is started from now on; one under way is discarded when it ends.
      await this.connection.close(deadline);
      return report;
    })();
    return this.closing;
  }
}
