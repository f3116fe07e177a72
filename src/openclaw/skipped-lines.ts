/**
 * Transcript lines a session store left out, wholly or in part, for figures out of bounds (see
 * src/common/figure-bounds.ts): counted until the store starts over, and reported among its problems at
 * every poll, since such a line is read once and never again.
 */
export class SkippedLines {
  private count = 0;
  private latest = '';

  note(where: string, problem: string, lines = 1): void {
    this.count += lines;
    this.latest = `${where}: ${problem}`;
  }

  reset(): void {
    this.count = 0;
    this.latest = '';
  }

  /** One problem line, or none. */
  report(): string[] {
    return this.count
      ? [`${this.count} transcript line(s) with figures out of bounds, left out; the latest: ${this.latest}`]
      : [];
  }
}
