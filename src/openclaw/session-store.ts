import { MAX_COST_USD, MAX_TOKENS, withinBounds } from '../common/figure-bounds';
import type { SessionAggregate } from './agent-database-rows';
import { SessionMeta } from './session-tracker';
import { TranscriptMessage } from './transcript-line';
import { emptyUsage, Usage, ModelPrice } from '../contracts/usage';

/** What one poll of a session store found: changed sessions and new transcript lines. */
export interface StoreChanges {
  metas: SessionMeta[];
  /** Whole transcripts summed up by SQLite (a first read), by session key and id. */
  loaded: { key: string; aggregate: SessionAggregate }[];
  lines: TranscriptEntry[];
  /** Session keys whose transcript was rewritten: their counts start again from these lines. */
  recount: Set<string>;
}

/** One new transcript line, read as far as Mission Control needs it (null: not a message, or unreadable). */
export interface TranscriptEntry {
  key: string;
  sessionId: string;
  position: number;
  message: TranscriptMessage | null;
}

export type Counted = (key: string, sessionId: string) => number;

/** One agent's session store, whatever its layout. */
export interface SessionStore {
  readonly agentId: string;
  readonly layout: 'sqlite' | 'legacy';
  schemaVersion: number | null;
  problems: string[];
  poll(counted: Counted, prices: Map<string, ModelPrice>): Promise<StoreChanges>;
  /** Transcript lines of one session id, positions in [from, to), at most `limit`, the newest when `newest`. */
  readLines(
    sessionId: string,
    range: { before?: number; limit: number },
  ): Promise<{ position: number; line: string }[]>;
  /** Every session id the key has had, oldest first. */
  sessionIds(key: string): string[];
  close(): Promise<void>;
}

/** The entry's figures (those of the last run), when it has any. */
export function entryUsage(entry: Record<string, unknown>): Usage | null {
  // A figure out of bounds (src/common/figure-bounds.ts) counts 0, as a negative one does.
  const n = (v: unknown, max = MAX_TOKENS) => (withinBounds(v, max) ? v : 0);
  if (entry.inputTokens === undefined && entry.outputTokens === undefined && entry.estimatedCostUsd === undefined)
    return null;
  const usage = emptyUsage();
  usage.input_tokens = n(entry.inputTokens);
  usage.output_tokens = n(entry.outputTokens);
  usage.cache_read_tokens = n(entry.cacheRead);
  usage.cache_write_tokens = n(entry.cacheWrite);
  usage.total_tokens = usage.input_tokens + usage.output_tokens + usage.cache_read_tokens + usage.cache_write_tokens;
  usage.cost_usd = n(entry.estimatedCostUsd, MAX_COST_USD);
  return usage;
}

export function text(value: unknown): string | null {
  return typeof value === 'string' && value ? value.slice(0, 512) : null;
}
