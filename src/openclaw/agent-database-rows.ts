import { decompress } from 'fzstd';
import { ModelPrice } from './openclaw-config';
import { parseTranscriptLine, readTranscriptEvent, TranscriptMessage } from './transcript-line';

/*
 * How the rows of an agent database are read: which columns, and what SQLite pulls out of the JSON in
 * them so that large entries and message texts never cross into JavaScript while counting.
 */

/** The entry_json fields read, pulled out by SQLite so the (often large) entry never crosses into JavaScript. */
export const ENTRY_FIELDS = [
  'sessionStartedAt', 'lastActivityAt', 'model', 'modelProvider', 'status', 'parentSessionKey', 'spawnedBy', 'abortedLastRun',
  'inputTokens', 'outputTokens', 'cacheRead', 'cacheWrite', 'estimatedCostUsd',
] as const;
export const NODE_COLUMNS = ['session_key', 'current_session_id', 'updated_at', 'status', 'parent_session_key', 'spawned_by', 'last_activity_at', 'created_at'];
/**
 * Rows updated this long before the newest one seen are read again: OpenClaw's processes stamp rows
 * with their own clocks, and a turn may be stamped a little in the past. A row whose stamp did not
 * change is skipped.
 */
export const REREAD_MS = 60_000;
/**
 * What the reader needs of a transcript line, pulled out by SQLite in one parse per row, so the text of
 * messages (most of a transcript) never crosses into JavaScript while counting.
 */
export const LINE_FIELDS = {
  type: '$.type',
  timestamp: '$.timestamp',
  role: '$.message.role',
  at: '$.message.timestamp',
  runId: '$.message.__openclaw.runId',
  provider: '$.message.provider',
  model: '$.message.model',
  usage: '$.message.usage',
  stopReason: '$.message.stopReason',
  errorMessage: '$.message.errorMessage',
  toolName: '$.message.toolName',
  isError: '$.message.isError',
};
export const FIELDS_SQL = `CASE WHEN event_json IS NOT NULL AND json_valid(event_json) THEN json_extract(event_json, ${Object.values(LINE_FIELDS)
  .map((path) => `'${path}'`)
  .join(', ')}) END AS fields`;

export interface NodeRow {
  session_key: string;
  current_session_id: string;
  updated_at: number;
  entry: string | null;
  entry_bytes: number;
  status?: string | null;
  parent_session_key?: string | null;
  spawned_by?: string | null;
  last_activity_at?: number | null;
  created_at?: number | null;
}

/** What is kept of a node: its columns, its entry's fields, and a stamp to tell a new version from one already read. */
export interface NodeInfo extends Omit<NodeRow, 'entry' | 'entry_bytes'> {
  stamp: string;
  entry: Record<string, unknown>;
}

export interface WindowRow {
  session_id: string;
  session_key: string;
  updated_at: number;
  started_at?: number | null;
  ended_at?: number | null;
  status?: string | null;
  model_provider?: string | null;
  model?: string | null;
}

/** The node columns this reader knows, and the entry's fields pulled out by SQLite. */
export function nodeSelect(columns: Set<string>): string {
  const entry = columns.has('entry_json')
    ? `CASE WHEN json_valid(entry_json) THEN json_extract(entry_json, ${ENTRY_FIELDS.map((f) => `'$.${f}'`).join(', ')}) END AS entry, length(entry_json) AS entry_bytes`
    : 'NULL AS entry, 0 AS entry_bytes';
  return `${NODE_COLUMNS.filter((c) => columns.has(c)).join(', ')}, ${entry}`;
}

export function lineOf(row: { event_json: string | null; event_zstd: Uint8Array | null }): string {
  if (row.event_json !== null) return row.event_json;
  return row.event_zstd ? Buffer.from(decompress(row.event_zstd)).toString('utf8') : '';
}

export interface TranscriptRow {
  rid: number;
  session_id: string;
  seq: number;
  fields: string | null;
  event_zstd: Uint8Array | null;
}

/** A row's message: from the fields SQLite pulled out, or from the decompressed line. */
export function messageOf(row: TranscriptRow, prices: Map<string, ModelPrice>, problems: string[]): TranscriptMessage | null {
  if (row.event_zstd) {
    try {
      return parseTranscriptLine(lineOf({ event_json: null, event_zstd: row.event_zstd }), prices);
    } catch (error) {
      if (problems.length < 20) problems.push(`unreadable compressed transcript row: ${(error as Error).message}`);
      return null;
    }
  }
  if (row.fields === null) return null;
  const v = JSON.parse(row.fields) as unknown[];
  const [type, timestamp, role, at, runId, provider, model, usage, stopReason, errorMessage, toolName, isError] = v;
  const message = { role, timestamp: at, __openclaw: { runId }, provider, model, usage, stopReason, errorMessage, toolName, isError };
  return readTranscriptEvent({ type, timestamp, message }, prices);
}
