/**
 * The bounds every figure from outside (OpenClaw's files, events over HTTP) must keep before it is
 * stored or summed. Each is far above anything real, and far enough below what a double holds that
 * sums of many stay exact and finite.
 */

/** Tokens of one model answer or one event: the largest context windows are a few million. */
export const MAX_TOKENS = 1e9;
/** USD of one model answer or one event. */
export const MAX_COST_USD = 1e5;
/** A task's or request's duration in seconds: a week (runs of days exist; none of weeks). */
export const MAX_DURATION_SECONDS = 7 * 86_400;
/** A time may be at most this far ahead of the server's clock (clocks drift; days ahead is a bug). */
export const MAX_FUTURE_MS = 86_400_000;
/** Nor before 2000-01-01 (a zero or a seconds/ms mix-up). */
export const MIN_TIME_MS = Date.UTC(2000, 0, 1);

/** The numeric fields of an event's data that the metrics read, and the largest value of each. */
export const EVENT_FIGURES: Record<string, number> = {
  input_tokens: MAX_TOKENS,
  output_tokens: MAX_TOKENS,
  cache_read_tokens: MAX_TOKENS,
  cache_write_tokens: MAX_TOKENS,
  cost_usd: MAX_COST_USD,
  duration: MAX_DURATION_SECONDS,
  duration_ms: MAX_DURATION_SECONDS * 1000,
  // Its unit is the sender's; a week in ms bounds both seconds and ms.
  response_time: MAX_DURATION_SECONDS * 1000,
};

/** A number from 0 to `max`. */
export function withinBounds(value: unknown, max: number): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= max;
}

/** Epoch ms from 2000 to a day ahead of now. */
export function plausibleTime(ms: number, now = Date.now()): boolean {
  return Number.isFinite(ms) && ms >= MIN_TIME_MS && ms <= now + MAX_FUTURE_MS;
}

/**
 * What is wrong with the figures of an event's data, one message per field (empty when nothing is).
 * Absent and null are fine; a number, or a string that reads as one (as the metrics read them), must
 * be from 0 to the field's bound.
 */
export function eventFigureProblems(data: Record<string, unknown>): string[] {
  return Object.keys(EVENT_FIGURES)
    .filter((field) => !figureFits(data, field))
    .map((field) => `data.${field} must be a number from 0 to ${EVENT_FIGURES[field]}`);
}

/** The same as a yes or no, for every event ingested: no array is made. */
export function eventFiguresFit(data: Record<string, unknown>): boolean {
  for (const field in EVENT_FIGURES) if (!figureFits(data, field)) return false;
  return true;
}

function figureFits(data: Record<string, unknown>, field: string): boolean {
  const value = data[field];
  if (value === undefined || value === null) return true;
  return withinBounds(typeof value === 'string' && value.trim() !== '' ? Number(value) : value, EVENT_FIGURES[field]);
}

/** Whether a row's figures can be stored: integers that are safe, reals that are finite, null only where allowed. */
export function badFigures(
  row: Record<string, unknown>,
  names: readonly string[],
  nullable: readonly string[] = [],
): string[] {
  return names.filter((name) => {
    const value = row[name];
    if (value === null) return !nullable.includes(name);
    return typeof value !== 'number' || !Number.isFinite(value);
  });
}
