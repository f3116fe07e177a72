/** The part of OpenClaw's plugin logger (`api.logger`) the plugin uses. */
export interface PluginLogger {
  info?: (message: string) => void;
  warn?: (message: string) => void;
  error?: (message: string) => void;
}

/**
 * Logs each kind of problem at most once per interval, with a count of what was held back: an
 * unreachable Mission Control must not flood the host's log once a second.
 */
export class RateLimitedLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly logger: PluginLogger | undefined,
    private readonly intervalMs = 60_000,
  ) {}

  warn(key: string, message: string): void {
    this.write('warn', key, message);
  }

  error(key: string, message: string): void {
    this.write('error', key, message);
  }

  private write(level: 'warn' | 'error', key: string, message: string): void {
    const now = Date.now();
    const seen = this.last.get(key);
    if (seen && now - seen.at < this.intervalMs) {
      seen.suppressed++;
      return;
    }
    const held = seen?.suppressed ? ` (${seen.suppressed} similar messages suppressed)` : '';
    this.last.set(key, { at: now, suppressed: 0 });
    try {
      (this.logger?.[level] ?? this.logger?.warn)?.call(this.logger, `[mission-control] ${message}${held}`);
    } catch {
      // A broken host logger is no reason to fail the caller.
    }
  }
}
