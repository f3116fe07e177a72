import { stat } from 'node:fs/promises';
import { decompress } from 'fzstd';
import { ReadonlySqlite } from './readonly-sqlite';
import { SessionMeta } from './session-tracker';
import { emptyUsage, epochMs, Usage } from './transcript-line';

/** The schema version this reader was written against (OpenClaw 2026.9.6). */
export const KNOWN_SCHEMA_VERSIONS = new Set([23]);
const PAGE = 5_000;

/** What one poll of a session store found: changed sessions and new transcript lines. */
export interface StoreChanges {
  metas: SessionMeta[];
  lines: TranscriptLine[];
  /** Session keys whose transcript was rewritten: their counts start again from these lines. */
  recount: Set<string>;
}

export interface TranscriptLine {
  key: string;
  sessionId: string;
  position: number;
  line: string;
}

/** One agent's session store, whatever its layout. */
export interface SessionStore {
  readonly agentId: string;
  readonly layout: 'sqlite' | 'legacy';
  schemaVersion: number | null;
  problems: string[];
  poll(counted: (key: string, sessionId: string) => number): Promise<StoreChanges>;
  /** Transcript lines of one session id, positions in [from, to), at most `limit`, the newest when `newest`. */
  readLines(sessionId: string, range: { before?: number; limit: number }): Promise<{ position: number; line: string }[]>;
  /** Every session id the key has had, oldest first. */
  sessionIds(key: string): string[];
}

/** The entry_json fields read, pulled out by SQLite so the (often large) entry never crosses into JavaScript. */
const ENTRY_FIELDS = [
  'sessionStartedAt', 'lastActivityAt', 'model', 'modelProvider', 'status', 'parentSessionKey', 'spawnedBy', 'abortedLastRun',
  'inputTokens', 'outputTokens', 'cacheRead', 'cacheWrite', 'estimatedCostUsd',
] as const;
const NODE_COLUMNS = ['session_key', 'current_session_id', 'updated_at', 'status', 'parent_session_key', 'spawned_by', 'last_activity_at', 'created_at'];
/**
 * Rows updated this long before the newest one seen are read again: OpenClaw's processes stamp rows
 * with their own clocks, and a turn may be stamped a little in the past. A row whose stamp did not
 * change is skipped.
 */
const REREAD_MS = 60_000;

interface NodeRow {
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
interface NodeInfo extends Omit<NodeRow, 'entry' | 'entry_bytes'> {
  stamp: string;
  entry: Record<string, unknown>;
}

interface WindowRow {
  session_id: string;
  session_key: string;
  updated_at: number;
  started_at?: number | null;
  ended_at?: number | null;
  status?: string | null;
  model_provider?: string | null;
  model?: string | null;
}

/**
 * An agent's `openclaw-agent.sqlite`, read incrementally: session rows by `updated_at` (indexed), transcript
 * rows by rowid, all in one read transaction so a poll sees one consistent state. A row already counted
 * that comes again (a rewritten transcript) makes its session count again from the start.
 */
export class AgentDatabase implements SessionStore {
  readonly layout = 'sqlite';
  schemaVersion: number | null = null;
  problems: string[] = [];
  private nodesSince = 0;
  private windowsSince = 0;
  private windowColumns = '';
  private nodeColumns = '';
  private lastRowId = 0;
  private identity = '';
  private readonly nodes = new Map<string, NodeInfo>();
  private readonly windows = new Map<string, WindowRow>();
  private readonly idsOfKey = new Map<string, string[]>();

  constructor(
    readonly agentId: string,
    readonly path: string,
  ) {}

  sessionIds(key: string): string[] {
    return this.idsOfKey.get(key) ?? [];
  }

  async poll(counted: (key: string, sessionId: string) => number): Promise<StoreChanges> {
    const info = await stat(this.path);
    const identity = `${info.dev}:${info.ino}`;
    // A database replaced by another file starts from nothing.
    if (identity !== this.identity) this.forget(identity);
    const db = await ReadonlySqlite.open(this.path);
    try {
      await db.all('BEGIN');
      const changes = await this.read(db, counted);
      await db.all('COMMIT');
      return changes;
    } finally {
      await db.close();
    }
  }

  async readLines(sessionId: string, range: { before?: number; limit: number }): Promise<{ position: number; line: string }[]> {
    const db = await ReadonlySqlite.open(this.path);
    try {
      const rows = await db.all<{ seq: number; event_json: string | null; event_zstd: Uint8Array | null }>(
        `SELECT seq, event_json, event_zstd FROM transcript_events WHERE session_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
        [sessionId, range.before ?? Number.MAX_SAFE_INTEGER, range.limit],
      );
      return rows.reverse().map((row) => ({ position: row.seq, line: lineOf(row) }));
    } finally {
      await db.close();
    }
  }

  private forget(identity: string): void {
    this.identity = identity;
    this.nodesSince = this.windowsSince = this.lastRowId = 0;
    this.nodes.clear();
    this.windows.clear();
    this.idsOfKey.clear();
  }

  private async read(db: ReadonlySqlite, counted: (key: string, sessionId: string) => number): Promise<StoreChanges> {
    const problems: string[] = [];
    const tables = new Set((await db.all<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table'`)).map((r) => r.name));
    this.schemaVersion = tables.has('schema_meta')
      ? ((await db.all<{ v: number }>(`SELECT MAX(schema_version) AS v FROM schema_meta`))[0]?.v ?? null)
      : null;
    if (!KNOWN_SCHEMA_VERSIONS.has(this.schemaVersion ?? -1)) problems.push(`schema version ${this.schemaVersion ?? 'unknown'} (read as 23)`);
    const changedKeys = new Set<string>();

    if (tables.has('session_nodes')) {
      this.nodeColumns = nodeSelect(await db.columns('session_nodes'));
      const rows = await db.all<NodeRow>(`SELECT ${this.nodeColumns} FROM session_nodes WHERE updated_at >= ? ORDER BY updated_at`, [this.nodesSince - REREAD_MS]);
      for (const row of rows) if (this.keepNode(row)) changedKeys.add(row.session_key);
    } else problems.push('no session_nodes table');

    if (tables.has('session_windows')) {
      const cols = await db.columns('session_windows');
      const wanted = ['session_id', 'session_key', 'updated_at', 'started_at', 'ended_at', 'status', 'model_provider', 'model'];
      this.windowColumns = wanted.filter((c) => cols.has(c)).join(', ');
      const rows = await db.all<WindowRow>(`SELECT ${this.windowColumns} FROM session_windows WHERE updated_at >= ? ORDER BY updated_at`, [
        this.windowsSince - REREAD_MS,
      ]);
      for (const row of rows) if (this.keepWindow(row)) changedKeys.add(row.session_key);
    }

    const lines: TranscriptLine[] = [];
    const recount = new Set<string>();
    if (tables.has('transcript_events')) {
      for (;;) {
        const rows = await db.all<{ rid: number; session_id: string; seq: number; event_json: string | null; event_zstd: Uint8Array | null }>(
          `SELECT rowid AS rid, session_id, seq, event_json, event_zstd FROM transcript_events WHERE rowid > ? ORDER BY rowid LIMIT ${PAGE}`,
          [this.lastRowId],
        );
        for (const row of rows) {
          this.lastRowId = row.rid;
          const key = this.windows.get(row.session_id)?.session_key ?? this.keyOfSession(row.session_id) ?? (await this.lookUp(db, row.session_id, changedKeys));
          if (!key) continue;
          if (row.seq <= counted(key, row.session_id)) recount.add(key);
          else if (!recount.has(key)) lines.push({ key, sessionId: row.session_id, position: row.seq, line: safeLine(row, problems) });
        }
        if (rows.length < PAGE) break;
      }
    } else problems.push('no transcript_events table');

    this.problems = problems;
    const metas = [...new Set([...changedKeys, ...recount])].map((key) => this.meta(key)).filter((m): m is SessionMeta => m !== null);
    return { metas, lines: lines.filter((l) => !recount.has(l.key)), recount };
  }

  /** Keeps a node row; false when it is not a node or is the version already read. */
  private keepNode(row: NodeRow): boolean {
    if (typeof row.session_key !== 'string' || typeof row.current_session_id !== 'string') return false;
    const stamp = `${row.updated_at}:${row.entry_bytes}:${row.status ?? ''}:${row.current_session_id}`;
    if (this.nodes.get(row.session_key)?.stamp === stamp) return false;
    const values: unknown = row.entry === null ? [] : JSON.parse(row.entry);
    const entry = Object.fromEntries(ENTRY_FIELDS.map((field, i) => [field, Array.isArray(values) ? values[i] : undefined]));
    const { entry: _entry, entry_bytes: _bytes, ...columns } = row;
    this.nodes.set(row.session_key, { ...columns, stamp, entry });
    this.link(row.current_session_id, row.session_key);
    this.nodesSince = Math.max(this.nodesSince, Number(row.updated_at) || 0);
    return true;
  }

  private keepWindow(row: WindowRow): boolean {
    if (typeof row.session_id !== 'string' || typeof row.session_key !== 'string') return false;
    if (JSON.stringify(this.windows.get(row.session_id)) === JSON.stringify(row)) return false;
    this.windows.set(row.session_id, row);
    this.link(row.session_id, row.session_key);
    this.windowsSince = Math.max(this.windowsSince, Number(row.updated_at) || 0);
    return true;
  }

  /**
   * A transcript row of a session not seen yet (its rows stamped earlier than the newest seen): its
   * window and node are read by primary key.
   */
  private async lookUp(db: ReadonlySqlite, sessionId: string, changedKeys: Set<string>): Promise<string | null> {
    if (!this.windowColumns) return null;
    const [window] = await db.all<WindowRow>(`SELECT ${this.windowColumns} FROM session_windows WHERE session_id = ?`, [sessionId]);
    if (!window || !this.keepWindow(window)) return null;
    changedKeys.add(window.session_key);
    if (!this.nodeColumns) return window.session_key;
    const [node] = await db.all<NodeRow>(`SELECT ${this.nodeColumns} FROM session_nodes WHERE session_key = ?`, [window.session_key]);
    if (node) this.keepNode(node);
    return window.session_key;
  }

  private link(sessionId: string, key: string): void {
    const ids = this.idsOfKey.get(key) ?? [];
    if (!ids.includes(sessionId)) this.idsOfKey.set(key, [...ids, sessionId]);
  }

  private keyOfSession(sessionId: string): string | null {
    for (const [key, ids] of this.idsOfKey) if (ids.includes(sessionId)) return key;
    return null;
  }

  private meta(key: string): SessionMeta | null {
    const node = this.nodes.get(key);
    const sessionId = node?.current_session_id ?? this.sessionIds(key).at(-1);
    if (!sessionId) return null;
    const window = this.windows.get(sessionId);
    const entry = node?.entry ?? {};
    return {
      key,
      agentId: this.agentId,
      sessionId,
      status: text(node?.status) ?? text(window?.status) ?? text(entry.status),
      provider: text(window?.model_provider) ?? text(entry.modelProvider),
      model: text(window?.model) ?? text(entry.model),
      startedAt: epochMs(window?.started_at) ?? epochMs(entry.sessionStartedAt) ?? epochMs(node?.created_at),
      updatedAt: epochMs(node?.updated_at) ?? epochMs(window?.updated_at),
      endedAt: epochMs(window?.ended_at),
      lastActivityAt: epochMs(node?.last_activity_at) ?? epochMs(entry.lastActivityAt),
      parentKey: text(node?.parent_session_key) ?? text(entry.parentSessionKey),
      spawnedBy: text(node?.spawned_by) ?? text(entry.spawnedBy),
      abortedLastRun: entry.abortedLastRun === true,
      lastRunUsage: entryUsage(entry),
    };
  }
}

/** The node columns this reader knows, and the entry's fields pulled out by SQLite. */
function nodeSelect(columns: Set<string>): string {
  const entry = columns.has('entry_json')
    ? `CASE WHEN json_valid(entry_json) THEN json_extract(entry_json, ${ENTRY_FIELDS.map((f) => `'$.${f}'`).join(', ')}) END AS entry, length(entry_json) AS entry_bytes`
    : 'NULL AS entry, 0 AS entry_bytes';
  return `${NODE_COLUMNS.filter((c) => columns.has(c)).join(', ')}, ${entry}`;
}

/** The entry's figures (those of the last run), when it has any. */
export function entryUsage(entry: Record<string, unknown>): Usage | null {
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);
  if (entry.inputTokens === undefined && entry.outputTokens === undefined && entry.estimatedCostUsd === undefined) return null;
  const usage = emptyUsage();
  usage.input_tokens = n(entry.inputTokens);
  usage.output_tokens = n(entry.outputTokens);
  usage.cache_read_tokens = n(entry.cacheRead);
  usage.cache_write_tokens = n(entry.cacheWrite);
  usage.total_tokens = usage.input_tokens + usage.output_tokens + usage.cache_read_tokens + usage.cache_write_tokens;
  usage.cost_usd = n(entry.estimatedCostUsd);
  return usage;
}

export function text(value: unknown): string | null {
  return typeof value === 'string' && value ? value.slice(0, 512) : null;
}

function lineOf(row: { event_json: string | null; event_zstd: Uint8Array | null }): string {
  if (row.event_json !== null) return row.event_json;
  return row.event_zstd ? Buffer.from(decompress(row.event_zstd)).toString('utf8') : '';
}

function safeLine(row: { event_json: string | null; event_zstd: Uint8Array | null }, problems: string[]): string {
  try {
    return lineOf(row);
  } catch (error) {
    if (problems.length < 20) problems.push(`unreadable compressed transcript row: ${(error as Error).message}`);
    return '';
  }
}

