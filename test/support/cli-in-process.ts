import { Writable } from 'node:stream';
import { createContext } from '../../src/cli/context.js';
import { run } from '../../src/cli/run.js';

const sink = (append: (s: string) => void) =>
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      append(chunk.toString());
      done();
    },
  });

/** `convlog` run in this process (give the store with --database-url), its stdout and stderr captured. */
export async function convlogInProcess(argv: string[], env: Record<string, string> = {}) {
  const ctx = createContext();
  let stdout = '';
  let stderr = '';
  ctx.stdout = sink((s) => (stdout += s));
  ctx.stderr = sink((s) => (stderr += s));
  ctx.env = { ...process.env, ...env };
  const code = await run(argv, ctx);
  return { code, stdout, stderr };
}
