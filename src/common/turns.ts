/** How long a long loop holds the event loop before letting requests in. */
export const TURN_MS = 4;

/**
 * Splits a long loop into turns of `ms`: `pause()` at each step yields to the event loop (with
 * setImmediate, so that I/O and timers run) once `ms` have passed since the last yield, and is
 * otherwise a resolved promise.
 */
export class Turns {
  private since = performance.now();

  constructor(private readonly ms = TURN_MS) {}

  async pause(): Promise<void> {
    if (performance.now() - this.since < this.ms) return;
    await new Promise((resolve) => setImmediate(resolve));
    this.since = performance.now();
  }
}
