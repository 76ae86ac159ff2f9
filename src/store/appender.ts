import type { DataSource } from 'typeorm';
import type { StoreConfig } from '../config/config.js';
import { BatchAppender } from './batch-appender.js';
import type { CheckpointStats } from './checkpoint.js';

/** Runs batches somewhere: on this thread ({@link inlineAppender}), or in the writer's worker thread. */
export interface Appender {
  run: BatchAppender['run'];
  /** Forget cached stream state (after cleanup or a rebuild changed the tables). */
  clearState(): Promise<void> | void;
  /** Hold WAL checkpoints back while a maintenance transaction holds the lock (SQLite file). */
  pauseCheckpoints(): Promise<void>;
  resumeCheckpoints(): Promise<void> | void;
  checkpointStats(): Promise<CheckpointStats | null> | CheckpointStats | null;
  /** Stops; `deadline` (epoch ms): a worker thread still busy then is terminated. */
  close(deadline?: number): Promise<void>;
  /** Whether the writer may hand over the next batch before the current one settled. */
  readonly pipelines?: boolean;
}

/** Batches run on this thread, on the application's DataSource. */
export function inlineAppender(ready: () => Promise<DataSource>, config: StoreConfig): Appender {
  const appender = new BatchAppender(ready, config);
  return {
    run: (items, retry) => appender.run(items, retry),
    clearState: () => appender.clearState(),
    pauseCheckpoints: () => appender.pauseCheckpoints(),
    resumeCheckpoints: () => appender.resumeCheckpoints(),
    checkpointStats: () => appender.checkpointStats(),
    close: () => appender.stop(),
  };
}
