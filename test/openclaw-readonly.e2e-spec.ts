import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as sqlite3 from 'sqlite3';
import { OpenClawHome } from '../src/demo/openclaw-generator';
import { api, holdsFor, makeTempDir, removeDirs, startApp, TestApp, waitFor } from './support/app-harness';

/**
 * What Mission Control does to OpenClaw's folder: an agent database in WAL mode, held by a real writer
 * connection (as OpenClaw's gateway holds it), while Mission Control polls it every 0.5 s.
 */
const POLL_MS = 500;

/** Every file in a folder with its size and mtime. */
async function listing(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const info = await stat(join(dir, name), { bigint: true });
    out.push(`${name} ${info.size} ${info.mtimeNs}`);
  }
  return out;
}

const names = async (dir: string) => (await readdir(dir)).sort();

function sql<T = unknown>(db: sqlite3.Database, text: string, params: unknown[] = []): Promise<T[]> {
  return new Promise((resolve, reject) =>
    db.all(text, params, (error, rows) => (error ? reject(error) : resolve(rows as T[]))),
  );
}

/** A model answer with this many input tokens, appended to the session's transcript as OpenClaw writes one. */
async function answer(db: sqlite3.Database, sessionId: string, input: number): Promise<void> {
  const [{ seq }] = await sql<{ seq: number }>(
    db,
    'SELECT MAX(seq) AS seq FROM transcript_events WHERE session_id = ?',
    [sessionId],
  );
  const usage = { input, output: 1, cacheRead: 0, cacheWrite: 0, totalTokens: input + 1 };
  const message = {
    role: 'assistant',
    content: [{ type: 'text', text: 'ok' }],
    provider: 'anthropic',
    model: 'claude-sonnet-4-5',
    usage,
    stopReason: 'stop',
    timestamp: Date.now(),
  };
  const line = JSON.stringify({ type: 'message', id: `w-${seq + 1}`, timestamp: new Date().toISOString(), message });
  await sql(db, 'INSERT INTO transcript_events (session_id, seq, event_json, created_at) VALUES (?, ?, ?, ?)', [
    sessionId,
    seq + 1,
    line,
    Date.now(),
  ]);
  await sql(db, 'UPDATE session_nodes SET updated_at = updated_at + 1 WHERE current_session_id = ?', [sessionId]);
}

describe('OpenClaw reader: what it does to a WAL database held by its writer', () => {
  let t: TestApp;
  let dir: string;
  let folder: string;
  let path: string;
  let sessionId: string;
  let writer: sqlite3.Database | undefined;

  const tokens = async () => (await api(t.url, '/api/sessions')).body.sessions[0]?.input_tokens;
  const lastPoll = async () => (await api(t.url, '/api/health')).body.services.openclaw.last_poll_at as string;
  /** Resolves once a poll has started and ended after this call. */
  const aPoll = async () => {
    const since = new Date().toISOString();
    await waitFor(async () => (await lastPoll()) > since, POLL_MS * 10 + 2000, 'a poll');
  };

  beforeAll(async () => {
    dir = await makeTempDir('mc-oc-ro-');
    const oc = await OpenClawHome.create(join(dir, 'home'), {
      agents: [{ id: 'main', layout: 'sqlite' }],
      configForm: 'list',
      json5: false,
    });
    const s = oc.addSession('main');
    oc.addRun(s, { answer: 'first', usage: { input: 100, output: 1 } });
    await oc.flush();
    await oc.close();
    sessionId = s.sessionId;
    folder = join(dir, 'home', 'agents', 'main', 'agent');
    path = join(folder, 'openclaw-agent.sqlite');
    writer = new sqlite3.Database(path);
    writer.configure('busyTimeout', 5000);
    await sql(writer, 'PRAGMA journal_mode = WAL');
    await answer(writer, sessionId, 10);
    expect(await names(folder)).toEqual([
      'openclaw-agent.sqlite',
      'openclaw-agent.sqlite-shm',
      'openclaw-agent.sqlite-wal',
    ]);
    t = await startApp({ env: { MC_OPENCLAW_HOME: join(dir, 'home'), MC_OPENCLAW_POLL: String(POLL_MS / 1000) } });
    await waitFor(async () => (await tokens()) === 110, 5000, 'the first read');
  });

  afterAll(async () => {
    if (writer) await new Promise<void>((resolve) => writer?.close(() => resolve()));
    await t?.close();
    await removeDirs(dir, t?.workspace, t?.dataDir);
  });

  it('changes no file while it polls: names, sizes and mtimes stay as the writer left them', async () => {
    const db = writer as sqlite3.Database;
    await answer(db, sessionId, 20);
    // The writer reads after its commit, as OpenClaw does, so SQLite's read position in the -shm is current.
    await sql(db, 'SELECT COUNT(*) FROM transcript_events');
    const before = await listing(folder);
    await waitFor(async () => (await tokens()) === 130, 5000, 'the committed answer');
    // Each transcript request opens the database too (a look of its own), whether or not a poll reads.
    const key = encodeURIComponent((await api(t.url, '/api/sessions')).body.sessions[0].key);
    await holdsFor(
      async () =>
        (await api(t.url, `/api/sessions/${key}/transcript?limit=5`)).status === 200 &&
        JSON.stringify(await listing(folder)) === JSON.stringify(before),
      3000,
      'the folder as the writer left it',
    );
  });

  it('holds no lock between polls: the writer checkpoints (TRUNCATE) and takes an exclusive lock', async () => {
    const db = writer as sqlite3.Database;
    await aPoll();
    const [checkpoint] = await sql<{ busy: number; log: number; checkpointed: number }>(
      db,
      'PRAGMA wal_checkpoint(TRUNCATE)',
    );
    expect(checkpoint).toEqual({ busy: 0, log: 0, checkpointed: 0 });
    expect((await stat(`${path}-wal`)).size).toBe(0);
    // An exclusive lock on the database file: refused while any other connection is open on it.
    await sql(db, 'PRAGMA locking_mode = EXCLUSIVE');
    await sql(db, 'BEGIN EXCLUSIVE');
    await answer(db, sessionId, 40);
    await sql(db, 'COMMIT');
    await sql(db, 'PRAGMA locking_mode = NORMAL');
    // The lock is let go at the next read (SQLite's rule for leaving exclusive mode).
    await sql(db, 'SELECT COUNT(*) FROM transcript_events');
    await waitFor(async () => (await tokens()) === 170, 5000, 'the answer written under the exclusive lock');
  });

  it("lets the writer's close remove its -wal and -shm, and never creates a file there", async () => {
    await aPoll();
    await new Promise<void>((resolve, reject) =>
      (writer as sqlite3.Database).close((error) => (error ? reject(error) : resolve())),
    );
    writer = undefined;
    // The last connection to close deletes the WAL files: it could not if Mission Control kept one open.
    expect(await names(folder)).toEqual(['openclaw-agent.sqlite']);
    const before = await listing(folder);
    const health = async () => (await api(t.url, '/api/health')).body.services.openclaw;
    await holdsFor(
      async () => JSON.stringify(await listing(folder)) === JSON.stringify(before),
      3000,
      'the folder without WAL files',
    );
    expect(await tokens()).toBe(170);
    expect(await health()).toMatchObject({ state: 'ok', problems: [] });
  });
});
