import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * The real path of `file` when it is a regular file inside the directory `dir` (itself resolved
 * through any symlinks), else null: a path outside it, one that climbs out with `..`, a symlink
 * (followed nowhere, wherever it points), a directory or a missing file.
 *
 * @remarks
 * What the dashboard serves and what `cleanup` deletes go through here: neither ever touches a
 * file outside the configured recordings directory.
 */
export async function recordingInside(dir: string, file: string): Promise<string | null> {
  if (file.includes('\0') || dir.includes('\0')) return null;
  let root: string;
  try {
    root = await fs.realpath(dir);
  } catch {
    return null;
  }
  const candidate = path.resolve(root, file);
  const within = (p: string) => {
    const rel = path.relative(root, p);
    return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  };
  // The path as stored may name the directory by another spelling (a symlinked parent): compare
  // against the directory as given too, then resolve the parent's symlinks, never the file's.
  const given = path.resolve(dir);
  const relGiven = path.relative(given, path.resolve(file));
  const spelled = !relGiven.startsWith('..') && !path.isAbsolute(relGiven) && relGiven !== '' ? path.join(root, relGiven) : candidate;
  if (!within(spelled)) return null;
  try {
    const parent = await fs.realpath(path.dirname(spelled));
    const real = path.join(parent, path.basename(spelled));
    if (!within(real)) return null;
    const stat = await fs.lstat(real);
    return stat.isFile() ? real : null;
  } catch {
    return null;
  }
}

/** Deletes the files of `paths` that lie inside `dir` (see {@link recordingInside}); returns how many it deleted. */
export async function deleteRecordings(dir: string | null, paths: readonly string[]): Promise<number> {
  if (dir === null) return 0;
  let deleted = 0;
  for (const p of paths) {
    const real = await recordingInside(dir, p);
    if (real === null) continue;
    try {
      await fs.unlink(real);
      deleted++;
    } catch {
      // gone already, or not ours to delete
    }
  }
  return deleted;
}
