/**
 * Runs a simulator's step every `intervalMs`. A slow disk must not pile steps up: a tick is skipped
 * while the last step still runs. A failed step is reported and the next tick tries again.
 */
export class Stepper {
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;

  constructor(
    private readonly step: () => Promise<void>,
    private readonly intervalMs: number,
    private readonly onError: (error: Error) => void,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.inFlight) return;
      this.inFlight = this.step()
        .catch(this.onError)
        .finally(() => (this.inFlight = null));
    }, this.intervalMs);
  }

  /** Stops ticking and waits for the step under way. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.inFlight;
  }
}
