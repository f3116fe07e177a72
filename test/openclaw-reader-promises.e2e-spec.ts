import { init as initZstd, compress } from '@bokuweb/zstd-wasm';
import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as sqlite3 from 'sqlite3';
import { GeneratedSession, OpenClawHome } from '../src/demo/openclaw-generator';
import { api, holdsFor, makeTempDir, removeDirs, startApp, TestApp, waitFor } from './support/app-harness';

const MiB = 1024 * 1024;

function sql<T = unknown>(db: sqlite3.Database, text: string, params: unknown[] = []): Promise<T[]> {
  return new Promise((resolve, reject) =>
    db.all(text, params, (error, rows) => (error ? reject(error) : resolve(rows as T[]))),
  );
}

async function withDatabase<T>(file: string, fn: (db: sqlite3.Database) => Promise<T>): Promise<T> {
  const db = new sqlite3.Database(file);
  db.configure('busyTimeout', 5_000);
  try {
    return await fn(db);
  } finally {
    await new Promise<void>((resolve) => db.close(() => resolve()));
  }
}

/** A transcript line with its first answer's tokens set to 1,000 in and 100 out, as a rewrite could leave it. */
function rewriteFirstAnswer(lines: string[]): string[] {
  const first = lines.findIndex((line) => JSON.parse(line).message?.role === 'assistant');
  return lines.map((line, i) => {
    if (i !== first) return line;
    const event = JSON.parse(line);
    Object.assign(event.message.usage, { input: 1000, output: 100, totalTokens: 1100 });
    return JSON.stringify(event);
  });
}

/**
 * The README's promises about OpenClaw's own records (section "OpenClaw: its own records" and the
 * "Files read from agents and OpenClaw" bounds) that no other test checks.
 */
describe('OpenClaw reader: rewritten transcripts, a roster caught mid-write, files over their bounds, unreadable rows', () => {
  let t: TestApp;
  let dir: string;
  let home: string;
  let config: { agents: { list: { id: string; name?: string }[] } };
  const sessions: Record<string, GeneratedSession> = {};
  const dbOf = (agent: string) => join(home, 'agents', agent, 'agent', 'openclaw-agent.sqlite');
  const sessionOf = async (agent: string) => (await api(t.url, `/api/sessions?agent_id=${agent}`)).body.sessions;
  const health = async () => (await api(t.url, '/api/health')).body.services.openclaw;
  const writeConfig = (value: unknown) => writeFile(join(home, 'openclaw.json'), JSON.stringify(value, null, 2));

  beforeAll(async () => {
    await initZstd();
    dir = await makeTempDir('mc-oc-promises-');
    home = join(dir, 'home');
    const oc = await OpenClawHome.create(home, {
      agents: [
        { id: 'scribe', name: 'Scribe', layout: 'sqlite' },
        { id: 'relay', layout: 'sqlite' },
        { id: 'archivist', layout: 'legacy' },
        { id: 'hoarder', layout: 'legacy' },
      ],
      configForm: 'list',
      json5: false,
      compress: (bytes) => compress(Buffer.from(bytes), 3),
      // Only the long answer below is compressed: the short ones stay plain JSON, to be rewritten by hand.
      compressMinBytes: 2000,
    });
    for (const agent of ['scribe', 'archivist', 'hoarder']) {
      sessions[agent] = oc.addSession(agent, { at: Date.now() - 60_000 });
      oc.addRun(sessions[agent], { at: Date.now() - 50_000, answer: 'first', usage: { input: 100, output: 10 } });
      oc.addRun(sessions[agent], { at: Date.now() - 40_000, answer: 'second', usage: { input: 200, output: 20 } });
    }
    sessions.relay = oc.addSession('relay', { at: Date.now() - 60_000 });
    oc.addRun(sessions.relay, {
      at: Date.now() - 50_000,
      answer: 'A long answer '.repeat(200),
      usage: { input: 100, output: 10 },
    });
    await oc.flush();
    await oc.close();

    // A roster-only agent: it exists for Mission Control through openclaw.json alone.
    config = JSON.parse(await readFile(join(home, 'openclaw.json'), 'utf8'));
    config.agents.list.push({ id: 'ghost', name: 'Ghost' });
    await writeConfig(config);
    // hoarder's index is valid JSON padded past 64 MiB: were it read, its session would be listed.
    const index = join(home, 'agents', 'hoarder', 'sessions', 'sessions.json');
    const text = Buffer.from(await readFile(index));
    const padded = Buffer.alloc(64 * MiB + 1, 0x20);
    text.copy(padded);
    await writeFile(index, padded);

    t = await startApp({ env: { MC_OPENCLAW_HOME: home, MC_OPENCLAW_POLL: '0.5' } });
    await waitFor(
      async () => (await sessionOf('scribe')).length === 1 && (await sessionOf('archivist')).length === 1,
      30_000,
      'the first read',
    );
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await removeDirs(dir, t?.workspace, t?.dataDir);
  });

  it('counts a rewritten transcript row again from its session start, not on top of what it had counted (SQLite)', async () => {
    expect((await sessionOf('scribe'))[0]).toMatchObject({ input_tokens: 300, output_tokens: 30, run_count: 2 });
    await withDatabase(dbOf('scribe'), async (db) => {
      const rows = await sql<{ seq: number; event_json: string | null; created_at: number }>(
        db,
        'SELECT seq, event_json, created_at FROM transcript_events WHERE session_id = ? ORDER BY seq',
        [sessions.scribe.sessionId],
      );
      expect(rows.every((row) => row.event_json !== null)).toBe(true);
      const lines = rewriteFirstAnswer(rows.map((row) => row.event_json as string));
      // Every row of the session written again (new rowids, same seqs), in one transaction as OpenClaw writes.
      await sql(db, 'BEGIN IMMEDIATE');
      for (const [i, row] of rows.entries()) {
        await sql(
          db,
          'INSERT OR REPLACE INTO transcript_events (session_id, seq, event_json, created_at) VALUES (?, ?, ?, ?)',
          [sessions.scribe.sessionId, row.seq, lines[i], row.created_at],
        );
      }
      await sql(db, 'COMMIT');
    });
    await waitFor(
      async () => (await sessionOf('scribe'))[0].input_tokens !== 300 || undefined,
      10_000,
      'the rewritten rows read',
    );
    // Counted on top of what it had, it would be 1,500 and 150.
    expect((await sessionOf('scribe'))[0]).toMatchObject({ input_tokens: 1200, output_tokens: 120, run_count: 2 });
    // Later polls add nothing to it.
    await holdsFor(async () => (await sessionOf('scribe'))[0].input_tokens === 1200, 2_000, 'the recount');
    const usage = (await api(t.url, '/api/usage?group_by=agent')).body.rows.find(
      (r: { key: string }) => r.key === 'scribe',
    );
    expect(usage).toMatchObject({ input_tokens: 1200, output_tokens: 120 });
  });

  it('counts a replaced legacy transcript again from its start', async () => {
    expect((await sessionOf('archivist'))[0]).toMatchObject({ input_tokens: 300, output_tokens: 30, run_count: 2 });
    const folder = join(home, 'agents', 'archivist', 'sessions');
    const file = (await readdir(folder)).find((name) => name.endsWith('.jsonl')) as string;
    const lines = (await readFile(join(folder, file), 'utf8')).split('\n').filter(Boolean);
    // Written aside and renamed over it, as editors and OpenClaw's own rewrites do.
    await writeFile(join(folder, `${file}.tmp`), `${rewriteFirstAnswer(lines).join('\n')}\n`);
    await rename(join(folder, `${file}.tmp`), join(folder, file));
    await waitFor(
      async () => (await sessionOf('archivist'))[0].input_tokens !== 300 || undefined,
      10_000,
      'the rewritten file read',
    );
    expect((await sessionOf('archivist'))[0]).toMatchObject({ input_tokens: 1200, output_tokens: 120, run_count: 2 });
    await holdsFor(async () => (await sessionOf('archivist'))[0].input_tokens === 1200, 2_000, 'the recount');
  });

  it('keeps the last good roster while openclaw.json is caught mid-write, says so in health, and reads the next whole file', async () => {
    const ghost = async () => (await api(t.url, '/api/agents/ghost')).body;
    await waitFor(async () => (await ghost()).name === 'Ghost' || undefined, 10_000, 'the roster-only agent');
    expect((await api(t.url, '/api/agents/scribe')).body.name).toBe('Scribe');
    const whole = JSON.stringify(config, null, 2);
    // Half of it, written in place, as a reader can catch a writer that truncates and writes.
    await writeFile(join(home, 'openclaw.json'), whole.slice(0, whole.length / 2));
    await waitFor(
      async () => (await health()).problems.some((p: string) => p.startsWith('openclaw.json: ')) || undefined,
      10_000,
      'the problem in health',
    );
    expect(await health()).toMatchObject({ status: 'up', state: 'partial' });
    await holdsFor(
      async () => {
        const [g, scribe] = await Promise.all([ghost(), api(t.url, '/api/agents/scribe')]);
        return g.name === 'Ghost' && g.sources?.includes('openclaw') && scribe.body.name === 'Scribe';
      },
      2_000,
      'the last good roster',
    );

    config.agents.list.find((a) => a.id === 'ghost')!.name = 'Ghost II';
    await writeConfig(config);
    await waitFor(async () => (await ghost()).name === 'Ghost II' || undefined, 10_000, 'the next whole roster');
    await waitFor(
      async () => !(await health()).problems.some((p: string) => p.startsWith('openclaw.json')) || undefined,
      10_000,
      'the problem gone',
    );
  });

  it('reports an openclaw.json over 4 MiB in health and does not read it', async () => {
    const big = {
      ...config,
      padding: 'x'.repeat(4 * MiB),
      agents: {
        ...config.agents,
        list: config.agents.list.map((a) => (a.id === 'ghost' ? { ...a, name: 'Too Big' } : a)),
      },
    };
    await writeConfig(big);
    const bigProblem = (p: string) => p.startsWith('openclaw.json: over 4 MiB');
    await waitFor(
      async () => (await health()).problems.some(bigProblem) || undefined,
      10_000,
      'the size problem in health',
    );
    await holdsFor(
      async () => (await api(t.url, '/api/agents/ghost')).body.name === 'Ghost II',
      2_000,
      'the roster read before',
    );
    await writeConfig(config);
    await waitFor(
      async () => !(await health()).problems.some((p: string) => p.startsWith('openclaw.json')) || undefined,
      10_000,
      'the problem gone',
    );
  });

  it('reports a sessions.json over 64 MiB in health and does not read it', async () => {
    const bigProblem = (p: string) => p.startsWith('hoarder: sessions.json is over 64 MiB');
    await waitFor(
      async () => (await health()).problems.some(bigProblem) || undefined,
      10_000,
      'the size problem in health',
    );
    expect(await sessionOf('hoarder')).toEqual([]);
    // The agent itself is known (its folder is there); only its sessions are not read.
    expect((await api(t.url, '/api/agents/hoarder')).status).toBe(200);
  });

  it('reports an unreadable compressed transcript row in health and counts the rows around it', async () => {
    expect((await sessionOf('relay'))[0]).toMatchObject({ input_tokens: 100, output_tokens: 10 });
    await withDatabase(dbOf('relay'), async (db) => {
      const [compressed] = await sql<{ navigation_json: string }>(
        db,
        'SELECT navigation_json FROM transcript_events WHERE event_zstd IS NOT NULL LIMIT 1',
      );
      expect(compressed).toBeDefined();
      const [{ seq }] = await sql<{ seq: number }>(
        db,
        'SELECT MAX(seq) AS seq FROM transcript_events WHERE session_id = ?',
        [sessions.relay.sessionId],
      );
      const answer = JSON.stringify({
        type: 'message',
        id: 'after-garbage',
        timestamp: new Date().toISOString(),
        message: {
          role: 'assistant',
          content: [{ type: 'text', text: 'still here' }],
          provider: 'anthropic',
          model: 'claude-sonnet-4-5',
          usage: { input: 7, output: 3, cacheRead: 0, cacheWrite: 0, totalTokens: 10, cost: { total: 0 } },
          stopReason: 'stop',
          timestamp: Date.now(),
        },
      });
      await sql(db, 'BEGIN IMMEDIATE');
      await sql(
        db,
        'INSERT INTO transcript_events (session_id, seq, event_json, created_at, event_zstd, event_utf8_bytes, navigation_json) VALUES (?, ?, NULL, ?, ?, 100, ?)',
        [
          sessions.relay.sessionId,
          seq + 1,
          Date.now(),
          Buffer.from('these bytes are not a zstd frame'),
          compressed.navigation_json,
        ],
      );
      await sql(db, 'INSERT INTO transcript_events (session_id, seq, event_json, created_at) VALUES (?, ?, ?, ?)', [
        sessions.relay.sessionId,
        seq + 2,
        answer,
        Date.now(),
      ]);
      await sql(db, 'COMMIT');
    });
    const problems = await waitFor(
      async () => {
        const { problems: list } = await health();
        return list.some((p: string) => p.startsWith('relay: unreadable compressed transcript row')) ? list : undefined;
      },
      10_000,
      'the unreadable row in health',
    );
    expect(problems.filter((p: string) => p.startsWith('relay: '))).toEqual([
      expect.stringMatching(/^relay: unreadable compressed transcript row: /),
    ]);
    expect((await sessionOf('relay'))[0]).toMatchObject({ input_tokens: 107, output_tokens: 13 });
    expect((await api(t.url, '/api/health')).body.status).toBe('healthy');
    // Another write to the same database, read by the next poll: the row is still unreadable, and still reported.
    await withDatabase(dbOf('relay'), async (db) => {
      const [{ seq }] = await sql<{ seq: number }>(
        db,
        'SELECT MAX(seq) AS seq FROM transcript_events WHERE session_id = ?',
        [sessions.relay.sessionId],
      );
      const again = JSON.stringify({
        type: 'message',
        id: 'after-garbage-2',
        timestamp: new Date().toISOString(),
        message: {
          role: 'assistant',
          content: [{ type: 'text', text: 'again' }],
          provider: 'anthropic',
          model: 'claude-sonnet-4-5',
          usage: { input: 5, output: 2, cacheRead: 0, cacheWrite: 0, totalTokens: 7, cost: { total: 0 } },
          stopReason: 'stop',
          timestamp: Date.now(),
        },
      });
      await sql(db, 'INSERT INTO transcript_events (session_id, seq, event_json, created_at) VALUES (?, ?, ?, ?)', [
        sessions.relay.sessionId,
        seq + 1,
        again,
        Date.now(),
      ]);
    });
    await waitFor(
      async () => (await sessionOf('relay'))[0].input_tokens === 112 || undefined,
      10_000,
      'the next write counted',
    );
    const after = (await health()).problems.filter((p: string) => p.startsWith('relay: '));
    expect(after).toEqual([expect.stringMatching(/^relay: unreadable compressed transcript row: /)]);
    // The last answer written again (a recount from the session's start): reported while the row is there, not once it is gone.
    const rewrite = (input: number, dropGarbage: boolean) =>
      withDatabase(dbOf('relay'), async (db) => {
        const [row] = await sql<{ seq: number; event_json: string }>(
          db,
          `SELECT seq, event_json FROM transcript_events WHERE event_json LIKE '%after-garbage-2%'`,
        );
        const event = JSON.parse(row.event_json);
        Object.assign(event.message.usage, { input, totalTokens: input + 2 });
        await sql(db, 'BEGIN IMMEDIATE');
        if (dropGarbage)
          await sql(db, 'DELETE FROM transcript_events WHERE session_id = ? AND event_json IS NULL AND seq = ?', [
            sessions.relay.sessionId,
            row.seq - 2,
          ]);
        await sql(
          db,
          'INSERT OR REPLACE INTO transcript_events (session_id, seq, event_json, created_at) VALUES (?, ?, ?, ?)',
          [sessions.relay.sessionId, row.seq, JSON.stringify(event), Date.now()],
        );
        await sql(db, 'COMMIT');
      });
    await rewrite(6, false);
    await waitFor(
      async () => (await sessionOf('relay'))[0].input_tokens === 113 || undefined,
      10_000,
      'the rewritten answer counted',
    );
    expect((await health()).problems.filter((p: string) => p.startsWith('relay: '))).toEqual(after);
    await rewrite(5, true);
    await waitFor(
      async () => (await sessionOf('relay'))[0].input_tokens === 112 || undefined,
      10_000,
      'the second rewrite counted',
    );
    expect((await health()).problems.filter((p: string) => p.startsWith('relay: '))).toEqual([]);
  });
});
