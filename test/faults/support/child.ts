import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const WRITER = path.resolve('test/faults/support/writer-child.ts');

/** A writer child process and the message ids it has seen committed. */
export interface Writer {
  child: ChildProcess;
  acked: string[];
  lines: string[];
  exited: Promise<number | null>;
  /** What the child wrote to stderr so far (its last 2,000 characters). */
  stderr(): string;
  /** Resolves once `n` messages are acknowledged. */
  waitForAcks(n: number, timeoutMs?: number): Promise<void>;
}

export function startWriter(
  url: string,
  args: { calls?: number; run: string; parallel?: number; messages?: number },
  env: NodeJS.ProcessEnv = {},
): Writer {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', WRITER, url, String(args.calls ?? 0), args.run, String(args.parallel ?? 8), String(args.messages ?? 20)],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
  );
  const acked: string[] = [];
  const lines: string[] = [];
  let buf = '';
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      lines.push(line);
      if (line.startsWith('ack ')) acked.push(line.slice(4));
    }
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    acked,
    lines,
    exited,
    stderr: () => stderr.slice(-2000),
    async waitForAcks(n, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (acked.length < n) {
        if (child.exitCode !== null)
          throw new Error(`writer exited (${child.exitCode}) after ${acked.length} acks: ${stderr.slice(-2000)}`);
        if (Date.now() > deadline) throw new Error(`writer acked only ${acked.length} of ${n} in ${timeoutMs} ms: ${stderr.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
  };
}

export const OUTAGE_CHILD = path.resolve('test/faults/support/outage-child.ts');

/**
 * Runs `outage-child.ts` with `args` and waits up to `withinMs` for it to end by itself (it
 * never calls process.exit); killed after that. `code` is null when it had to be killed.
 */
export async function runOutageChild(
  args: string[],
  withinMs = 60_000,
): Promise<{ code: number | null; lines: string[]; stderr: string; endedByItself: boolean }> {
  const child = spawn(process.execPath, ['--import', 'tsx', OUTAGE_CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let timer: NodeJS.Timeout | undefined;
  const ended = await Promise.race([
    exited.then(() => true),
    new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), withinMs))),
  ]);
  clearTimeout(timer);
  if (!ended) child.kill('SIGKILL');
  const code = await exited;
  return { code: ended ? code : null, lines: stdout.split('\n').filter(Boolean), stderr: stderr.slice(-2000), endedByItself: ended };
}
