import os from 'node:os';

/**
 * Lowers the calling thread's CPU priority (Linux: niceness is per thread, so only this thread
 * changes). Elsewhere `setPriority` would renice the whole process, so it does nothing.
 */
export function lowerThreadPriority(nice: number): void {
  if (nice <= 0 || process.platform !== 'linux') return;
  try {
    os.setPriority(nice);
  } catch {
    // Not permitted here: run at the process's priority.
  }
}
