import type { AppendOutcome } from './append.js';
import type { BatchRunner, Item } from './writer-types.js';

/** One attempt of a batch, settled either way (a pipelined attempt is awaited later, never left rejected). */
export type Attempt = { outcomes: AppendOutcome[] } | { error: unknown };

/** A batch taken from the queue and not settled yet; items before `from` are settled already. */
export interface InFlight {
  batch: Item[];
  first: Promise<Attempt>;
  from: number;
}

/**
 * The writer's batches taken from the queue and not settled yet, each with its first attempt
 * started; given up together (close() at its timeout, a lost store), after which none is live.
 */
export class InFlightBatches {
  private readonly entries = new Set<InFlight>();

  constructor(private readonly run: BatchRunner) {}

  /** Adds `batch` and starts its first attempt (`retry`: an earlier attempt of its events failed). */
  launch(batch: Item[], retry = false): InFlight {
    const entry: InFlight = { batch, first: this.attempt(batch, retry), from: 0 };
    this.entries.add(entry);
    return entry;
  }

  /** Runs `batch` once; the promise always resolves. */
  attempt(batch: Item[], retry: boolean): Promise<Attempt> {
    let run: Promise<AppendOutcome[]>;
    try {
      run = this.run(batch, retry);
    } catch (error) {
      return Promise.resolve({ error });
    }
    return run.then(
      (outcomes) => ({ outcomes }),
      (error: unknown) => ({ error }),
    );
  }

  /** Whether `entry` is still to be settled by its writer (not settled, not given up). */
  has(entry: InFlight): boolean {
    return this.entries.has(entry);
  }

  delete(entry: InFlight): void {
    this.entries.delete(entry);
  }

  /** Hands every event not settled yet to `reject` and forgets every batch. */
  clear(reject: (item: Item) => void): void {
    for (const entry of this.entries) for (let i = entry.from; i < entry.batch.length; i++) reject(entry.batch[i]!);
    this.entries.clear();
  }
}
