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
 * At its default heap size V8 lets garbage pile up to about four times what is live before a full
 * collection. Under a flood of large events (each read, checked, stored and broadcast in several
 * copies) that took the service to 540 MB resident with about 50 MB live; growing by 30% keeps it
 * near 330 MB, for more full collections: about 5% of the time under that load
 * (`test/hostile/memory.hostile-spec.ts`). V8 reads the flag at every collection, so setting it at
 * start takes effect; a `--heap-growing-percent` the operator gives Node is left as it is.
 */
export function limitHeapGrowth(): void {
  if (!process.execArgv.some((arg) => /^--heap[-_]growing[-_]percent/.test(arg))) setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
