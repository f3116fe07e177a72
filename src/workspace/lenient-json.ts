import JSON5 from 'json5';

/**
 * Parses JSON as agents really write it. Strict JSON first (fast, and the common case);
 * then, for hand- or model-written files, the same text with leading zeros dropped from numbers
 * (`"hour": 06`) read as JSON5 (trailing commas, comments, single quotes).
 * Throws the strict parser's message when neither reads it: half-written files stay errors.
 */
export function parseLenientJson(text: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (strictError) {
    try {
      return JSON5.parse(stripLeadingZeros(body));
    } catch {
      throw strictError;
    }
  }
}

/** Removes leading zeros of numbers outside strings, leaving string contents untouched. */
export function stripLeadingZeros(text: string): string {
  let out = '';
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      out += ch;
      if (ch === '\\') out += text[++i] ?? '';
      else if (ch === quote) quote = null;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      out += ch;
      continue;
    }
    const startsNumber = ch === '0' && /[0-9]/.test(text[i + 1] ?? '') && !/[\w.]/.test(text[i - 1] ?? '');
    if (startsNumber) {
      while (text[i] === '0' && /[0-9]/.test(text[i + 1] ?? '')) i++;
      out += text[i];
      continue;
    }
    out += ch;
  }
  return out;
}
