export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A stored JSON object column, read back; anything unreadable reads as `{}` rather than failing a whole page. */
export function parseJsonObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return isPlainObject(value) ? value : {};
  } catch {
    return {};
  }
}

const serialised = new WeakMap<object, string>();

/**
 * JSON.stringify, remembered for as long as the object lives: an event's data is serialised once, to
 * check its size, and that same text is stored, rather than serialised again (large events come by
 * the thousand). Only for values nothing changes afterwards, as parsed request bodies.
 */
export function jsonOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  let text = serialised.get(value);
  if (text === undefined) serialised.set(value, (text = JSON.stringify(value)));
  return text;
}
