import { MAX_COST_USD, MAX_TOKENS, plausibleTime } from '../common/figure-bounds';
import { isPlainObject } from '../common/json';
import { emptyUsage, ModelPrice, priced, Usage } from '../contracts/usage';

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
  /** What of the line was out of bounds and left out (its usage, its time); absent when nothing was. */
  problem?: string;
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
export function runOf(
  message: TranscriptMessage,
  sessionId: string,
  position: number,
  afterUserTurn: boolean,
  current: string | null,
): string {
  return message.runId ?? (afterUserTurn || current === null ? `${sessionId}@${position}` : current);
}

export function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
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
  const problems: string[] = [];
  if (readEpochMs(m.timestamp) !== null && epochMs(m.timestamp) === null)
    problems.push(`timestamp ${String(m.timestamp)} is out of range (2000 to a day ahead): not used`);
  const usage = m.role === 'assistant' ? readUsage(m.usage, prices.get(`${provider}/${model}`), problems) : null;
  return {
    role: m.role.slice(0, 32),
    at: epochMs(m.timestamp) ?? epochMs(event.timestamp),
    text:
      typeof m.content === 'string'
        ? m.content
        : content.map((part) => (isPlainObject(part) && typeof part.text === 'string' ? part.text : '')).join(''),
    runId: str(meta.runId),
    provider,
    model,
    usage,
    stopReason: str(m.stopReason),
    error: str(m.errorMessage),
    toolCalls: content
      .filter(
        (part): part is Record<string, unknown> =>
          isPlainObject(part) && part.type === 'toolCall' && typeof part.name === 'string',
      )
      .map((part) => ({ id: str(part.id), name: String(part.name).slice(0, 128) })),
    toolName: str(m.toolName),
    isError: m.isError === true,
    ...(problems.length && { problem: problems.join('; ') }),
  };
}

/**
 * OpenClaw's usage block; a cost it did not record is priced from openclaw.json, when it can be. A
 * block with a figure out of bounds counts nothing, and says so in `problems`.
 */
function readUsage(value: unknown, price: ModelPrice | undefined, problems: string[]): Usage {
  const usage = emptyUsage();
  if (!isPlainObject(value)) return usage;
  const cost = isPlainObject(value.cost) ? value.cost.total : value.cost;
  const huge = (['input', 'output', 'cacheRead', 'cacheWrite', 'totalTokens'] as const)
    .filter((k) => tooBig(value[k], MAX_TOKENS))
    .map((k) => `usage.${k} ${String(value[k])}`);
  if (tooBig(cost, MAX_COST_USD)) huge.push(`usage cost ${String(cost)}`);
  if (huge.length) {
    problems.push(
      `${huge.join(', ')} out of bounds (tokens at most ${MAX_TOKENS}, USD at most ${MAX_COST_USD}): the answer's usage is not counted`,
    );
    return usage;
  }
  usage.input_tokens = count(value.input);
  usage.output_tokens = count(value.output);
  usage.cache_read_tokens = count(value.cacheRead);
  usage.cache_write_tokens = count(value.cacheWrite);
  usage.total_tokens =
    count(value.totalTokens) ||
    usage.input_tokens + usage.output_tokens + usage.cache_read_tokens + usage.cache_write_tokens;
  if (typeof cost === 'number' && Number.isFinite(cost) && cost >= 0) usage.cost_usd = cost;
  else
    usage.cost_usd = priced(
      {
        input: usage.input_tokens,
        output: usage.output_tokens,
        cacheRead: usage.cache_read_tokens,
        cacheWrite: usage.cache_write_tokens,
      },
      price,
    );
  if (usage.cost_usd > MAX_COST_USD) {
    problems.push(
      `priced at $${usage.cost_usd} from openclaw.json, over $${MAX_COST_USD}: the answer's usage is not counted`,
    );
    return emptyUsage();
  }
  return usage;
}

/** A number past `max`, or one JSON could not hold (1e999 reads as Infinity). */
function tooBig(value: unknown, max: number): boolean {
  return typeof value === 'number' && (value > max || Number.isNaN(value));
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value ? value.slice(0, 4096) : null;
}

/** Epoch ms from a number (ms or s) or an ISO date, from 2000 to a day ahead; null for anything else. */
export function epochMs(value: unknown): number | null {
  const ms = readEpochMs(value);
  return ms !== null && plausibleTime(ms) ? ms : null;
}

function readEpochMs(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value < 1e11 ? value * 1000 : value;
  if (typeof value === 'string') {
    const parsed = Date.parse(value);
    return Number.isNaN(parsed) ? null : parsed;
  }
  return null;
}
