import type { DataSource } from 'typeorm';
import type { StoreConfig } from '../config/config.js';
import type { Log } from '../config/log.js';
import type { NewEvent } from '../events/types.js';
import { appendBatch, type PendingEvent } from './append.js';
import type { Dialect } from './dialect.js';
import type { EventSink } from './sink.js';
import { StreamState } from './stream-state.js';
import { inTransaction } from './transaction.js';
import { Writer, type WriterStats } from './writer.js';

/**
 * The event store: an append-only log with inline projections, written by a batching
 * {@link Writer} through fixed, parameterised SQL on a TypeORM query runner.
 */
export class EventStore implements EventSink {
  readonly dialect: Dialect;
  readonly writer: Writer;
  private readonly state = new StreamState();

  /**
   * @param ready the opened, migrated DataSource; events queue up (bounded) until it resolves,
   *   and batches are retried with backoff while it is failing to open.
   */
  constructor(
    private readonly ready: () => Promise<DataSource>,
    config: StoreConfig,
    log: Log,
  ) {
    this.dialect = config.dialect;
    this.writer = new Writer((items, retry) => this.runBatch(items, retry), config, log);
  }

  enqueue(event: NewEvent): boolean {
    return this.writer.enqueue(event);
  }

  append(event: NewEvent): Promise<void> {
    return this.writer.append(event);
  }

  flush(): Promise<void> {
    return this.writer.flush();
  }

  getStats(): WriterStats {
    return this.writer.getStats();
  }

  /** Runs `fn` between batches (retention, rebuild), never concurrently with a flush. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.writer.exclusive(async () => {
      try {
        return await fn();
      } finally {
        // Whatever fn changed, re-read call and conversation state from the database.
        this.state.clear();
      }
    });
  }

  async close(): Promise<void> {
    await this.writer.close();
  }

  private async runBatch(items: readonly PendingEvent[], retry: boolean) {
    if (retry) this.state.clear();
    try {
      const dataSource = await this.ready();
      const outcomes = await inTransaction(dataSource, this.dialect, ({ ctx, insertEvent }) =>
        appendBatch(items, ctx, insertEvent, this.state, Date.now(), retry),
      );
      this.state.commit();
      return outcomes;
    } catch (error) {
      this.state.rollback();
      throw error;
    }
  }
}
