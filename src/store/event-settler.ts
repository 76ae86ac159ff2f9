import type { Log } from '../config/log.js';
import { ConversationLogError } from '../errors.js';
import type { AppendOutcome } from './append.js';
import type { WriteQueue } from './write-queue.js';
import type { Item, WriterStats } from './writer-types.js';

/**
 * How the writer's events end: each one's promise resolved or rejected once, counted in the
 * writer's stats, an event refused without a promise logged (its type and code only), and the
 * queue told, so a `flush()` waiting on it resolves.
 */
export class EventSettler {
  constructor(
    private readonly queue: WriteQueue,
    private readonly stats: WriterStats,
    private readonly log: Log,
  ) {}

  /** A batch's attempt ran: each event committed, or rejected alone with the outcome's error. */
  committed(batch: Item[], outcomes: AppendOutcome[]): void {
    for (let i = 0; i < batch.length; i++) {
      const item = batch[i]!;
      const outcome = outcomes[i];
      if (outcome?.status === 'rejected') {
        this.stats.rejected++;
        if (item.reject) item.reject(outcome.error);
        else
          this.log.warn('conversation log event rejected', {
            eventType: item.event.type,
            code: outcome.error.code,
          });
      } else {
        this.stats.appended++;
        item.resolve?.();
      }
      this.queue.done();
    }
  }

  /** The database refused this event for good, written alone: it rejects `STORE_REJECTED`. */
  refused(item: Item, error: unknown): void {
    this.stats.rejected++;
    this.log.error('conversation log event refused by the database', {
      eventType: item.event.type,
      error: (error as Error).message,
    });
    item.reject?.(
      new ConversationLogError('STORE_REJECTED', `The database refused this ${item.event.type} event: ${(error as Error).message}`, {
        cause: error,
      }),
    );
    this.queue.done();
  }

  /** Given up on (close() at its timeout, a lost store): the event rejects with `error()` (made only for an event with a promise). */
  givenUp(item: Item, error: () => ConversationLogError): void {
    item.reject?.(error());
    this.queue.done();
  }
}
