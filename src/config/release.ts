import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * What changed between calls: the agent's release and the hash of its instructions.
 *
 * @remarks
 * The default release is read once per process and kept: `CONVERSATION_LOG_RELEASE` when set,
 * else the commit checked out in the working directory (read from `.git/HEAD` and the ref it
 * names, a linked worktree's `.git` file and `packed-refs` included; no `git` process), else null.
 */

const HEX = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

const read = (file: string): string | null => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
};

/** The git directory of `dir` or of one of its parents: `.git` itself, or where a `.git` file points. */
function gitDir(dir: string): string | null {
  for (let d = path.resolve(dir), i = 0; i < 64; i++) {
    const dotGit = path.join(d, '.git');
    if (read(path.join(dotGit, 'HEAD')) !== null) return dotGit;
    const pointer = read(dotGit);
    const m = pointer === null ? null : /^gitdir:\s*(.+?)\s*$/m.exec(pointer);
    if (m) return path.resolve(d, m[1]!);
    const up = path.dirname(d);
    if (up === d) return null;
    d = up;
  }
  return null;
}

/**
 * The commit checked out at `dir` (12 hex digits), or null when it is not in a git checkout or the
 * commit cannot be read.
 */
export function gitCommit(dir: string = process.cwd()): string | null {
  const git = gitDir(dir);
  if (git === null) return null;
  const head = read(path.join(git, 'HEAD'))?.trim();
  if (!head) return null;
  if (HEX.test(head)) return head.slice(0, 12);
  const ref = /^ref:\s*(\S+)$/.exec(head)?.[1];
  if (ref === undefined || ref.includes('..')) return null;
  // A linked worktree keeps its HEAD; its refs live in the common directory.
  const common = read(path.join(git, 'commondir'))?.trim();
  const dirs = common ? [git, path.resolve(git, common)] : [git];
  for (const d of dirs) {
    const hash = read(path.join(d, ref))?.trim();
    if (hash && HEX.test(hash)) return hash.slice(0, 12);
  }
  for (const d of dirs) {
    const packed = read(path.join(d, 'packed-refs'));
    if (packed === null) continue;
    for (const line of packed.split('\n')) {
      const [hash, name] = line.trim().split(' ');
      if (name === ref && hash && HEX.test(hash)) return hash.slice(0, 12);
    }
  }
  return null;
}

let cached: { release: string | null } | null = null;

/**
 * The release calls are stamped with when none is given: `CONVERSATION_LOG_RELEASE`, else the git
 * commit of the working directory, else null. Read once per process.
 */
export function defaultRelease(): string | null {
  if (cached === null) {
    const fromEnv = process.env['CONVERSATION_LOG_RELEASE']?.trim();
    cached = { release: fromEnv ? fromEnv.slice(0, 255) : gitCommit() };
  }
  return cached.release;
}

/** Forgets the release {@link defaultRelease} read (tests that change the environment). */
export function resetDefaultRelease(): void {
  cached = null;
}

/**
 * The instructions hash of an agent: the first 16 hex digits of the sha256 of its instructions
 * and its tool names (sorted, so their order does not matter). Two conversations with the same
 * hash ran the same prompt with the same tools.
 *
 * @example
 * ```ts
 * instructionsHash('You are a helpful assistant.', ['lookupOrder']); // '3f9c…' (16 hex digits)
 * ```
 */
export function instructionsHash(instructions: string, toolNames: readonly string[] = []): string {
  const h = createHash('sha256');
  h.update(instructions);
  for (const name of [...toolNames].sort()) h.update(`\u0000${name}`);
  return h.digest('hex').slice(0, 16);
}
