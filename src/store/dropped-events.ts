import type { Log } from '../config/log.js';
import { ConversationLogError } from '../errors.js';
import { droppedReport, type Report } from './writer-reports.js';
import type { Item, WriterStats } from './writer-types.js';

/**
 * Events dropped at a full queue: each counted (`dropped`) and refused `QUEUE_FULL`, the first
 * of a run logged, and the run put on record (`events_dropped`) with the next batch.
 */
export class DroppedEvents {
  private unreported = 0;

  constructor(
    private readonly maxQueueSize: number,
    private readonly stats: WriterStats,
    private readonly log: Log,
  ) {}

  /** Drops one event; its promise, if any, rejects `QUEUE_FULL` (retryable). */
  drop(reject: Item['reject']): void {
    this.stats.dropped++;
    this.unreported++;
    if (this.unreported === 1)
      this.log.error('conversation log queue full: dropping events until the database catches up', {
        maxQueueSize: this.maxQueueSize,
      });
    reject?.(
      new ConversationLogError(
        'QUEUE_FULL',
        `The write queue is full (${this.maxQueueSize} events): the database is not keeping up or is down. The event was dropped and counted.`,
        { retryable: true },
      ),
    );
  }

  /** The report of the events dropped since the last one, or null when none was. */
  report(): Report | null {
    if (this.unreported === 0) return null;
    const count = this.unreported;
    this.unreported = 0;
    return droppedReport(count, this.maxQueueSize, this.stats.dropped);
  }
}
