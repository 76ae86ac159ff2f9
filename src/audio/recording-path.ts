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
  const given = path.resolve(dir);
  const absolute = path.isAbsolute(file) ? path.resolve(file) : path.resolve(given, file);
  const inside = (rel: string) => rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
  const within = (p: string) => inside(path.relative(root, p));
  // The stored path may name the directory as configured or by its real path (a symlinked
  // parent); the file's own parents are then resolved, the file itself never followed.
  const viaGiven = path.relative(given, absolute);
  const viaReal = path.relative(root, absolute);
  const sub = inside(viaGiven) ? viaGiven : inside(viaReal) ? viaReal : null;
  if (sub === null) return null;
  const spelled = path.join(root, sub);
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
