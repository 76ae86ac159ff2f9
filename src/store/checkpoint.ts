import type { Worker } from 'node:worker_threads';
import type { CheckpointThreadData } from './checkpoint-thread.js';
import { startThread } from './thread/start-thread.js';

export interface CheckpointStats {
  /** Checkpoints that copied something into the database file. */
  checkpoints: number;
  /** Duration of the longest one (ms) — spent in the checkpoint thread, not by any writer. */
  longestMs: number;
}

/**
 * Copies SQLite's write-ahead log into the database file off the commit path: in a thread of
 * its own (`checkpoint-thread.ts`), on a timer.
 *
 * @remarks
 * The writer's connection runs with `wal_autocheckpoint = 0`, so no commit ever checkpoints
 * (SQLite's automatic checkpoint runs inside the committing statement: it made a 500-event
 * flush 4–5 times longer at p99). A checkpoint needs no write lock, so this thread works while
 * the writer goes on; neither the application's event loop nor the writer ever waits for it.
 * If the thread cannot start, the writer's connection gets SQLite's automatic checkpoints back.
 */
export class CheckpointThread {
  private readonly worker: Worker;
  private readonly started: Promise<boolean>;

  constructor(file: string, intervalMs: number, nice = 0) {
    const workerData: CheckpointThreadData = { file, intervalMs, nice };
    // Its module: ./checkpoint-thread.ts.
    this.worker = startThread(new URL('./checkpoint-thread.js', import.meta.url), { workerData, name: 'convlog-checkpoint' });
    // Never keeps the process alive: whatever is left in the WAL is checkpointed by SQLite
    // when the last connection closes, or by the next process that opens the file.
    this.worker.unref();
    this.started = new Promise<boolean>((resolve) => {
      this.worker.once('message', (m) => resolve(m === 'ready'));
      this.worker.once('error', () => resolve(false));
      this.worker.once('exit', () => resolve(false));
    });
  }

  /** Resolves false if the thread could not start (then nothing checkpoints but SQLite itself). */
  ready(): Promise<boolean> {
    return this.started;
  }

  /**
   * Holds checkpoints back (a maintenance transaction is about to hold the write lock: a
   * checkpoint's copying and syncing would stretch it). Resolves once none is running.
   */
  async pause(): Promise<void> {
    if (!(await this.started)) return;
    await this.request('pause', (m) => m === 'paused');
  }

  resume(): void {
    this.worker.postMessage('resume');
  }

  async stats(): Promise<CheckpointStats | null> {
    if (!(await this.started)) return null;
    const reply = await this.request('stats', (m) => typeof m === 'object' && m !== null && 'checkpoints' in m);
    return (reply as CheckpointStats | undefined) ?? null;
  }

  /**
   * Posts `message` and resolves with the first reply `isReply` accepts, or undefined if the
   * thread exits first. Its listeners are removed either way (maintenance pauses once per batch).
   */
  private request(message: string, isReply: (m: unknown) => boolean): Promise<unknown> {
    return new Promise<unknown>((resolve) => {
      const done = (reply: unknown) => {
        this.worker.off('message', onMessage);
        this.worker.off('exit', onExit);
        resolve(reply);
      };
      const onMessage = (m: unknown) => {
        if (isReply(m)) done(m);
      };
      const onExit = () => done(undefined);
      this.worker.on('message', onMessage);
      this.worker.on('exit', onExit);
      this.worker.postMessage(message);
    });
  }

  /** A last checkpoint, then the thread ends. */
  async stop(): Promise<void> {
    if (!(await this.started)) return;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.ref();
    this.worker.postMessage('stop');
    const timer = setTimeout(() => void this.worker.terminate(), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
