import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, inject } from 'vitest';

const execFileP = promisify(execFile);

/** What one `convlog` run printed, and its exit code. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The built CLI of a test file: its path once built, and a runner. */
export interface BuiltCli {
  /** `dist`-like `src/cli/main.js` of the build (set in `beforeAll`). */
  readonly path: string;
  /** Runs `node <cli> …args` with `env` over the process's (`LOG_LEVEL`, `DEBUG` unset), in `cwd` (the run's temp dir). */
  run(args: string[], env: Record<string, string | undefined>, cwd?: string): Promise<Run>;
}

/**
 * The CLI as users run it: the package built with tsc (in `beforeAll`, into a folder of its own
 * removed after), run by node as a subprocess. Call at the top of a test file.
 */
export function useBuiltCli(name: string): BuiltCli {
  let cli = '';
  beforeAll(() => {
    const out = path.resolve('.tmp', 'test-build', `${name}-${process.pid}`);
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json', '--outDir', out], { stdio: 'inherit' });
    cli = path.join(out, 'src', 'cli', 'main.js');
    return () => fs.rmSync(out, { recursive: true, force: true });
  }, 120_000);
  return {
    get path() {
      return cli;
    },
    async run(args, env, cwd = inject('tmpDir')) {
      const merged: Record<string, string> = {};
      for (const [k, v] of Object.entries({ ...process.env, LOG_LEVEL: undefined, DEBUG: undefined, ...env }))
        if (v !== undefined) merged[k] = v;
      try {
        const { stdout, stderr } = await execFileP('node', [cli, ...args], { env: merged, cwd, timeout: 60_000 });
        return { code: 0, stdout, stderr };
      } catch (error) {
        const e = error as { code?: number; stdout?: string; stderr?: string };
        return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
      }
    },
  };
}
