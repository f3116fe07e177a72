/** Token counts and cost of one model answer, or of many added up. */
export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  total_tokens: number;
  cost_usd: number;
}

/** USD per million tokens of one model, as openclaw.json gives it. */
export interface ModelPrice {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/** USD to a billionth, so sums of floats read as the figures OpenClaw writes. */
export function roundUsd(usd: number): number {
  return Math.round(usd * 1e9) / 1e9;
}

export function emptyUsage(): Usage {
  return {
    input_tokens: 0,
    output_tokens: 0,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    total_tokens: 0,
    cost_usd: 0,
  };
}

export function addUsage(into: Usage, add: Usage, sign = 1): void {
  into.input_tokens += sign * add.input_tokens;
  into.output_tokens += sign * add.output_tokens;
  into.cache_read_tokens += sign * add.cache_read_tokens;
  into.cache_write_tokens += sign * add.cache_write_tokens;
  into.total_tokens += sign * add.total_tokens;
  into.cost_usd += sign * add.cost_usd;
}

/** USD for tokens at a price per million; 0 without a price, or with one that makes it no finite number. */
export function priced(
  tokens: { input: number; output: number; cacheRead: number; cacheWrite: number },
  price: ModelPrice | undefined,
): number {
  if (!price) return 0;
  const usd =
    (tokens.input * price.input +
      tokens.output * price.output +
      tokens.cacheRead * price.cacheRead +
      tokens.cacheWrite * price.cacheWrite) /
    1e6;
  return Number.isFinite(usd) ? usd : 0;
}
