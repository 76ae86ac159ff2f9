import type { DataSource } from 'typeorm';
import type { StoreConfig } from '../config/config.js';
import type { Log } from '../config/log.js';
import type { NewEvent } from '../events/types.js';
import { inlineAppender, type Appender } from './appender.js';
import type { CheckpointStats } from './checkpoint.js';
import type { Dialect } from '../config/dialect.js';
import type { EnqueueOptions, EventSink } from './sink.js';
import { WorkerAppender } from './worker-appender.js';
import { DEFAULT_CLOSE_TIMEOUT_MS, Writer, type CloseOptions, type CloseReport, type FlushOptions, type WriterStats } from './writer.js';

/**
 * The event store: an append-only log with inline projections, written by a batching
 * {@link Writer} through fixed, parameterised SQL — by default from a worker thread that owns
 * its own connection (see `writerThread`), so the application's event loop only queues events.
 */
export class EventStore implements EventSink {
  readonly dialect: Dialect;
  readonly writer: Writer;
  /** Where batches run: `worker` or `inline` (also `inline` after a worker failed to start). */
  readonly appender: Appender;

  /**
   * @param ready the opened, migrated DataSource; events queue up (bounded) until it resolves,
   *   and batches are retried with backoff while it is failing to open.
   */
  constructor(ready: () => Promise<DataSource>, config: StoreConfig, log: Log) {
    this.dialect = config.dialect;
    const inline = (): Appender => inlineAppender(ready, config);
    this.appender = config.writerThread !== 'inline' ? new WorkerAppender(ready, config, log, inline) : inline();
    const appender = this.appender;
    this.writer = new Writer(
      (items, retry) => appender.run(items, retry),
      config,
      log,
      () => appender.pipelines === true,
    );
  }

  enqueue(event: NewEvent, options?: EnqueueOptions): boolean {
    return this.writer.enqueue(event, options);
  }

  append(event: NewEvent): Promise<void> {
    return this.writer.append(event);
  }

  flush(options?: FlushOptions): Promise<void> {
    return this.writer.flush(options);
  }

  getStats(): WriterStats {
    return this.writer.getStats();
  }

  /** WAL checkpoints run by the writer (SQLite file only; null otherwise). */
  async checkpointStats(): Promise<CheckpointStats | null> {
    return this.appender.checkpointStats();
  }

  /**
   * Runs `fn` between batches (retention, rebuild), never concurrently with a flush, nor with a
   * WAL checkpoint: its transaction holds the write lock, and a checkpoint copying and syncing
   * alongside would stretch that lock on a busy disk.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.writer.exclusive(async () => {
      await this.appender.pauseCheckpoints();
      try {
        return await fn();
      } finally {
        // Whatever fn changed, re-read call and conversation state from the database.
        await this.appender.clearState();
        await this.appender.resumeCheckpoints();
      }
    });
  }

  /**
   * Flushes, then stops the writer (and its worker thread), within `timeoutMs` (default 10 s):
   * at the timeout what is not written is given up and counted, and a worker thread still busy
   * is terminated.
   */
  async close(options: CloseOptions = {}): Promise<CloseReport> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    const report = await this.writer.close({ timeoutMs });
    await this.appender.close(deadline);
    return report;
  }
}
