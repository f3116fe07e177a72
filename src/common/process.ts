/** Whether a process with this pid exists (EPERM: it does, owned by someone else). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads left running that may never return (see abandon): exit must not wait for them. */
const abandoned = new Set<object>();

/**
 * Marks a read that the service stopped waiting for: a thread of libuv's pool may be stuck in it (a
 * hung mount), and process.exit joins those threads before the process ends, so it would wait forever.
 */
export function abandon(work: Promise<unknown>): void {
  const token = {};
  abandoned.add(token);
  work.then(
    () => abandoned.delete(token),
    () => abandoned.delete(token),
  );
}

/** Exits with `code`, by forceExit while an abandoned read is still under way. */
export function exitProcess(code: number): never {
  if (abandoned.size === 0) process.exit(code);
  return forceExit(code);
}

/**
 * Ends the process even while a thread of libuv's pool is stuck in a system call, which process.exit
 * would wait for: 'exit' listeners run (status.json, log flushing), then the process ends by SIGTERM
 * with its default action (exit status 143), or by SIGKILL should that be caught.
 */
export function forceExit(code: number): never {
  process.exitCode = code;
  process.emit('exit', code);
  process.removeAllListeners('SIGTERM');
  process.kill(process.pid, 'SIGTERM');
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable: the process was killed');
}
