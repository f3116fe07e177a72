import { PluginLogger, RateLimitedLog } from './log.js';
import { BoundedQueue } from './queue.js';

/** One event as Mission Control's `POST /api/events/batch` takes it. */
export interface McEvent {
  event_type: string;
  agent_id: string | null;
  timestamp: string;
  data: Record<string, unknown>;
}

export interface ForwarderOptions {
  /** Mission Control's base URL, e.g. http://127.0.0.1:8080. */
  url: string;
  /** Sent as `Authorization: Bearer <token>` when set (Mission Control's MC_API_TOKEN). */
  token?: string;
  logger?: PluginLogger;
  /** Events kept while Mission Control is unreachable; beyond this the oldest are dropped (default 10000). */
  capacity?: number;
  /** Events per request, and the queue length that triggers an immediate flush (default 200). */
  batchSize?: number;
  flushIntervalMs?: number;
  /** Delay of the flush that flushSoon() asks for, letting the last events of a turn join it (default 100). */
  soonFlushMs?: number;
  requestTimeoutMs?: number;
  /** First retry delay ceiling; it doubles per failure up to retryMaxMs, and the delay is a random fraction of it. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  shutdownTimeoutMs?: number;
  logIntervalMs?: number;
  random?: () => number;
}

export interface ForwarderStats {
  /** Waiting in the queue or in the batch being sent. */
  pending: number;
  sent: number;
  /** Dropped because the queue was full. */
  dropped: number;
  /** Dropped because Mission Control refused their batch with a 4xx. */
  rejected: number;
}

type Outcome = 'sent' | 'rejected' | 'retry';

/**
 * Queues events in memory and posts them to Mission Control in order, in batches, retrying failed
 * posts with backoff. Nothing here throws to the caller and no timer holds the process open.
 */
export class EventForwarder {
  private readonly endpoint: string;
  private readonly queue: BoundedQueue<McEvent>;
  private readonly log: RateLimitedLog;
  private readonly opts: Required<Omit<ForwarderOptions, 'token' | 'logger' | 'url'>>;
  /** The batch being sent, kept until it is delivered or refused so a retry resends exactly it, first. */
  private batch: McEvent[] | undefined;
  private sending: Promise<boolean> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopping = false;
  /** A flush was asked for sooner than the interval. */
  private soon = false;
  /** Aborted when a shutdown runs out of time, to end a post still hanging. */
  private cancel = new AbortController();
  private readonly counters = { sent: 0, dropped: 0, rejected: 0 };

  constructor(private readonly options: ForwarderOptions) {
    this.endpoint = `${options.url.replace(/\/+$/, '')}/api/events/batch`;
    this.opts = {
      capacity: options.capacity ?? 10_000,
      batchSize: options.batchSize ?? 200,
      flushIntervalMs: options.flushIntervalMs ?? 1_000,
      soonFlushMs: options.soonFlushMs ?? 100,
      requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
      retryBaseMs: options.retryBaseMs ?? 500,
      retryMaxMs: options.retryMaxMs ?? 30_000,
      shutdownTimeoutMs: options.shutdownTimeoutMs ?? 2_000,
      logIntervalMs: options.logIntervalMs ?? 60_000,
      random: options.random ?? Math.random,
    };
    this.queue = new BoundedQueue(this.opts.capacity);
    this.log = new RateLimitedLog(options.logger, this.opts.logIntervalMs);
  }

  stats(): ForwarderStats {
    return { pending: this.queue.size + (this.batch?.length ?? 0), ...this.counters };
  }

  enqueue(event: McEvent): void {
    if (this.queue.push(event)) {
      this.counters.dropped++;
      this.log.warn(
        'overflow',
        `queue full (${this.opts.capacity} events): dropping the oldest; ${this.counters.dropped} dropped so far`,
      );
    }
    // While retrying, a full batch waits for the backoff like everything else.
    if (this.queue.size >= this.opts.batchSize && this.failures === 0) this.kick();
    else this.arm();
  }

  /**
   * Flushes within soonFlushMs rather than the interval. The process of a CLI turn exits about a
   * second after the turn ends, with no hook and no beforeExit on the way out: waiting for the
   * interval could lose the turn's last events.
   */
  flushSoon(): void {
    if (!this.batch && this.queue.size === 0) return;
    this.soon = true;
    if (this.failures === 0) this.clearTimer();
    this.arm();
  }

  /**
   * Sends what is queued, waiting for a post already under way, for at most `timeoutMs`. Resolves
   * (never rejects) to whether everything got through. The forwarder keeps working afterwards.
   */
  shutdown(timeoutMs = this.opts.shutdownTimeoutMs): Promise<boolean> {
    this.stopping = true;
    this.clearTimer();
    const deadline = Date.now() + timeoutMs;
    const work = this.run(deadline).finally(() => {
      this.stopping = false;
      this.arm();
    });
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => {
        this.cancel.abort();
        this.cancel = new AbortController();
        resolve(false);
      }, timeoutMs);
      timer.unref();
    });
    return Promise.race([work, expired]).finally(() => clearTimeout(timer));
  }

  private kick(): void {
    if (this.stopping || this.sending) return;
    this.clearTimer();
    this.soon = false;
    void this.run();
  }

  /** Drains after whatever drain is under way, so two drains never send at once. */
  private run(deadline?: number): Promise<boolean> {
    const tracked: Promise<boolean> = (this.sending ?? Promise.resolve(true))
      .then(() => this.drain(deadline))
      .finally(() => {
        if (this.sending !== tracked) return;
        this.sending = undefined;
        if (!this.stopping) this.arm();
      });
    this.sending = tracked;
    return tracked;
  }

  /** Sets the one timer for the next drain: the flush interval, or the backoff after a failure. */
  private arm(): void {
    if (this.stopping || this.sending || this.timer || (!this.batch && this.queue.size === 0)) return;
    const delay = this.failures > 0 ? this.backoff() : this.soon ? this.opts.soonFlushMs : this.opts.flushIntervalMs;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.kick();
    }, delay);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Full jitter: a random delay up to an exponentially growing ceiling. */
  private backoff(): number {
    const ceiling = Math.min(this.opts.retryMaxMs, this.opts.retryBaseMs * 2 ** Math.min(this.failures - 1, 30));
    return Math.floor(this.opts.random() * ceiling);
  }

  private async drain(deadline?: number): Promise<boolean> {
    for (;;) {
      if (!this.batch) {
        if (this.queue.size === 0) return true;
        this.batch = this.queue.take(this.opts.batchSize);
      }
      const timeout =
        deadline === undefined
          ? this.opts.requestTimeoutMs
          : Math.min(this.opts.requestTimeoutMs, deadline - Date.now());
      if (timeout <= 0) return false;
      const outcome = await this.post(this.batch, timeout);
      if (outcome === 'retry') {
        this.failures++;
        return false;
      }
      this.counters[outcome === 'sent' ? 'sent' : 'rejected'] += this.batch.length;
      this.batch = undefined;
      this.failures = 0;
    }
  }

  private async post(events: McEvent[], timeoutMs: number): Promise<Outcome> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    try {
      const res = await fetch(this.endpoint, {
        method: 'POST',
        headers,
        body: JSON.stringify({ events }),
        signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), this.cancel.signal]),
      });
      // Reading the body lets the connection go back to the pool; the text only matters for a refusal.
      const text = await res.text().catch(() => '');
      if (res.ok) return 'sent';
      if (res.status >= 400 && res.status < 500 && res.status !== 429) {
        this.log.error(
          'rejected',
          `Mission Control refused a batch of ${events.length} events with HTTP ${res.status}; dropped it (${this.counters.rejected + events.length} dropped so far): ${text.slice(0, 300)}`,
        );
        return 'rejected';
      }
      this.log.warn('retry', `POST ${this.endpoint} answered HTTP ${res.status}; retrying with backoff`);
    } catch (err) {
      this.log.warn('retry', `POST ${this.endpoint} failed (${describe(err)}); retrying with backoff`);
    }
    return 'retry';
  }
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error ? `${err.message}: ${cause.message}` : err.message;
}
