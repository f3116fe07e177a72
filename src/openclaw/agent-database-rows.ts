import { decompress } from 'fzstd';
import { MAX_COST_USD, MAX_FUTURE_MS, MAX_TOKENS, MIN_TIME_MS } from '../common/figure-bounds';
import { ModelPrice } from '../contracts/usage';
import { parseTranscriptLine, readTranscriptEvent, TranscriptMessage } from './transcript-line';

/*
 * How the rows of an agent database are read: which columns, and what SQLite pulls out of the JSON in
 * them so that large entries and message texts never cross into JavaScript while counting.
 */

/** The entry_json fields read, pulled out by SQLite so the (often large) entry never crosses into JavaScript. */
export const ENTRY_FIELDS = [
  'sessionStartedAt',
  'lastActivityAt',
  'model',
  'modelProvider',
  'status',
  'parentSessionKey',
  'spawnedBy',
  'abortedLastRun',
  'inputTokens',
  'outputTokens',
  'cacheRead',
  'cacheWrite',
  'estimatedCostUsd',
] as const;
export const NODE_COLUMNS = [
  'session_key',
  'current_session_id',
  'updated_at',
  'status',
  'parent_session_key',
  'spawned_by',
  'last_activity_at',
  'created_at',
];
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
const FIELDS_SQL = `CASE WHEN event_json IS NOT NULL AND json_valid(event_json) THEN json_extract(event_json, ${Object.values(
  LINE_FIELDS,
)
  .map((path) => `'${path}'`)
  .join(', ')}) END AS fields`;
/** A transcript row as the row-by-row read takes it: its place, the pulled-out fields, or the compressed line. */
export const TRANSCRIPT_COLUMNS = `rowid AS rid, session_id, seq, ${FIELDS_SQL}, CASE WHEN event_json IS NULL THEN event_zstd END AS event_zstd`;

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

/** A row's line; throws when its compressed bytes will not decompress. */
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

/**
 * A row's message: from the fields SQLite pulled out, or from the
 * decompressed line (null, and said, when it will not decompress).
 */
export function messageOf(
  row: TranscriptRow,
  prices: Map<string, ModelPrice>,
  unreadable: (error: string) => void,
): TranscriptMessage | null {
  if (row.event_zstd) {
    try {
      return parseTranscriptLine(lineOf({ event_json: null, event_zstd: row.event_zstd }), prices);
    } catch (error) {
      unreadable((error as Error).message);
      return null;
    }
  }
  if (row.fields === null) return null;
  const v = JSON.parse(row.fields) as unknown[];
  const [type, timestamp, role, at, runId, provider, model, usage, stopReason, errorMessage, toolName, isError] = v;
  const message = {
    role,
    timestamp: at,
    __openclaw: { runId },
    provider,
    model,
    usage,
    stopReason,
    errorMessage,
    toolName,
    isError,
  };
  return readTranscriptEvent({ type, timestamp, message }, prices);
}

/**
 * An answer's figure past its bound (tokens, or USD), which JSON's 1e999 is too: such an answer's usage is not counted.
 */
const over = (column: string, max = MAX_TOKENS) => `(typeof(${column}) IN ('integer', 'real') AND ${column} > ${max})`;
/** A time from 2000 to a day ahead, else NULL. */
const plausible = (ms: string) =>
  `CASE WHEN ${ms} BETWEEN ${MIN_TIME_MS} AND unixepoch('now') * 1000 + ${MAX_FUTURE_MS} THEN ${ms} END`;

/**
 * A first read of a whole transcript table, summed up by SQLite per session in one pass (its JSON
 * functions cache the parse of a row across paths): a few hundred rows cross into JavaScript instead
 * of every message. What it gives is what SessionTracker.add would have summed, message by message.
 */
export const BULK_SQL = `
WITH
raw AS NOT MATERIALIZED (
  SELECT session_id, seq,
    event_json ->> '$.message.role' AS role,
    event_json ->> '$.message.timestamp' AS tn,
    event_json ->> '$.timestamp' AS ti,
    event_json ->> '$.message.__openclaw.runId' AS run,
    event_json ->> '$.message.provider' AS provider,
    event_json ->> '$.message.model' AS model,
    event_json ->> '$.message.stopReason' AS stop,
    event_json ->> '$.message.isError' AS is_error,
    event_json ->> '$.message.usage.input' AS ui,
    event_json ->> '$.message.usage.output' AS uo,
    event_json ->> '$.message.usage.cacheRead' AS ucr,
    event_json ->> '$.message.usage.cacheWrite' AS ucw,
    event_json ->> '$.message.usage.totalTokens' AS utt,
    coalesce(event_json ->> '$.message.usage.cost.total', CASE WHEN json_type(event_json, '$.message.usage.cost') IN ('integer', 'real') THEN event_json ->> '$.message.usage.cost' END) AS cost
  FROM transcript_events
  WHERE event_json IS NOT NULL AND event_json ->> '$.type' = 'message'),
t AS NOT MATERIALIZED (
  SELECT *,
    CASE WHEN typeof(tn) IN ('integer', 'real') AND tn > 0 THEN (CASE WHEN tn < 1e11 THEN tn * 1000 ELSE tn END)
         WHEN typeof(tn) = 'text' THEN unixepoch(tn, 'subsec') * 1000 END AS tn_ms,
    CASE WHEN typeof(ti) = 'text' THEN unixepoch(ti, 'subsec') * 1000 END AS ti_ms,
    role = 'assistant' AND (${over('ui')} OR ${over('uo')} OR ${over('ucr')} OR ${over('ucw')} OR ${over('utt')} OR ${over('cost', MAX_COST_USD)}) AS oob
  FROM raw WHERE role IN ('user', 'assistant', 'toolResult')),
m AS MATERIALIZED (
  SELECT session_id, seq, role, run, provider, model, stop, is_error, oob,
    coalesce(${plausible('tn_ms')}, ${plausible('ti_ms')}) AS at,
    tn_ms IS NOT NULL AND ${plausible('tn_ms')} IS NULL AS odd_time,
    CASE WHEN NOT oob AND typeof(ui) IN ('integer', 'real') AND ui > 0 THEN CAST(ui AS INTEGER) ELSE 0 END AS ui,
    CASE WHEN NOT oob AND typeof(uo) IN ('integer', 'real') AND uo > 0 THEN CAST(uo AS INTEGER) ELSE 0 END AS uo,
    CASE WHEN NOT oob AND typeof(ucr) IN ('integer', 'real') AND ucr > 0 THEN CAST(ucr AS INTEGER) ELSE 0 END AS ucr,
    CASE WHEN NOT oob AND typeof(ucw) IN ('integer', 'real') AND ucw > 0 THEN CAST(ucw AS INTEGER) ELSE 0 END AS ucw,
    CASE WHEN NOT oob AND typeof(utt) IN ('integer', 'real') AND utt > 0 THEN CAST(utt AS INTEGER) END AS utt,
    CASE WHEN oob THEN 0 WHEN typeof(cost) IN ('integer', 'real') AND cost >= 0 THEN cost END AS cost
  FROM t),
buckets AS (
  SELECT session_id, json_group_array(json_array(day, provider, model, ui, uo, ucr, ucw, utt, cost, nin, nout, ncr, ncw, runs)) AS buckets FROM (
    SELECT session_id, date(at / 1000, 'unixepoch') AS day, provider, model, sum(ui) AS ui, sum(uo) AS uo, sum(ucr) AS ucr, sum(ucw) AS ucw,
      sum(coalesce(utt, ui + uo + ucr + ucw)) AS utt, total(cost) AS cost,
      sum(CASE WHEN cost IS NULL THEN ui ELSE 0 END) AS nin, sum(CASE WHEN cost IS NULL THEN uo ELSE 0 END) AS nout,
      sum(CASE WHEN cost IS NULL THEN ucr ELSE 0 END) AS ncr, sum(CASE WHEN cost IS NULL THEN ucw ELSE 0 END) AS ncw,
      count(DISTINCT run) AS runs
    FROM m WHERE role = 'assistant' GROUP BY session_id, day, provider, model)
  GROUP BY session_id),
counts AS (
  SELECT session_id, count(DISTINCT run) FILTER (WHERE role <> 'user') AS runs, sum(role <> 'user' AND run IS NULL) AS unrun,
    sum(role = 'assistant' AND stop IN ('error', 'aborted', 'timeout', 'killed')) AS failed,
    sum(role = 'toolResult') AS tools, sum(role = 'toolResult' AND is_error = 1) AS tool_errors, min(at) AS first_at, max(at) AS last_at,
    sum(oob) AS skipped, sum(odd_time) AS odd_times
  FROM m GROUP BY session_id),
last_message AS (SELECT session_id, max(seq), role AS last_role, stop AS last_stop, run AS last_run FROM m GROUP BY session_id),
last_end AS (SELECT session_id, max(seq), stop AS end_stop FROM m WHERE role = 'assistant' AND stop IS NOT NULL AND stop <> 'toolUse' GROUP BY session_id),
last_model AS (SELECT session_id, max(seq), provider AS last_provider, model AS last_model FROM m WHERE role = 'assistant' AND (provider IS NOT NULL OR model IS NOT NULL) GROUP BY session_id),
rows_ AS (SELECT session_id, max(seq) AS max_seq, sum(event_json IS NULL) AS compressed FROM transcript_events GROUP BY session_id)
SELECT rows_.session_id, max_seq, compressed, runs, unrun, failed, tools, tool_errors, first_at, last_at, skipped, odd_times, last_role, last_stop, last_run, end_stop, last_provider, last_model, buckets
FROM rows_ LEFT JOIN counts USING (session_id) LEFT JOIN last_message USING (session_id) LEFT JOIN last_end USING (session_id)
  LEFT JOIN last_model USING (session_id) LEFT JOIN buckets USING (session_id)`;

/** One session id's transcript, summed up. */
export interface SessionAggregate {
  session_id: string;
  max_seq: number;
  /** Compressed rows, which SQLite cannot look into: such a session is read row by row instead. */
  compressed: number;
  runs: number | null;
  /** Answers or tool results with no run id: also read row by row. */
  unrun: number | null;
  failed: number | null;
  tools: number | null;
  tool_errors: number | null;
  /** Answers with a figure out of bounds, whose usage is not counted, and lines whose own time is out of range. */
  skipped: number | null;
  odd_times: number | null;
  first_at: number | null;
  last_at: number | null;
  last_role: string | null;
  last_stop: string | null;
  last_run: string | null;
  end_stop: string | null;
  last_provider: string | null;
  last_model: string | null;
  /**
   * JSON: [[day, provider, model, input, output, cacheRead, cacheWrite,
   * total, cost, then the tokens of answers with no cost, runs]].
   */
  buckets: string | null;
}
