import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { serialize } from 'node:v8';
import { PROCESS_DATA_ENV } from './parent-channel.js';
import type { ThreadLike } from './start-thread.js';

/**
 * Starts a writer module of this package in a child process of its own, seen through the same
 * surface as a worker thread ({@link ThreadLike}): `postMessage`, `message` / `error` / `exit`
 * events, `ref` / `unref`, `terminate`.
 *
 * @remarks
 * A fatal signal in the writer (SQLite raises SIGBUS when its memory-mapped `-shm` file is
 * truncated under it) ends that process, not the application: `exit` then carries the code
 * 128 + the signal's number and the signal's name. Built (`dist/`), the `.js` module is forked;
 * from the TypeScript sources (tsx, vitest) the `.ts` one, with tsx's loader. The process exits
 * when its parent does (its IPC channel closes).
 */
export function startProcess(entry: URL, options: { workerData: object; name: string }): ThreadLike {
  const built = existsSync(fileURLToPath(entry));
  const file = fileURLToPath(built ? entry : new URL(entry.href.replace(/\.js$/, '.ts')));
  const child = fork(file, [], {
    execArgv: built ? [] : ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href],
    env: { ...process.env, [PROCESS_DATA_ENV]: serialize(options.workerData).toString('base64') },
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new ProcessThread(child);
}

class ProcessThread extends EventEmitter implements ThreadLike {
  constructor(private readonly child: ChildProcess) {
    super();
    child.on('message', (message) => this.emit('message', message));
    child.on('error', (error) => this.emit('error', error));
    child.on('exit', (code, signal) => {
      const signalNumber = signal === null ? undefined : constants.signals[signal];
      this.emit('exit', code ?? (signalNumber === undefined ? 1 : 128 + signalNumber), signal);
    });
  }

  postMessage(message: unknown): void {
    if (!this.child.connected) throw Object.assign(new Error('The writer process has exited.'), { code: 'CONVLOG_WRITER_EXITED' });
    this.child.send(message as Parameters<ChildProcess['send']>[0]);
  }

  ref(): void {
    this.child.ref();
    this.child.channel?.ref();
  }

  unref(): void {
    this.child.unref();
    this.child.channel?.unref();
  }

  terminate(): Promise<number> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return resolve(this.child.exitCode ?? 1);
      this.child.once('exit', (code) => resolve(code ?? 1));
      this.child.kill('SIGKILL');
    });
  }
}
