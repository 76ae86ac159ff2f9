import type { ProjectionMemory } from '../projections/projection.js';

const DELETED = Symbol('deleted');

/** Entries kept at most (the oldest are forgotten first; a forgotten entry is read again). */
const MAX_ENTRIES = 5_000;

/**
 * The memory projections keep between batches of one writer: what a batch sets is staged and
 * seen by later batches only once it commits ({@link commit}); a failed batch's changes are
 * dropped ({@link rollback}); {@link clear} forgets everything (another connection wrote, a
 * retry, maintenance).
 */
export class StagedMemory implements ProjectionMemory {
  private readonly committed = new Map<string, unknown>();
  private readonly staged = new Map<string, unknown>();

  get<T>(key: string): T | undefined {
    const staged = this.staged.get(key);
    if (staged === DELETED) return undefined;
    return (staged ?? this.committed.get(key)) as T | undefined;
  }

  set(key: string, value: unknown): void {
    this.staged.set(key, value);
  }

  delete(key: string): void {
    this.staged.set(key, DELETED);
  }

  commit(): void {
    for (const [key, value] of this.staged) {
      this.committed.delete(key);
      if (value !== DELETED) this.committed.set(key, value);
    }
    this.staged.clear();
    for (const key of this.committed.keys()) {
      if (this.committed.size <= MAX_ENTRIES) break;
      this.committed.delete(key);
    }
  }

  rollback(): void {
    this.staged.clear();
  }

  clear(): void {
    this.staged.clear();
    this.committed.clear();
  }
}
