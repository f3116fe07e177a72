import { Stats } from 'node:fs';
import { lstat, realpath, stat } from 'node:fs/promises';
import { isInside } from '../common/paths';
import { readRegularFile } from '../common/regular-file';

export class UnsafeFileError extends Error {}

/** What tells one version of a file from the next: a write, a rename over it or a restore changes at least one. */
export interface FileVersion {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

/**
 * A file changed this recently when it was read may change again within the same tick of the file
 * system's clock, to the same size, and look unchanged: its reading is not trusted to skip the next
 * (git's "racy" files).
 */
const RACY_MS = 2_000;

/**
 * Reads a workspace file as text, refusing what an agent's folder could use to reach elsewhere:
 * links that resolve outside `realRoot`, anything that is not a regular file (a FIFO would block
 * the reader forever), and files over `maxBytes`. Returns null when the file does not exist, and
 * 'unchanged' when it is still the `known` version of an earlier reading: the watcher's periodic
 * rescan then costs one file-system call per file, not a read and a parse, and makes no garbage.
 * A regular file with the same device, inode, size and times is the very file read and checked
 * before, so the link and size checks are not made again.
 */
export async function readWorkspaceFile(
  realRoot: string,
  path: string,
  maxBytes: number,
  known?: FileVersion | null,
): Promise<{ text: string; modifiedMs: number; version: FileVersion | null } | 'unchanged' | null> {
  let entry: Stats;
  try {
    entry = await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  if (known && entry.isFile() && sameVersion(entry, known)) return 'unchanged';
  const real = await realpath(path).catch(() => null);
  if (real === null) throw new UnsafeFileError('is a link to nothing');
  if (!isInside(realRoot, real)) throw new UnsafeFileError('points outside the workspace');
  const info = await stat(real);
  if (!info.isFile()) throw new UnsafeFileError('is not a regular file');
  if (info.size > maxBytes) throw new UnsafeFileError(`is ${info.size} bytes, over the ${maxBytes}-byte limit`);
  if (known && sameVersion(info, known)) return 'unchanged';
  const { dev, ino, size, mtimeMs, ctimeMs } = info;
  const version = Date.now() - ctimeMs > RACY_MS ? { dev, ino, size, mtimeMs, ctimeMs } : null;
  // Opened without blocking and checked again: it may have been swapped for a FIFO since the stat.
  return { text: (await readRegularFile(real, maxBytes)).toString('utf8'), modifiedMs: mtimeMs, version };
}

function sameVersion(info: Stats, known: FileVersion): boolean {
  return (
    info.dev === known.dev &&
    info.ino === known.ino &&
    info.size === known.size &&
    info.mtimeMs === known.mtimeMs &&
    info.ctimeMs === known.ctimeMs
  );
}
