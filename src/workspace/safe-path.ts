import { lstat, realpath, readFile, stat } from 'node:fs/promises';
import { isAbsolute, relative, sep } from 'node:path';

/** True when `child` is `root` itself or lies below it. Both must be absolute and resolved. */
export function isInside(root: string, child: string): boolean {
  const rel = relative(root, child);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

export class UnsafeFileError extends Error {}

/**
 * Reads a workspace file as text, refusing what an agent's folder could use to reach elsewhere:
 * links that resolve outside `realRoot`, anything that is not a regular file (a FIFO would block
 * the reader forever), and files over `maxBytes`. Returns null when the file does not exist.
 */
export async function readWorkspaceFile(
  realRoot: string,
  path: string,
  maxBytes: number,
): Promise<{ text: string; modifiedMs: number } | null> {
  try {
    await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const real = await realpath(path).catch(() => null);
  if (real === null) throw new UnsafeFileError('is a link to nothing');
  if (!isInside(realRoot, real)) throw new UnsafeFileError('points outside the workspace');
  const info = await stat(real);
  if (!info.isFile()) throw new UnsafeFileError('is not a regular file');
  if (info.size > maxBytes) throw new UnsafeFileError(`is ${info.size} bytes, over the ${maxBytes}-byte limit`);
  return { text: await readFile(real, 'utf8'), modifiedMs: info.mtimeMs };
}
