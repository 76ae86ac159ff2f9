import type { NewEvent } from '../events/types.js';
import { ConversationLogError } from '../errors.js';
import type { Report } from './writer-reports.js';
import type { Item } from './writer-types.js';

/** A `flush()` waiting: it resolves once every item up to `seq` is settled. */
interface Waiter {
  seq: number;
  resolve: () => void;
}

/**
 * The writer's queue: the events waiting for a batch, in order, and the sequence numbers that
 * tell a `flush()` when everything queued before it is settled (written or rejected).
 */
export class WriteQueue {
  private items: Item[] = [];
  private head = 0;
  private readonly waiters: Waiter[] = [];
  private pushed = 0;
  private settled = 0;

  /** Events queued and not taken into a batch yet. */
  get pending(): number {
    return this.items.length - this.head;
  }

  /** Whether a `flush()` waits. */
  get waiting(): boolean {
    return this.waiters.length > 0;
  }

  /** Queues an event at the back. */
  push(event: NewEvent, eventId: string, dataJson: string | null, resolve: Item['resolve'], reject: Item['reject']): void {
    this.items.push({ event, eventId, dataJson, resolve, reject, seq: ++this.pushed });
  }

  /** Queues a report the writer owes ahead of everything queued (written with the next batch). */
  pushFront(report: Report): void {
    this.items.splice(this.head, 0, { ...report, seq: this.owed() });
  }

  /** A report the writer owes as an item of its own, to lead the next batch. */
  owe(report: Report): Item {
    return { ...report, seq: this.owed() };
  }

  /**
   * A sequence number for a system event the writer owes: a flush pending now waits for it too
   * (it reports on what happened before that flush — an outage, dropped events).
   */
  private owed(): number {
    for (const w of this.waiters) w.seq++;
    return ++this.pushed;
  }

  /** Takes up to `room` events from the front. */
  take(room: number): Item[] {
    const batch = this.items.slice(this.head, this.head + room);
    this.head += batch.length;
    // Drop taken items from the queue at once: kept referenced until a later compaction, they
    // outlive the young generation and every event would be promoted to the old one.
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    } else this.items.fill(undefined as unknown as Item, this.head - batch.length, this.head);
    return batch;
  }

  /** Hands every queued event to `reject` and empties the queue. */
  clear(reject: (item: Item) => void): void {
    for (let i = this.head; i < this.items.length; i++) reject(this.items[i]!);
    this.items = [];
    this.head = 0;
  }

  /** One item settled: resolves the flushes it completes. */
  done(): void {
    this.settled++;
    if (this.waiters.length === 0) return;
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i]!;
      if (this.settled >= w.seq) {
        this.waiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  /** A flush of everything queued so far: null when all of it is settled already. */
  flushed(): { waiter: Waiter; done: Promise<void> } | null {
    const seq = this.pushed;
    if (this.settled >= seq) return null;
    const waiter = { seq, resolve: () => {} };
    const done = new Promise<void>((resolve) => {
      waiter.resolve = resolve;
      this.waiters.push(waiter);
    });
    return { waiter, done };
  }

  /** `flushing`, rejecting `FLUSH_TIMEOUT` (retryable) unless done within `timeoutMs`; the events stay queued. */
  within(flushing: { waiter: Waiter; done: Promise<void> }, timeoutMs: number): Promise<void> {
    const { waiter, done } = flushing;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(
          new ConversationLogError(
            'FLUSH_TIMEOUT',
            `${Math.max(0, waiter.seq - this.settled)} queued events were not written within ${timeoutMs} ms: the database is failing or slow. They stay queued and are written when it recovers; close() gives up on them at its timeout.`,
            { field: 'timeoutMs', retryable: true },
          ),
        );
      }, timeoutMs);
      void done.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
