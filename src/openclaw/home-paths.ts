import { lstat, realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, sep } from 'node:path';
import { kindOf } from '../common/regular-file';

/** Whether `real` (a real path) lies inside the folder `root` (a real path too). */
function inside(root: string, real: string): boolean {
  const rel = relative(root, real);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/**
 * Why a path under the OpenClaw home must not be followed, or null: a symbolic link (anywhere on the
 * way) that leads out of the home. Mission Control reads OpenClaw's records only, not what a link there
 * points at.
 */
export async function leavesHome(home: string, path: string): Promise<string | null> {
  const [root, real] = await Promise.all([realpath(home), realpath(path)]);
  return inside(root, real) ? null : `a symbolic link out of the OpenClaw home (to ${real}), not followed`;
}

/**
 * Why a file of OpenClaw's cannot be opened, or null: it must be a regular file inside the home, and so
 * must each of `companions` (`-wal`, `-shm`) that exists, which SQLite opens by itself. Checked with
 * stat and lstat, which never block, unlike opening a FIFO.
 */
export async function unreadableFile(home: string, path: string, companions: string[] = []): Promise<string | null> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) =>
    error.code === 'ENOENT' ? null : Promise.reject(error),
  );
  if (!info) return 'the file is gone';
  const outside = await leavesHome(home, path);
  if (outside) return outside;
  if (!info.isFile()) return `not a regular file (${kindOf(info)})`;
  for (const suffix of companions) {
    const companion = await lstat(path + suffix).catch(() => null);
    if (companion && !companion.isFile()) return `its ${suffix} is not a regular file (${kindOf(companion)})`;
  }
  return null;
}
