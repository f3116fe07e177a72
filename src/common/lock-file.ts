import { randomBytes } from 'node:crypto';
import { link, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isAlive } from './process';

/** What a lock file holds: who holds it and since when, and whatever else its owner says. */
export interface LockHolder {
  pid: number;
  started_at: string;
  [detail: string]: unknown;
}

/** The lock is held: by this holder, or by someone whose lock file cannot be read (which counts as held). */
export class LockHeldError extends Error {
  constructor(readonly holder: LockHolder | null) {
    super(holder ? `held by process ${holder.pid} since ${holder.started_at}` : 'held (its lock file cannot be read)');
  }
}

function parseHolder(text: string): LockHolder | null {
  try {
    const holder = JSON.parse(text) as LockHolder;
    return typeof holder?.pid === 'number' && typeof holder.started_at === 'string' ? holder : null;
  } catch {
    return null;
  }
}

const aside = (file: string, what: string) => `${file}.${process.pid}.${randomBytes(4).toString('hex')}.${what}`;

/**
 * Removes the drafts and moved-aside copies (see `aside`) that a process killed between writing and
 * linking or removing them left beside the lock: those whose process, named in the file name, is
 * gone. This process's own are left alone: another of its acquisitions may be using one right now.
 */
async function removeDeadLeftovers(file: string): Promise<void> {
  const prefix = `${basename(file)}.`;
  for (const name of await readdir(dirname(file)).catch(() => [] as string[])) {
    const pid = name.startsWith(prefix)
      ? /^(\d+)\.[0-9a-f]{8}\.(tmp|stale)$/.exec(name.slice(prefix.length))?.[1]
      : undefined;
    if (pid !== undefined && Number(pid) !== process.pid && !isAlive(Number(pid)))
      await rm(join(dirname(file), name), { force: true });
  }
}

/**
 * Takes an exclusive lock file. The content is written whole to a file of its own, then linked into
 * place (atomic, and refused when the lock exists), so nobody ever reads a half-written lock. A lock
 * whose process is gone is moved aside atomically and taken; `staleOwnPid` also counts a lock naming
 * this very process as stale (at start, where a restarted process may reuse its old pid). Drafts that
 * killed processes left are removed first.
 */
export async function acquireLockFile(file: string, mine: LockHolder, staleOwnPid = false): Promise<void> {
  await removeDeadLeftovers(file);
  const draft = aside(file, 'tmp');
  try {
    // Inside the try: a write that fails half-way (a full disk) must not leave the draft behind.
    await writeFile(draft, JSON.stringify(mine), { flag: 'wx' });
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        return await link(draft, file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) =>
        error.code === 'ENOENT' ? null : '',
      );
      if (text === null) continue;
      const holder = parseHolder(text);
      if (!holder) throw new LockHeldError(null);
      const stale = (holder.pid === process.pid && staleOwnPid) || (holder.pid !== process.pid && !isAlive(holder.pid));
      if (!stale) throw new LockHeldError(holder);
      await takeOverStale(file, text);
    }
    throw new LockHeldError(null);
  } finally {
    await rm(draft, { force: true });
  }
}

/**
 * Moves a stale lock out of the way; if what moved is not the
 * stale lock seen (a new holder won the race), puts it back.
 */
async function takeOverStale(file: string, staleText: string): Promise<void> {
  const moved = aside(file, 'stale');
  try {
    await rename(file, moved);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const text = await readFile(moved, 'utf8').catch(() => '');
  if (text !== staleText) {
    await link(moved, file).catch(() => undefined);
    await rm(moved, { force: true });
    throw new LockHeldError(parseHolder(text));
  }
  await rm(moved, { force: true });
}

/** Who holds the lock now: null when nobody does (no file, or its process is gone). */
export async function lockHolder(file: string): Promise<LockHolder | 'unreadable' | null> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) =>
    error.code === 'ENOENT' ? null : '',
  );
  if (text === null) return null;
  const holder = parseHolder(text);
  if (!holder) return 'unreadable';
  return holder.pid !== process.pid && isAlive(holder.pid) ? holder : null;
}
