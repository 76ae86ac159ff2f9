import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export interface CheckpointStats {
  /** Checkpoints that copied something into the database file. */
  checkpoints: number;
  /** Duration of the longest one (ms) — spent in the checkpoint thread, not by any writer. */
  longestMs: number;
}

/**
 * The checkpoint thread: its own better-sqlite3 connection, nothing else (plain CommonJS, so it
 * starts in milliseconds and needs no TypeScript loader). Every `intervalMs` it runs a PASSIVE
 * checkpoint, which never waits for readers or writers; while writes outpace it, it goes again
 * sooner, so the WAL is copied through and reset rather than left to grow. `pause` (answered
 * `paused` once no checkpoint is running — the pragma is synchronous, so never during one) holds
 * checkpoints back until `resume`.
 */
const CHECKPOINT_THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
// Per-thread niceness on Linux only (elsewhere it would renice the whole process).
if (workerData.nice > 0 && process.platform === 'linux') { try { require('node:os').setPriority(workerData.nice); } catch {} }
const db = new Database(workerData.file, { fileMustExist: true, timeout: 0 });
let checkpoints = 0, longestMs = 0, last = '';
let timer = null, stopped = false, paused = false;
const run = () => {
  timer = null;
  if (stopped) return;
  if (paused) {
    timer = setTimeout(run, workerData.intervalMs);
    return;
  }
  let behind = false;
  const t0 = performance.now();
  try {
    const r = db.pragma('wal_checkpoint(PASSIVE)')[0];
    const key = r.log + ':' + r.checkpointed;
    if (r.log > 0 && key !== last) {
      checkpoints++;
      longestMs = Math.max(longestMs, performance.now() - t0);
    }
    behind = r.checkpointed < r.log && key !== last;
    last = key;
  } catch {
    // Busy, or the file is going away: the next run catches up.
  }
  timer = setTimeout(run, behind ? 10 : workerData.intervalMs);
};
timer = setTimeout(run, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m === 'stats') parentPort.postMessage({ checkpoints, longestMs });
  else if (m === 'pause') {
    paused = true;
    parentPort.postMessage('paused');
  } else if (m === 'resume') paused = false;
  else if (m === 'stop') {
    paused = false;
    if (timer) clearTimeout(timer);
    run();
    stopped = true;
    db.close();
    parentPort.postMessage('stopped');
    parentPort.close();
  }
});
parentPort.postMessage('ready');
`;

/**
 * Copies SQLite's write-ahead log into the database file off the commit path: in a thread of
 * its own, on a timer.
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
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(CHECKPOINT_THREAD, {
      eval: true,
      workerData: { driver, file, intervalMs, nice },
      name: 'convlog-checkpoint',
    });
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
