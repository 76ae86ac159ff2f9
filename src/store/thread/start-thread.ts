import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * What the writer needs of the thread (or process, see `startProcess`) its batches run in: a
 * `Worker` has it.
 */
export interface ThreadLike {
  postMessage(message: unknown): void;
  /**
   * `message` (the data), `error` (an `Error`), `exit` (the exit code and, for a writer process
   * ended by a fatal signal, the signal's name).
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the listener shapes of Worker and EventEmitter
  on(event: 'message' | 'error' | 'exit', listener: (...args: any[]) => void): unknown;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
  once(event: 'exit', listener: (...args: any[]) => void): unknown;
  ref(): void;
  unref(): void;
  terminate(): Promise<number>;
}

/**
 * Starts a thread from a module of this package: `startThread(new URL('./x.js', import.meta.url))`.
 *
 * @remarks
 * Built (`dist/`), `x.js` is there and is the thread's entry. Run from the TypeScript sources
 * (tsx, vitest), only `x.ts` is: Node 20 applies no loader to a thread's entry module, so the
 * thread boots through `boot.mjs`, which registers tsx first and then imports `x.ts`.
 * Throws what `new Worker` throws (the caller falls back to writing on its own thread).
 */
export function startThread(entry: URL, options: Omit<WorkerOptions, 'workerData'> & { workerData?: object }): Worker {
  if (existsSync(fileURLToPath(entry))) return new Worker(entry, options);
  const source = new URL(entry.href.replace(/\.js$/, '.ts'));
  const tsx = pathToFileURL(
    createRequire(import.meta.url)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  return new Worker(new URL('./boot.mjs', import.meta.url), {
    ...options,
    workerData: { ...(options.workerData as Record<string, unknown> | undefined), convlogThread: { entry: source.href, tsx } },
  });
}
