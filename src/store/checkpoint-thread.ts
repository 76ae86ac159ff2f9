/**
 * The checkpoint thread's module: its own better-sqlite3 connection, nothing else. Every
 * `intervalMs` it runs a PASSIVE checkpoint, which never waits for readers or writers; while
 * writes outpace it, it goes again sooner, so the WAL is copied through and reset rather than
 * left to grow. `pause` (answered `paused` once no checkpoint is running — the pragma is
 * synchronous, so never during one) holds checkpoints back until `resume`.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { lowerThreadPriority } from './thread-priority.js';

export interface CheckpointThreadData {
  file: string;
  intervalMs: number;
  nice: number;
}

export type ToCheckpointThread = 'stats' | 'pause' | 'resume' | 'stop';
export type FromCheckpointThread = 'ready' | 'paused' | 'stopped' | { checkpoints: number; longestMs: number };

const port = parentPort!;
const { file, intervalMs, nice } = workerData as CheckpointThreadData;
lowerThreadPriority(nice);
const db = new Database(file, { fileMustExist: true, timeout: 0 });
const post = (message: FromCheckpointThread) => port.postMessage(message);

let checkpoints = 0;
let longestMs = 0;
let last = '';
let timer: NodeJS.Timeout | null = null;
let stopped = false;
let paused = false;

function run(): void {
  timer = null;
  if (stopped) return;
  if (paused) {
    timer = setTimeout(run, intervalMs);
    return;
  }
  let behind = false;
  const t0 = performance.now();
  try {
    const r = (db.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number; checkpointed: number }>)[0]!;
    const key = `${r.log}:${r.checkpointed}`;
    if (r.log > 0 && key !== last) {
      checkpoints++;
      longestMs = Math.max(longestMs, performance.now() - t0);
    }
    behind = r.checkpointed < r.log && key !== last;
    last = key;
  } catch {
    // Busy, or the file is going away: the next run catches up.
  }
  timer = setTimeout(run, behind ? 10 : intervalMs);
}

timer = setTimeout(run, intervalMs);
port.on('message', (m: ToCheckpointThread) => {
  if (m === 'stats') post({ checkpoints, longestMs });
  else if (m === 'pause') {
    paused = true;
    post('paused');
  } else if (m === 'resume') paused = false;
  else if (m === 'stop') {
    paused = false;
    if (timer) clearTimeout(timer);
    run();
    stopped = true;
    db.close();
    post('stopped');
    port.close();
  }
});
post('ready');
