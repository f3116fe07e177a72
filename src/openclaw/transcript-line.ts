import { isPlainObject } from '../common/json';
import { ModelPrice } from './openclaw-config';

/** Token counts and cost of one model answer, or of many added up. */
export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  total_tokens: number;
  cost_usd: number;
}

/** One line of an OpenClaw transcript that matters to Mission Control; other lines read as null. */
export interface TranscriptMessage {
  role: string;
  /** Epoch ms. */
  at: number | null;
  text: string;
  runId: string | null;
  provider: string | null;
  model: string | null;
  /** Assistant answers only. */
  usage: Usage | null;
  stopReason: string | null;
  error: string | null;
  toolCalls: { id: string | null; name: string }[];
  /** toolResult lines. */
  toolName: string | null;
  isError: boolean;
}

/** Answers that end a run; `toolUse` means the run goes on with the tool's result. */
const FAILED_STOPS = new Set(['error', 'aborted', 'timeout', 'killed']);

export function isFailedStop(stopReason: string | null): boolean {
  return stopReason !== null && FAILED_STOPS.has(stopReason);
}

export function endsRun(message: TranscriptMessage): boolean {
  return message.role === 'assistant' && message.stopReason !== 'toolUse' && message.stopReason !== null;
}

/**
 * The run a model answer or tool result belongs to: its own run id; lines without one (older
 * transcripts) start a run after a user's turn, else continue the current one.
 */
export function runOf(message: TranscriptMessage, sessionId: string, position: number, afterUserTurn: boolean, current: string | null): string {
  return message.runId ?? (afterUserTurn || current === null ? `${sessionId}@${position}` : current);
}

/** USD to a billionth, so sums of floats read as the figures OpenClaw writes. */
export function roundUsd(usd: number): number {
  return Math.round(usd * 1e9) / 1e9;
}

export function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export function emptyUsage(): Usage {
  return { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0, total_tokens: 0, cost_usd: 0 };
}

export function addUsage(into: Usage, add: Usage, sign = 1): void {
  into.input_tokens += sign * add.input_tokens;
  into.output_tokens += sign * add.output_tokens;
  into.cache_read_tokens += sign * add.cache_read_tokens;
  into.cache_write_tokens += sign * add.cache_write_tokens;
  into.total_tokens += sign * add.total_tokens;
  into.cost_usd += sign * add.cost_usd;
}

/**
 * Reads one transcript line (`{"type":"message","message":{…}}`). Lines of other types, and anything
 * malformed, give null: a transcript is another program's data, read as far as it is recognisable.
 */
export function parseTranscriptLine(line: string, prices: Map<string, ModelPrice>): TranscriptMessage | null {
  let event: unknown;
  try {
    event = JSON.parse(line);
  } catch {
    return null;
  }
  return readTranscriptEvent(event, prices);
}

/** The same from a line already parsed (or from the fields SQLite pulled out of it). */
export function readTranscriptEvent(event: unknown, prices: Map<string, ModelPrice>): TranscriptMessage | null {
  if (!isPlainObject(event) || event.type !== 'message' || !isPlainObject(event.message)) return null;
  const m = event.message;
  if (typeof m.role !== 'string') return null;
  const meta = isPlainObject(m.__openclaw) ? m.__openclaw : {};
  const provider = str(m.provider);
  const model = str(m.model);
  const content = Array.isArray(m.content) ? m.content : [];
  return {
    role: m.role.slice(0, 32),
    at: epochMs(m.timestamp) ?? epochMs(event.timestamp),
    text: typeof m.content === 'string' ? m.content : content.map((part) => (isPlainObject(part) && typeof part.text === 'string' ? part.text : '')).join(''),
    runId: str(meta.runId),
    provider,
    model,
    usage: m.role === 'assistant' ? readUsage(m.usage, prices.get(`${provider}/${model}`)) : null,
    stopReason: str(m.stopReason),
    error: str(m.errorMessage),
    toolCalls: content
      .filter((part): part is Record<string, unknown> => isPlainObject(part) && part.type === 'toolCall' && typeof part.name === 'string')
      .map((part) => ({ id: str(part.id), name: String(part.name).slice(0, 128) })),
    toolName: str(m.toolName),
    isError: m.isError === true,
  };
}

/** OpenClaw's usage block; a cost it did not record is priced from openclaw.json, when it can be. */
function readUsage(value: unknown, price: ModelPrice | undefined): Usage {
  const usage = emptyUsage();
  if (!isPlainObject(value)) return usage;
  usage.input_tokens = count(value.input);
  usage.output_tokens = count(value.output);
  usage.cache_read_tokens = count(value.cacheRead);
  usage.cache_write_tokens = count(value.cacheWrite);
  usage.total_tokens = count(value.totalTokens) || usage.input_tokens + usage.output_tokens + usage.cache_read_tokens + usage.cache_write_tokens;
  const cost = isPlainObject(value.cost) ? value.cost.total : value.cost;
  if (typeof cost === 'number' && Number.isFinite(cost) && cost >= 0) usage.cost_usd = cost;
  else usage.cost_usd = priced({ input: usage.input_tokens, output: usage.output_tokens, cacheRead: usage.cache_read_tokens, cacheWrite: usage.cache_write_tokens }, price);
  return usage;
}

/** USD for tokens at a price per million; 0 without a price. */
export function priced(tokens: { input: number; output: number; cacheRead: number; cacheWrite: number }, price: ModelPrice | undefined): number {
  if (!price) return 0;
  return (tokens.input * price.input + tokens.output * price.output + tokens.cacheRead * price.cacheRead + tokens.cacheWrite * price.cacheWrite) / 1e6;
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value ? value.slice(0, 4096) : null;
}

/** Epoch ms from a number (ms or s) or an ISO date. */
export function epochMs(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value < 1e11 ? value * 1000 : value;
  if (typeof value === 'string') {
    const parsed = Date.parse(value);
    return Number.isNaN(parsed) ? null : parsed;
  }
  return null;
}
