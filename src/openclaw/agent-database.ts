import { stat } from 'node:fs/promises';
import { decompress } from 'fzstd';
import { parseJsonObject } from '../common/json';
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

interface NodeRow {
  session_key: string;
  current_session_id: string;
  entry_json: string;
  updated_at: number;
  status?: string | null;
  parent_session_key?: string | null;
  spawned_by?: string | null;
  last_activity_at?: number | null;
  created_at?: number | null;
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
  private lastRowId = 0;
  private identity = '';
  private readonly nodes = new Map<string, NodeRow>();
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
      const cols = await db.columns('session_nodes');
      const wanted = ['session_key', 'current_session_id', 'entry_json', 'updated_at', 'status', 'parent_session_key', 'spawned_by', 'last_activity_at', 'created_at'];
      const rows = await db.all<NodeRow>(
        `SELECT ${wanted.filter((c) => cols.has(c)).join(', ')} FROM session_nodes WHERE updated_at >= ? ORDER BY updated_at`,
        [this.nodesSince],
      );
      for (const row of rows) {
        if (typeof row.session_key !== 'string' || typeof row.current_session_id !== 'string') continue;
        this.nodes.set(row.session_key, row);
        this.link(row.current_session_id, row.session_key);
        changedKeys.add(row.session_key);
        this.nodesSince = Math.max(this.nodesSince, Number(row.updated_at) || 0);
      }
    } else problems.push('no session_nodes table');

    if (tables.has('session_windows')) {
      const cols = await db.columns('session_windows');
      const wanted = ['session_id', 'session_key', 'updated_at', 'started_at', 'ended_at', 'status', 'model_provider', 'model'];
      const rows = await db.all<WindowRow>(
        `SELECT ${wanted.filter((c) => cols.has(c)).join(', ')} FROM session_windows WHERE updated_at >= ? ORDER BY updated_at`,
        [this.windowsSince],
      );
      for (const row of rows) {
        if (typeof row.session_id !== 'string' || typeof row.session_key !== 'string') continue;
        this.windows.set(row.session_id, row);
        this.link(row.session_id, row.session_key);
        changedKeys.add(row.session_key);
        this.windowsSince = Math.max(this.windowsSince, Number(row.updated_at) || 0);
      }
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
          const key = this.windows.get(row.session_id)?.session_key ?? this.keyOfSession(row.session_id);
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
    const entry = node ? parseJsonObject(node.entry_json) : {};
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

