import { constants, Stats } from 'node:fs';
import { FileHandle, open } from 'node:fs/promises';

/** What a path is, said plainly, for a message about a file that is not a regular one. */
export function kindOf(info: Stats): string {
  if (info.isFile()) return 'a regular file';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isDirectory()) return 'a directory';
  if (info.isSocket()) return 'a socket';
  if (info.isSymbolicLink()) return 'a symbolic link';
  return 'not a file';
}

/**
 * Opens another program's file for reading, never blocking and only if it is a regular file. Without
 * O_NONBLOCK, opening a FIFO that no one writes holds one of libuv's four threads in open() for good
 * (and with it every later read, and the process's exit); a device would be read forever.
 */
export async function openRegularFile(path: string): Promise<{ handle: FileHandle; info: Stats }> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new Error(`not a regular file (${kindOf(info)})`);
    return { handle, info };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** A regular file whole, its size checked before anything is read; bytes appended meanwhile are left for next time. */
export async function readRegularFile(path: string, maxBytes: number): Promise<Buffer> {
  const { handle, info } = await openRegularFile(path);
  try {
    if (info.size > maxBytes) throw new Error(`over ${maxBytes / 1048576} MiB (${info.size} bytes)`);
    const buffer = Buffer.alloc(info.size);
    let filled = 0;
    while (filled < info.size) {
      const { bytesRead } = await handle.read(buffer, filled, info.size - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
}
