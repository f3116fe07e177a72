import { appendFile, mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as sqlite3 from 'sqlite3';
import { AGENT_DB_DDL, AGENT_DB_PRAGMAS, AGENT_SCHEMA_VERSION, OPENCLAW_VERSION } from './openclaw-schema';
import { navigationJson, TranscriptEvent } from './openclaw-transcript';

/** One session as OpenClaw's session row store holds it: the entry is canonical, row columns are projected from it. */
export interface SessionRecord {
  readonly key: string;
  entry: SessionEntry;
  /** Write-once creation provenance, recorded for spawned sessions only (a `--local` run leaves it empty). */
  created: { at: number; via: 'spawn'; actorType: 'agent'; actorId: string } | null;
  nextSeq: number;
  /** Epoch ms of the last transcript line written. */
  transcriptUpdatedAt: number;
}

/** The fields of OpenClaw's `SessionEntry` the generator writes. */
export interface SessionEntry {
  sessionId: string;
  updatedAt: number;
  sessionStartedAt?: number;
  lastInteractionAt?: number;
  lastActivityAt?: number;
  status?: 'running' | 'done' | 'failed';
  /** The last run's, recorded by the Gateway for the runs it admits. */
  startedAt?: number;
  endedAt?: number;
  model: string;
  modelProvider: string;
  [field: string]: unknown;
}

export interface StoreOptions {
  compress?: (bytes: Uint8Array) => Uint8Array;
  compressMinBytes: number;
}

/** Where one agent's sessions go. Writes are buffered; `flush` makes them visible all at once. */
export interface AgentStore {
  append(session: SessionRecord, event: TranscriptEvent): void;
  /** The session's entry changed. */
  touch(session: SessionRecord): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}

type Row = (string | number | Buffer | null)[];

const TRANSCRIPT_COLUMNS = [
  'session_id',
  'seq',
  'event_json',
  'created_at',
  'event_zstd',
  'event_utf8_bytes',
  'navigation_json',
];
const NODE_COLUMNS = [
  'session_key',
  'current_session_id',
  'entry_json',
  'updated_at',
  'status',
  'created_at',
  'created_via',
  'created_actor_type',
  'created_actor_id',
  'parent_session_key',
  'spawned_by',
  'last_interaction_at',
  'last_activity_at',
];
const WINDOW_COLUMNS = [
  'session_id',
  'session_key',
  'created_at',
  'updated_at',
  'transcript_updated_at',
  'transcript_observed_at',
  'session_entry_provenance',
  'started_at',
  'ended_at',
  'status',
  'model_provider',
  'model',
  'agent_harness_id',
  'parent_session_key',
  'spawned_by',
];
/**
 * A multi-row INSERT split around its VALUES groups; with `upsert`,
 * rows already there are updated except the `keep` columns.
 */
interface InsertSql {
  prefix: string;
  columns: number;
  suffix: string;
}

function insertSql(table: string, columns: string[], upsert?: { key: string; keep: string[] }): InsertSql {
  const updated = columns
    .filter((c) => c !== upsert?.key && !upsert?.keep.includes(c))
    .map((c) => `${c} = excluded.${c}`);
  return {
    prefix: `INSERT INTO ${table} (${columns.join(', ')}) VALUES `,
    columns: columns.length,
    suffix: upsert ? ` ON CONFLICT(${upsert.key}) DO UPDATE SET ${updated.join(', ')}` : '',
  };
}

const INSERT_TRANSCRIPT = insertSql('transcript_events', TRANSCRIPT_COLUMNS);
/** Creation provenance is write-once: OpenClaw never restamps it when a key is adopted again. */
const UPSERT_NODE = insertSql('session_nodes', NODE_COLUMNS, {
  key: 'session_key',
  keep: ['created_at', 'created_via', 'created_actor_type', 'created_actor_id'],
});
const UPSERT_WINDOW = insertSql('session_windows', WINDOW_COLUMNS, { key: 'session_id', keep: ['created_at'] });
/** Rows per multi-row INSERT: 3,500 parameters at most, far below SQLite's limit of 32,766. */
const ROWS_PER_STATEMENT = 500;

/**
 * `agents/<id>/agent/openclaw-agent.sqlite` as OpenClaw 2026.9.6 writes it: WAL, and one short
 * transaction per flush holding the transcript lines with the session row and window they update,
 * so a concurrent reader sees a turn whole or not at all.
 */
export class SqliteAgentStore implements AgentStore {
  private rows: Row[] = [];
  private readonly touched = new Map<string, SessionRecord>();
  private readonly statements = new Map<string, sqlite3.Statement>();

  private constructor(
    private readonly db: sqlite3.Database,
    private readonly options: StoreOptions,
  ) {}

  static async create(file: string, agentId: string, options: StoreOptions): Promise<SqliteAgentStore> {
    await mkdir(dirname(file), { recursive: true });
    const db = await new Promise<sqlite3.Database>((resolve, reject) => {
      const handle: sqlite3.Database = new sqlite3.Database(file, (error) => (error ? reject(error) : resolve(handle)));
    });
    const store = new SqliteAgentStore(db, options);
    // NORMAL: in WAL mode a commit needs no fsync, only checkpoints do. 32 MB of page cache keeps the
    // transcript's primary-key index in memory while a benchmark writes millions of rows.
    for (const pragma of [...AGENT_DB_PRAGMAS, 'synchronous = NORMAL', 'cache_size = -32768'])
      await store.run(`PRAGMA ${pragma}`);
    db.configure('busyTimeout', 5_000);
    await new Promise<void>((resolve, reject) => db.exec(AGENT_DB_DDL, (error) => (error ? reject(error) : resolve())));
    const now = Date.now();
    await store.run(`INSERT INTO schema_meta VALUES ('primary', 'agent', ?, ?, ?, ?, ?)`, [
      AGENT_SCHEMA_VERSION,
      agentId,
      OPENCLAW_VERSION,
      now,
      now,
    ]);
    return store;
  }

  append(session: SessionRecord, event: TranscriptEvent): void {
    const line = JSON.stringify(event);
    const at = Date.parse(event.timestamp);
    const seq = session.nextSeq++;
    session.transcriptUpdatedAt = at;
    const { compress, compressMinBytes } = this.options;
    const bytes = Buffer.byteLength(line);
    // OpenClaw compresses long lines only, and never the session header, which readers look up by itself.
    if (compress && bytes >= compressMinBytes && event.type !== 'session') {
      this.rows.push([
        session.entry.sessionId,
        seq,
        null,
        at,
        Buffer.from(compress(Buffer.from(line))),
        bytes,
        navigationJson(event, bytes),
      ]);
    } else {
      this.rows.push([session.entry.sessionId, seq, line, at, null, bytes, null]);
    }
  }

  touch(session: SessionRecord): void {
    this.touched.set(session.key, session);
  }

  async flush(): Promise<void> {
    const rows = this.rows;
    const sessions = [...this.touched.values()];
    this.rows = [];
    this.touched.clear();
    if (rows.length === 0 && sessions.length === 0) return;
    await this.run('BEGIN IMMEDIATE');
    try {
      await this.insert(INSERT_TRANSCRIPT, rows);
      await this.insert(UPSERT_NODE, sessions.map(nodeRow));
      // The entry_valid triggers mark every written row for validation; OpenClaw's validator then
      // passes it, as every row of the real database shows. The partial index on entry_valid != 1 keeps this cheap.
      await this.run('UPDATE session_nodes SET entry_valid = 1 WHERE entry_valid != 1');
      await this.insert(UPSERT_WINDOW, sessions.map(windowRow));
      await this.run('COMMIT');
    } catch (error) {
      await this.run('ROLLBACK').catch(() => undefined);
      // Queued again ahead of anything written since, so a flush that failed (a busy database) can be retried.
      this.rows = [...rows, ...this.rows];
      for (const session of sessions) this.touched.set(session.key, session);
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.flush();
    for (const statement of this.statements.values()) await new Promise((resolve) => statement.finalize(resolve));
    await new Promise<void>((resolve, reject) => this.db.close((error) => (error ? reject(error) : resolve())));
  }

  private async insert(sql: InsertSql, rows: Row[]): Promise<void> {
    const group = `(${Array(sql.columns).fill('?').join(', ')})`;
    for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
      const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
      const text = `${sql.prefix}${Array(chunk.length).fill(group).join(', ')}${sql.suffix}`;
      // Full chunks reuse one prepared statement; the last, shorter one is prepared once and dropped.
      if (chunk.length === ROWS_PER_STATEMENT) await this.runPrepared(text, chunk.flat());
      else await this.run(text, chunk.flat());
    }
  }

  private runPrepared(sql: string, params: unknown[]): Promise<void> {
    let statement = this.statements.get(sql);
    if (!statement) this.statements.set(sql, (statement = this.db.prepare(sql)));
    return new Promise((resolve, reject) => statement.run(params, (error) => (error ? reject(error) : resolve())));
  }

  private run(sql: string, params: unknown[] = []): Promise<void> {
    return new Promise((resolve, reject) => this.db.run(sql, params, (error) => (error ? reject(error) : resolve())));
  }
}

function nodeRow({ key, entry, created }: SessionRecord): Row {
  return [
    key,
    entry.sessionId,
    JSON.stringify(entry),
    entry.updatedAt,
    entry.status ?? null,
    created?.at ?? null,
    created?.via ?? null,
    created?.actorType ?? null,
    created?.actorId ?? null,
    str(entry.parentSessionKey),
    str(entry.spawnedBy),
    entry.lastInteractionAt ?? null,
    entry.lastActivityAt ?? null,
  ];
}

function windowRow({ key, entry, transcriptUpdatedAt }: SessionRecord): Row {
  return [
    entry.sessionId,
    key,
    entry.sessionStartedAt ?? entry.updatedAt,
    entry.updatedAt,
    transcriptUpdatedAt,
    transcriptUpdatedAt,
    1,
    entry.startedAt ?? null,
    entry.endedAt ?? null,
    entry.status ?? null,
    entry.modelProvider,
    entry.model,
    'openclaw',
    str(entry.parentSessionKey),
    str(entry.spawnedBy),
  ];
}

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/**
 * The file-backed layout of older OpenClaw releases, which real installs still have until
 * `openclaw doctor --fix` imports it: `agents/<id>/sessions/sessions.json` (session key → entry,
 * with `sessionFile` naming the transcript) and one `<sessionId>.jsonl` per session, appended to.
 * sessions.json is replaced by rename, so it is read whole or not at all.
 */
export class LegacyAgentStore implements AgentStore {
  private readonly sessions = new Map<string, SessionRecord>();
  private lines = new Map<string, string[]>();
  private indexChanged = false;

  private constructor(private readonly dir: string) {}

  static async create(dir: string): Promise<LegacyAgentStore> {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'sessions.json'), '{}\n');
    return new LegacyAgentStore(dir);
  }

  append(session: SessionRecord, event: TranscriptEvent): void {
    const id = session.entry.sessionId;
    const lines = this.lines.get(id) ?? [];
    lines.push(JSON.stringify(event));
    this.lines.set(id, lines);
    session.transcriptUpdatedAt = Date.parse(event.timestamp);
  }

  touch(session: SessionRecord): void {
    this.sessions.set(session.key, session);
    this.indexChanged = true;
  }

  async flush(): Promise<void> {
    const lines = this.lines;
    this.lines = new Map();
    for (const [sessionId, text] of lines)
      await appendFile(join(this.dir, `${sessionId}.jsonl`), `${text.join('\n')}\n`);
    if (!this.indexChanged) return;
    this.indexChanged = false;
    const index = Object.fromEntries([...this.sessions].map(([key, s]) => [key, this.legacyEntry(s.entry)]));
    const temp = join(this.dir, `.sessions.json.${process.pid}.tmp`);
    await writeFile(temp, `${JSON.stringify(index, null, 2)}\n`);
    await rename(temp, join(this.dir, 'sessions.json'));
  }

  close(): Promise<void> {
    return this.flush();
  }

  /**
   * File-backed releases named the transcript in `sessionFile` (absolute, or relative to the sessions
   * folder) and predate `sessionStartedAt` and `lastInteractionAt`, which OpenClaw's importer
   * recovers from the transcript's header when they are missing.
   */
  private legacyEntry({ sessionStartedAt, lastInteractionAt, ...entry }: SessionEntry): Record<string, unknown> {
    return { ...entry, sessionFile: join(this.dir, `${entry.sessionId}.jsonl`) };
  }
}
