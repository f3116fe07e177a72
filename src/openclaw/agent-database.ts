import {
  BULK_SQL,
  ENTRY_FIELDS,
  lineOf,
  messageOf,
  NodeInfo,
  NodeRow,
  nodeSelect,
  REREAD_MS,
  SessionAggregate,
  TRANSCRIPT_COLUMNS,
  TranscriptRow,
  WindowRow,
} from './agent-database-rows';
import { ModelPrice } from '../contracts/usage';
import { unreadableFile } from './home-paths';
import { ReadonlySqlite } from './readonly-sqlite';
import { SessionMeta } from './session-tracker';
import { Counted, entryUsage, SessionStore, StoreChanges, text, TranscriptEntry } from './session-store';
import { SkippedLines } from './skipped-lines';
import { epochMs } from './transcript-line';
import { UnreadableRows } from './unreadable-rows';

/** The schema version this reader was written against (OpenClaw 2026.9.6). */
export const KNOWN_SCHEMA_VERSIONS = new Set([23]);
const PAGE = 5_000;
/** The columns each table must have for the reader's queries; a table without them is reported and left unread. */
const REQUIRED_COLUMNS: Record<string, string[]> = {
  schema_meta: ['schema_version'],
  session_nodes: ['session_key', 'current_session_id', 'updated_at'],
  session_windows: ['session_id', 'session_key', 'updated_at'],
  transcript_events: ['session_id', 'seq', 'event_json', 'event_zstd'],
};
/** The latest time a JavaScript Date can hold (ms): a row stamped later is not a time, and moves no cursor. */
const MAX_DATE_MS = 8.64e15;

const noChanges = (): StoreChanges => ({ metas: [], loaded: [], lines: [], recount: new Set() });

/**
 * An agent's `openclaw-agent.sqlite`, read incrementally: session rows by `updated_at` (indexed), transcript
 * rows by rowid, all in one read transaction so a poll sees one consistent state, on a connection opened
 * for that poll and closed after it (see ReadonlySqlite). A row already counted that comes again (a
 * rewritten transcript) makes its session count again from the start.
 */
export class AgentDatabase implements SessionStore {
  readonly layout = 'sqlite';
  schemaVersion: number | null = null;
  /** What the last poll met; unreadable rows are added for as long as they last. */
  private readProblems: string[] = [];
  private nodesSince = 0;
  private windowsSince = 0;
  private windowColumns = '';
  private nodeColumns = '';
  private lastRowId = 0;
  private identity = '';
  private schemaCookie: number | null = null;
  private tables = new Set<string>();
  /** Tables found without the columns this reader needs. */
  private schemaProblems: string[] = [];
  private readonly connection: ReadonlySqlite;
  private readonly nodes = new Map<string, NodeInfo>();
  private readonly windows = new Map<string, WindowRow>();
  private readonly idsOfKey = new Map<string, string[]>();
  private readonly skipped = new SkippedLines();
  private readonly unreadable = new UnreadableRows();

  constructor(
    readonly agentId: string,
    readonly path: string,
    private readonly home: string,
  ) {
    this.connection = new ReadonlySqlite(path);
  }

  get problems(): string[] {
    return [...this.readProblems, ...this.unreadable.report()];
  }

  sessionIds(key: string): string[] {
    return this.idsOfKey.get(key) ?? [];
  }

  /**
   * Reads what changed; nothing at all when nothing was committed since the last poll. A database that
   * cannot be read stays in `problems` for as long as that lasts, not only at the poll that met it.
   */
  async poll(counted: Counted, prices: Map<string, ModelPrice>): Promise<StoreChanges> {
    const db = this.connection;
    try {
      const unreadable = await unreadableFile(this.home, this.path, ['-wal', '-shm']);
      if (unreadable) throw new Error(unreadable);
      if (!(await db.changed())) return noChanges();
      // A database replaced by another file starts from nothing.
      if (db.identity !== this.identity) this.forget(db.identity);
      return await db.read(() => this.read(db, counted, prices));
    } catch (error) {
      this.readProblems = [(error as Error).message];
      await db.close();
      return noChanges();
    }
  }

  close(): Promise<void> {
    return this.connection.close();
  }

  async readLines(
    sessionId: string,
    range: { before?: number; limit: number },
  ): Promise<{ position: number; line: string }[]> {
    const unreadable = await unreadableFile(this.home, this.path, ['-wal', '-shm']);
    if (unreadable) throw new Error(unreadable);
    // A look of its own: the poll's must not see its change stamp consumed.
    const rows = await new ReadonlySqlite(this.path).read((db) =>
      db.all<{ seq: number; event_json: string | null; event_zstd: Uint8Array | null }>(
        `SELECT seq, event_json, event_zstd FROM transcript_events WHERE session_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
        [sessionId, range.before ?? Number.MAX_SAFE_INTEGER, range.limit],
      ),
    );
    // A row that will not decompress is an empty line, which no reader takes for a message, and is reported.
    return rows.reverse().map((row) => {
      try {
        return { position: row.seq, line: lineOf(row) };
      } catch (error) {
        this.unreadable.note(sessionId, row.seq, (error as Error).message);
        return { position: row.seq, line: '' };
      }
    });
  }

  private forget(identity: string): void {
    this.identity = identity;
    this.nodesSince = this.windowsSince = this.lastRowId = 0;
    this.nodes.clear();
    this.windows.clear();
    this.idsOfKey.clear();
    this.skipped.reset();
    this.unreadable.reset();
    this.schemaCookie = null;
  }

  /** Tables, columns and the schema version, read again only when the schema changed. */
  private async readSchema(db: ReadonlySqlite): Promise<void> {
    const cookie = (await db.all<{ schema_version: number }>('PRAGMA schema_version'))[0]?.schema_version ?? null;
    if (cookie === this.schemaCookie) return;
    const found = (await db.all<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table'`)).map(
      (r) => r.name,
    );
    this.tables = new Set();
    this.schemaProblems = [];
    for (const table of found) {
      const columns = REQUIRED_COLUMNS[table] ? await db.columns(table) : new Set<string>();
      const missing = (REQUIRED_COLUMNS[table] ?? []).filter((c) => !columns.has(c));
      if (!missing.length) this.tables.add(table);
      else
        this.schemaProblems.push(
          `table ${table} lacks column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: not read`,
        );
    }
    this.nodeColumns = this.tables.has('session_nodes') ? nodeSelect(await db.columns('session_nodes')) : '';
    const windowColumns = this.tables.has('session_windows') ? await db.columns('session_windows') : new Set<string>();
    this.windowColumns = [
      'session_id',
      'session_key',
      'updated_at',
      'started_at',
      'ended_at',
      'status',
      'model_provider',
      'model',
    ]
      .filter((c) => windowColumns.has(c))
      .join(', ');
    this.schemaCookie = cookie;
  }

  private async read(db: ReadonlySqlite, counted: Counted, prices: Map<string, ModelPrice>): Promise<StoreChanges> {
    await this.readSchema(db);
    const problems = [...this.schemaProblems];
    const tables = this.tables;
    this.schemaVersion = tables.has('schema_meta')
      ? ((await db.all<{ v: number }>(`SELECT MAX(schema_version) AS v FROM schema_meta`))[0]?.v ?? null)
      : null;
    if (!KNOWN_SCHEMA_VERSIONS.has(this.schemaVersion ?? -1))
      problems.push(`schema version ${this.schemaVersion ?? 'unknown'} (read as 23)`);
    const changedKeys = new Set<string>();

    if (this.nodeColumns) {
      const rows = await db.all<NodeRow>(
        `SELECT ${this.nodeColumns} FROM session_nodes WHERE updated_at >= ? ORDER BY updated_at`,
        [this.nodesSince - REREAD_MS],
      );
      for (const row of rows) if (this.keepNode(row)) changedKeys.add(row.session_key);
    } else if (!this.lacks('session_nodes')) problems.push('no session_nodes table');

    if (this.windowColumns) {
      const rows = await db.all<WindowRow>(
        `SELECT ${this.windowColumns} FROM session_windows WHERE updated_at >= ? ORDER BY updated_at`,
        [this.windowsSince - REREAD_MS],
      );
      for (const row of rows) if (this.keepWindow(row)) changedKeys.add(row.session_key);
    }

    const lines: TranscriptEntry[] = [];
    const loaded: StoreChanges['loaded'] = [];
    const recount = new Set<string>();
    if (tables.has('transcript_events') && this.lastRowId === 0)
      await this.readWhole(db, changedKeys, prices, loaded, lines);
    if (tables.has('transcript_events')) {
      for (;;) {
        const rows = await db.all<TranscriptRow>(
          `SELECT ${TRANSCRIPT_COLUMNS} FROM transcript_events WHERE rowid > ? ORDER BY rowid LIMIT ${PAGE}`,
          [this.lastRowId],
        );
        for (const row of rows) {
          this.lastRowId = row.rid;
          const key =
            this.windows.get(row.session_id)?.session_key ??
            this.keyOfSession(row.session_id) ??
            (await this.lookUp(db, row.session_id, changedKeys));
          if (!key) continue;
          if (row.seq <= counted(key, row.session_id)) recount.add(key);
          else if (!recount.has(key))
            lines.push({ key, sessionId: row.session_id, position: row.seq, message: this.message(row, prices) });
        }
        if (rows.length < PAGE) break;
      }
    } else if (!this.lacks('transcript_events')) problems.push('no transcript_events table');

    // A session counted again from its start notes its unreadable rows afresh as it is read (readLines).
    for (const key of recount) for (const sessionId of this.sessionIds(key)) this.unreadable.forget(sessionId);
    this.readProblems = [...problems, ...this.skipped.report()];
    const metas = [...new Set([...changedKeys, ...recount])]
      .map((key) => this.meta(key))
      .filter((m): m is SessionMeta => m !== null);
    return { metas, loaded, lines: lines.filter((l) => !recount.has(l.key)), recount };
  }

  /**
   * The first read of a transcript table: SQLite sums up each session in one pass; a session with
   * compressed rows, or answers without a run id, is read row by row. A table SQLite cannot sum up
   * (a malformed line) is left to the row-by-row read that follows.
   */
  private async readWhole(
    db: ReadonlySqlite,
    changedKeys: Set<string>,
    prices: Map<string, ModelPrice>,
    loaded: StoreChanges['loaded'],
    lines: TranscriptEntry[],
  ): Promise<void> {
    let sessions: SessionAggregate[];
    try {
      sessions = await db.all<SessionAggregate>(BULK_SQL);
    } catch {
      return;
    }
    const [{ last }] = await db.all<{ last: number }>('SELECT COALESCE(MAX(rowid), 0) AS last FROM transcript_events');
    for (const session of sessions) {
      const key =
        this.windows.get(session.session_id)?.session_key ??
        this.keyOfSession(session.session_id) ??
        (await this.lookUp(db, session.session_id, changedKeys));
      if (!key) continue;
      changedKeys.add(key);
      if (!session.compressed && !session.unrun) {
        this.noteSkipped(session);
        loaded.push({ key, aggregate: session });
        continue;
      }
      const rows = await db.all<TranscriptRow>(
        `SELECT ${TRANSCRIPT_COLUMNS} FROM transcript_events WHERE session_id = ? ORDER BY seq`,
        [session.session_id],
      );
      for (const row of rows)
        lines.push({ key, sessionId: row.session_id, position: row.seq, message: this.message(row, prices) });
    }
    this.lastRowId = last;
  }

  /** What SQLite's summing up of a session left out. */
  private noteSkipped({ session_id, skipped, odd_times }: SessionAggregate): void {
    if (!skipped && !odd_times) return;
    const what = `${skipped ?? 0} answer(s) with figures out of bounds, not counted; ${odd_times ?? 0} time(s) out of range, not used`;
    this.skipped.note(`session ${session_id}`, what, (skipped ?? 0) + (odd_times ?? 0));
  }

  /** A row's message; what of it was out of bounds, or would not decompress, is noted for health. */
  private message(row: TranscriptRow, prices: Map<string, ModelPrice>) {
    const message = messageOf(row, prices, (error) => this.unreadable.note(row.session_id, row.seq, error));
    if (message?.problem) this.skipped.note(`session ${row.session_id} seq ${row.seq}`, message.problem);
    return message;
  }

  /** Keeps a node row; false when it is not a node or is the version already read. */
  private keepNode(row: NodeRow): boolean {
    if (typeof row.session_key !== 'string' || typeof row.current_session_id !== 'string') return false;
    const stamp = `${row.updated_at}:${row.entry_bytes}:${row.status ?? ''}:${row.current_session_id}`;
    if (this.nodes.get(row.session_key)?.stamp === stamp) return false;
    const values: unknown = row.entry === null ? [] : JSON.parse(row.entry);
    const entry = Object.fromEntries(
      ENTRY_FIELDS.map((field, i) => [field, Array.isArray(values) ? values[i] : undefined]),
    );
    const { entry: _entry, entry_bytes: _bytes, ...columns } = row;
    this.nodes.set(row.session_key, { ...columns, stamp, entry });
    this.link(row.current_session_id, row.session_key);
    this.nodesSince = Math.max(this.nodesSince, stampOf(row.updated_at));
    return true;
  }

  private keepWindow(row: WindowRow): boolean {
    if (typeof row.session_id !== 'string' || typeof row.session_key !== 'string') return false;
    if (JSON.stringify(this.windows.get(row.session_id)) === JSON.stringify(row)) return false;
    this.windows.set(row.session_id, row);
    this.link(row.session_id, row.session_key);
    this.windowsSince = Math.max(this.windowsSince, stampOf(row.updated_at));
    return true;
  }

  /**
   * A transcript row of a session not seen yet (its rows stamped earlier than the newest seen): its
   * window and node are read by primary key.
   */
  private async lookUp(db: ReadonlySqlite, sessionId: string, changedKeys: Set<string>): Promise<string | null> {
    if (!this.windowColumns) return null;
    const [window] = await db.all<WindowRow>(`SELECT ${this.windowColumns} FROM session_windows WHERE session_id = ?`, [
      sessionId,
    ]);
    if (!window || !this.keepWindow(window)) return null;
    changedKeys.add(window.session_key);
    if (!this.nodeColumns) return window.session_key;
    const [node] = await db.all<NodeRow>(`SELECT ${this.nodeColumns} FROM session_nodes WHERE session_key = ?`, [
      window.session_key,
    ]);
    if (node) this.keepNode(node);
    return window.session_key;
  }

  /** Whether the table is there but lacks columns (reported as such). */
  private lacks(table: string): boolean {
    return this.schemaProblems.some((p) => p.startsWith(`table ${table} `));
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

/** A row's updated_at as a cursor: 0 unless a number within a date's range. */
function stampOf(value: unknown): number {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 && n <= MAX_DATE_MS ? n : 0;
}
