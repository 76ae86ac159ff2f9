import { deserialize } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';

/** The environment variable a writer process receives its start data in (v8-serialised, base64). */
export const PROCESS_DATA_ENV = 'CONVLOG_PROCESS_DATA';

/**
 * The link from a writer module (`writer-worker.ts`) to the writer that started it: the port of
 * a worker thread, or the IPC channel of a child process (`writerThread: 'process'`). Messages
 * are structured-clone data either way.
 */
export interface ParentChannel<In, Out> {
  /** What the starter handed over (`workerData`). */
  readonly data: unknown;
  post(message: Out): void;
  onMessage(fn: (message: In) => void): void;
  /** Ends the link: the thread or process exits once nothing else keeps it alive. */
  close(): void;
}

export function parentChannel<In, Out>(): ParentChannel<In, Out> {
  if (parentPort) {
    const port = parentPort;
    return {
      data: workerData,
      post: (message) => port.postMessage(message),
      onMessage: (fn) => port.on('message', fn),
      close: () => port.close(),
    };
  }
  const raw = process.env[PROCESS_DATA_ENV];
  if (!process.send || raw === undefined) throw new Error('A conversation log writer module runs in a worker thread or a writer process.');
  // The writer that started this process is gone (crashed, killed): nothing is left to write for.
  process.on('disconnect', () => process.exit(0));
  return {
    data: deserialize(Buffer.from(raw, 'base64')),
    post: (message) => {
      process.send?.(message);
    },
    onMessage: (fn) => process.on('message', (m) => fn(m as In)),
    close: () => process.disconnect?.(),
  };
}
