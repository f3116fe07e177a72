import { compress, init } from '@bokuweb/zstd-wasm';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decompress } from 'fzstd';
import JSON5 from 'json5';
import * as sqlite3 from 'sqlite3';
import { OpenClawHome } from './openclaw-generator';

/** Rows through the sqlite3 command-line shell, read-only, as a person inspecting the folder would. */
function shell<T>(file: string, sql: string): T[] {
  const out = execFileSync('sqlite3', ['-readonly', '-json', file, sql], { encoding: 'utf8' });
  return out.trim() ? JSON.parse(out) : [];
}
const hasShell = spawnSync('sqlite3', ['-version']).status === 0;

/** One query on a read-only connection of the driver, whose SQLite knows the functions OpenClaw's CHECKs use. */
function query<T>(file: string, sql: string): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, sqlite3.OPEN_READONLY, (openError) => {
      if (openError) return reject(openError);
      db.all(sql, (error, rows) => db.close(() => (error ? reject(error) : resolve(rows as T[]))));
    });
  });
}

describe('OpenClaw home generator', () => {
  let dir: string;
  let home: OpenClawHome;
  const dbOf = (agent: string) => join(dir, 'agents', agent, 'agent', 'openclaw-agent.sqlite');

  beforeAll(async () => {
    await init();
    dir = await mkdtemp(join(tmpdir(), 'mc-openclaw-generator-'));
    home = await OpenClawHome.create(dir, {
      agents: [
        { id: 'main', name: 'Nexus', emoji: '🦞', layout: 'sqlite' },
        { id: 'scout', model: 'openai/gpt-5-mini', layout: 'sqlite' },
        { id: 'archivist', layout: 'legacy' },
      ],
      configForm: 'entries',
      json5: true,
      compress: (bytes) => compress(bytes, 3),
      compressMinBytes: 600,
    });
    const main = home.addSession('main', { at: Date.parse('2026-11-20T10:00:00Z') });
    home.addRun(main, { at: Date.parse('2026-11-20T10:00:05Z'), text: 'hello', answer: 'Hello! '.repeat(40) });
    home.addRun(main, {
      text: 'list the files',
      tool: { name: 'exec', arguments: { command: 'ls' }, result: 'README.md' },
      answer: 'One file.',
    });
    home.addRun(main, { text: 'once more', error: '400 provider rejected the request' });
    home.addRun(home.addSession('scout'), { text: 'anything new?', usage: { input: 1200, output: 8 } });
    home.addRun(home.addSession('archivist'), { text: 'old times', answer: 'Indeed.' });
    home.addRun(home.addSession('main', { spawnedBy: main }), { text: 'subtask', answer: 'Subtask done.' });
    await home.flush();
  });

  afterAll(async () => {
    await home.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes openclaw.json as JSON5 with the keyed roster and the price list', async () => {
    const config = JSON5.parse(await readFile(join(dir, 'openclaw.json'), 'utf8'));
    expect(Object.keys(config.agents.entries)).toEqual(['main', 'scout', 'archivist']);
    expect(config.agents.entries.main.identity).toEqual({ name: 'Nexus', emoji: '🦞' });
    expect(config.agents.entries.scout.model).toEqual({ primary: 'openai/gpt-5-mini' });
    expect(config.models.providers.openai.models[0]).toMatchObject({
      id: 'gpt-5-mini',
      cost: { input: 0.25, output: 2 },
    });
  });

  // The command-line shell is not part of the project; without it this check is reported as skipped.
  (hasShell ? it : it.skip)('makes databases the sqlite3 shell opens read-only', () => {
    expect(shell(dbOf('main'), 'SELECT count(*) AS sessions FROM session_nodes')).toEqual([{ sessions: 2 }]);
  });

  it('makes WAL databases with schema_meta as OpenClaw 2026.9.6 writes it', async () => {
    expect(await query(dbOf('main'), 'PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
    expect(
      await query(dbOf('main'), 'SELECT meta_key, role, schema_version, agent_id, app_version FROM schema_meta'),
    ).toEqual([{ meta_key: 'primary', role: 'agent', schema_version: 23, agent_id: 'main', app_version: '2026.9.6' }]);
  });

  it('writes rows that pass the real schema CHECK constraints', async () => {
    for (const agent of ['main', 'scout'])
      expect(await query(dbOf(agent), 'PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
  });

  it('keeps session rows as OpenClaw does: the last run figures, the cost at the model price, subagent links', async () => {
    const [scout] = await query<{ entry_json: string; entry_valid: number }>(
      dbOf('scout'),
      'SELECT entry_json, entry_valid FROM session_nodes',
    );
    expect(scout.entry_valid).toBe(1);
    // 1,200 × $0.25 + 8 × $2 per million tokens.
    expect(JSON.parse(scout.entry_json)).toMatchObject({
      inputTokens: 1200,
      outputTokens: 8,
      totalTokens: 1200,
      estimatedCostUsd: 0.000316,
      model: 'gpt-5-mini',
      modelProvider: 'openai',
    });

    const nodes = await query<{
      session_key: string;
      parent_session_key: string | null;
      spawned_by: string | null;
      created_via: string | null;
      entry_json: string;
    }>(
      dbOf('main'),
      'SELECT session_key, parent_session_key, spawned_by, created_via, entry_json FROM session_nodes ORDER BY session_key',
    );
    expect(
      nodes.map((n) => [
        n.session_key.replace(/[0-9a-f-]{36}$/, '<uuid>'),
        n.parent_session_key,
        n.spawned_by,
        n.created_via,
      ]),
    ).toEqual([
      ['agent:main:main', null, null, null],
      ['agent:main:subagent:<uuid>', 'agent:main:main', 'agent:main:main', 'spawn'],
    ]);
    // The failed last run left the figures of the tool run before it: two answers added up.
    const main = JSON.parse(nodes[0].entry_json);
    expect(main.inputTokens).toBeGreaterThan(0);
    expect(main.lastActivityAt).toBeLessThan(main.updatedAt);
    expect(await query(dbOf('main'), 'SELECT count(*) AS windows FROM session_windows')).toEqual([{ windows: 2 }]);
  });

  it('stores long lines zstd-compressed, with their UTF-8 length and navigation, and the rest as JSON text', async () => {
    const rows = await query<{
      seq: number;
      event_json: string | null;
      event_zstd: Buffer | null;
      event_utf8_bytes: number;
      navigation_json: string | null;
    }>(
      dbOf('main'),
      `SELECT seq, event_json, event_zstd, event_utf8_bytes, navigation_json FROM transcript_events
       WHERE session_id = (SELECT current_session_id FROM session_nodes WHERE session_key = 'agent:main:main') ORDER BY seq`,
    );
    const lines = rows.map((row) =>
      row.event_zstd ? new TextDecoder().decode(decompress(row.event_zstd)) : row.event_json!,
    );
    expect(rows.filter((r) => r.event_zstd).length).toBeGreaterThan(0);
    rows.forEach((row, i) => expect(Buffer.byteLength(lines[i])).toBe(row.event_utf8_bytes));
    rows
      .filter((r) => r.event_zstd)
      .forEach((row) =>
        expect(JSON.parse(row.navigation_json!)).toMatchObject({ version: 1, report: { kind: 'canonical' } }),
      );

    const events = lines.map((line) => JSON.parse(line));
    expect(events.map((e) => e.message?.stopReason ?? e.message?.role ?? e.customType ?? e.type)).toEqual([
      'session',
      'model_change',
      'thinking_level_change',
      'model-snapshot',
      'user',
      'stop',
      'openclaw:bootstrap-context:full',
      'user',
      'toolUse',
      'toolResult',
      'stop',
      'openclaw:bootstrap-context:full',
      'user',
      'openclaw:bootstrap-context:full',
      'error',
    ]);
    expect(events.at(-1).message).toMatchObject({
      errorMessage: '400 provider rejected the request',
      usage: { totalTokens: 0 },
    });
    // Every line but the header hangs off the one before it.
    events.slice(2).forEach((event, i) => expect(event.parentId).toBe(events[i + 1].id));
  });

  it('writes the legacy layout: sessions.json naming each transcript, JSONL lines that parse', async () => {
    const sessionsDir = join(dir, 'agents', 'archivist', 'sessions');
    const index = JSON.parse(await readFile(join(sessionsDir, 'sessions.json'), 'utf8'));
    const entry = index['agent:archivist:main'];
    expect(entry.sessionFile).toBe(join(sessionsDir, `${entry.sessionId}.jsonl`));
    const lines = (await readFile(entry.sessionFile, 'utf8'))
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines[0]).toMatchObject({ type: 'session', version: 3, id: entry.sessionId });
    expect(lines.filter((l) => l.type === 'message').map((l) => l.message.role)).toEqual(['user', 'assistant']);
  });

  it('shows nothing of a turn before flush, and a started run as running', async () => {
    const session = home.sessions('scout')[0];
    const count = async () =>
      (await query<{ n: number }>(dbOf('scout'), 'SELECT count(*) AS n FROM transcript_events'))[0].n;
    const before = await count();
    const run = home.startRun(session, { text: 'a long one' });
    expect(await count()).toBe(before);
    await home.flush();
    expect(await count()).toBe(before + 1);
    expect(await query(dbOf('scout'), 'SELECT status FROM session_nodes')).toEqual([{ status: 'running' }]);
    home.finishRun(run, { answer: 'Finished.', durationMs: 30_000 });
    await home.flush();
    expect(await query(dbOf('scout'), 'SELECT status FROM session_nodes')).toEqual([{ status: 'done' }]);
    // As the Gateway records a run it admitted: its start and end on the window, its length in the entry.
    const [window] = await query<{ status: string; started_at: number; ended_at: number }>(
      dbOf('scout'),
      'SELECT status, started_at, ended_at FROM session_windows',
    );
    expect(window).toEqual({ status: 'done', started_at: run.startedAt, ended_at: run.startedAt + 30_090 });
    const [{ entry_json }] = await query<{ entry_json: string }>(dbOf('scout'), 'SELECT entry_json FROM session_nodes');
    expect(JSON.parse(entry_json)).toMatchObject({ runtimeMs: 30_090, lastRunId: run.runId });
  });

  it('refuses to replace a folder it did not write', async () => {
    await expect(
      OpenClawHome.create(join(dir, 'agents'), { agents: [], configForm: 'list', json5: false }),
    ).rejects.toThrow(/refusing/);
  });
});
