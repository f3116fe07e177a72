import { setFlagsFromString } from 'node:v8';

/** Whether a process with this pid exists (EPERM: it does, owned by someone else). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** How much V8 lets its heap grow past what was live at the last full collection, in percent. */
const HEAP_GROWING_PERCENT = 30;

/**
 * Two changes to V8's defaults, for a service that answers thousands of small requests a second and
 * may be flooded with large ones. V8 reads both flags as it goes, so setting them at start takes
 * effect; a flag the operator gives Node is left as it is.
 * - Heap growth: at its default heap size V8 lets garbage pile up to about four times what is live
 *   before a full collection. Under a flood of large events (each read, checked, stored and broadcast
 *   in several copies) that took the service to 540 MB resident with about 50 MB live; growing by 30%
 *   keeps it near 330 MB, for more full collections (`test/hostile/memory.hostile-spec.ts`).
 * - No allocation-site pretenuring: V8 moves an allocation site to the old generation once most of
 *   its objects outlive a young collection. Under load, a request's objects (Express's and Node's
 *   included) often still wait for their commit at one young collection, so their sites got moved,
 *   and every request then left its garbage for the full collections, which the 30% above makes
 *   frequent. Off, single POSTs from 50 clients went from 0.71 to 0.80 of a bare Nest handler, and
 *   500-event batches from about 51,000 to 68,000 events/s or more, in alternating runs; the flood
 *   above peaked at 364 MB (358 MB with it on).
 */
export function tuneHeap(): void {
  const given = (flag: string) =>
    process.execArgv.some((arg) =>
      arg
        .replace(/_/g, '-')
        .replace(/^--no-/, '--')
        .startsWith(`--${flag}`),
    );
  if (!given('heap-growing-percent')) setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  if (!given('allocation-site-pretenuring')) setFlagsFromString('--no-allocation-site-pretenuring');
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
