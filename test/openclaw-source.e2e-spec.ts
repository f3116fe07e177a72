import { init as initZstd, compress } from '@bokuweb/zstd-wasm';
import { appendFile, cp, mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as sqlite3 from 'sqlite3';
import { OpenClawHome } from '../src/demo/openclaw-generator';
import { api, holdsFor, makeTempDir, removeDirs, startApp, TestApp, waitFor } from './support/app-harness';
import { TestSocket } from './support/ws-client';

const FIXTURES = join(__dirname, 'fixtures', 'openclaw');
const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8'));
const SONNET = { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 };
const cost = (t: { input: number; output: number; cacheRead?: number }) =>
  (t.input * SONNET.input + t.output * SONNET.output + (t.cacheRead ?? 0) * SONNET.cacheRead) / 1e6;

/** Every file under a folder with its size and mtime: what a read-only reader must leave exactly as it was. */
async function snapshot(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const info = await stat(path);
    out.push(`${path} ${info.size} ${info.mtimeMs}`);
  }
  return out.sort();
}

function sqlRun(db: sqlite3.Database, sql: string, params: unknown[] = []): Promise<void> {
  return new Promise((resolve, reject) => db.run(sql, params, (error) => (error ? reject(error) : resolve())));
}

function sqlAll<T>(db: sqlite3.Database, sql: string): Promise<T[]> {
  return new Promise((resolve, reject) => db.all(sql, (error, rows) => (error ? reject(error) : resolve(rows as T[]))));
}

/** Appends a model answer with this usage to a session's transcript, as OpenClaw writes one, on the writer's connection. */
async function appendAnswer(
  db: sqlite3.Database,
  sessionId: string,
  usage: { input: number; output: number },
): Promise<void> {
  const [{ seq }] = await sqlAll<{ seq: number }>(
    db,
    `SELECT MAX(seq) AS seq FROM transcript_events WHERE session_id = '${sessionId}'`,
  );
  const line = JSON.stringify({
    type: 'message',
    id: `held-${seq + 1}`,
    timestamp: new Date().toISOString(),
    message: {
      role: 'assistant',
      content: [{ type: 'text', text: 'held' }],
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      usage: { ...usage, cacheRead: 0, cacheWrite: 0, totalTokens: usage.input + usage.output },
      stopReason: 'stop',
      timestamp: Date.now(),
    },
  });
  await sqlRun(db, 'INSERT INTO transcript_events (session_id, seq, event_json, created_at) VALUES (?, ?, ?, ?)', [
    sessionId,
    seq + 1,
    line,
    Date.now(),
  ]);
  await sqlRun(db, `UPDATE session_nodes SET updated_at = updated_at + 1 WHERE current_session_id = '${sessionId}'`);
}

const closeDb = (db: sqlite3.Database) => new Promise<void>((resolve) => db.close(() => resolve()));

describe('OpenClaw source: a real OpenClaw run (committed fixture)', () => {
  let t: TestApp;
  let home: string;
  let before: string[];

  beforeAll(async () => {
    home = await makeTempDir('mc-oc-home-');
    await cp(join(FIXTURES, 'home-sqlite'), home, { recursive: true });
    before = await snapshot(home);
    t = await startApp({ env: { MC_OPENCLAW_HOME: home, MC_OPENCLAW_POLL: '0.5', MC_API_TOKEN: 'secret-token' } });
    await waitFor(
      async () => (await api(t.url, '/api/sessions')).body.sessions.length === expected.sessions.length,
      5000,
      'the sessions',
    );
  });

  afterAll(async () => {
    await t?.close();
    await removeDirs(home, t?.workspace, t?.dataDir);
  });

  it('lists the roster from openclaw.json with sources, names and models', async () => {
    const { body } = await api(t.url, '/api/agents');
    for (const agent of expected.agents) {
      const found = body.agents.find((a: { id: string }) => a.id === agent.id);
      expect(found).toMatchObject({
        id: agent.id,
        name: agent.name,
        emoji: agent.emoji,
        sources: ['openclaw'],
        model: 'fake/m1',
      });
    }
    // A workspace agent stays a workspace agent.
    expect(body.agents.find((a: { id: string }) => a.id === 'forge').sources).toEqual(['workspace']);
  });

  it('shows every session with the tokens and cost its transcript adds up to', async () => {
    const { body } = await api(t.url, '/api/sessions');
    for (const want of expected.sessions) {
      const got = body.sessions.find((s: { key: string }) => s.key === want.key);
      expect(got).toMatchObject({
        session_id: want.session_id,
        agent_id: want.agent_id,
        model: want.model,
        provider: want.provider,
        input_tokens: want.input_tokens,
        output_tokens: want.output_tokens,
        cache_read_tokens: want.cache_read_tokens,
        total_tokens: want.total_tokens,
        run_count: want.runs,
        failed_runs: want.failed_runs,
        stuck: false,
      });
      expect(got.cost_usd).toBeCloseTo(want.cost_usd, 9);
      if (want.stored_status) expect(got.status).toBe(want.stored_status);
      // A session of one run: OpenClaw's own figures (those of its last run) are the same.
      if (want.runs === 1 && want.openclaw_sessions.inputTokens !== null) {
        expect(got.input_tokens).toBe(want.openclaw_sessions.inputTokens);
        expect(got.cost_usd).toBeCloseTo(want.openclaw_sessions.estimatedCostUsd, 9);
      }
    }
    const activity = body.sessions.map((s: { last_activity_at: string }) => Date.parse(s.last_activity_at));
    expect(activity).toEqual([...activity].sort((a, b) => b - a));
  });

  it('pages the sessions one at a time with the cursor, each once and in the order of the whole list', async () => {
    const all = (await api(t.url, '/api/sessions')).body.sessions.map((s: { key: string }) => s.key);
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const { status, body } = await api(t.url, `/api/sessions?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(status).toBe(200);
      paged.push(...body.sessions.map((s: { key: string }) => s.key));
      cursor = body.next_cursor;
    } while (cursor && paged.length <= all.length);
    expect(all.length).toBeGreaterThan(1);
    expect(paged).toEqual(all);
  });

  it('gives a session its runs, tool calls and children, and 404 for an unknown key', async () => {
    const want = expected.sessions.find((s: { tool_calls: number }) => s.tool_calls > 0);
    const { status, body } = await api(t.url, `/api/sessions/${encodeURIComponent(want.key)}`);
    expect(status).toBe(200);
    expect(body.runs.map((r: { run_id: string }) => r.run_id)).toEqual(want.run_ids);
    expect(body.runs.every((r: { status: string }) => r.status === 'ok')).toBe(true);
    expect(body.tool_calls.total).toBe(want.tool_calls);
    expect(body.tool_calls.top).toEqual(
      Object.entries(want.tools).map(([tool, count]) => ({ tool, count, failed: 0 })),
    );
    expect(body.children).toEqual([]);
    const failed = expected.sessions.find((s: { failed_runs: number }) => s.failed_runs > 0);
    const detail = (await api(t.url, `/api/sessions/${encodeURIComponent(failed.key)}`)).body;
    expect(detail.runs.at(-1)).toMatchObject({ status: 'failed', stop_reason: 'error' });
    expect(detail.runs.at(-1).error).toContain('400');
    const missing = await api(t.url, '/api/sessions/agent%3Anobody%3Amain');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: 'Session not found', status_code: 404 });
  });

  it('keeps transcripts behind the token, and serves them as text', async () => {
    const key = encodeURIComponent(expected.sessions[0].key);
    expect((await api(t.url, `/api/sessions/${key}/transcript`)).status).toBe(401);
    expect((await api(t.url, `/API/SESSIONS/${key}/TRANSCRIPT/`)).status).toBe(401);
    const wrong = await api(t.url, `/api/sessions/${key}/transcript`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    const { status, body } = await api(t.url, `/api/sessions/${key}/transcript`, {
      headers: { authorization: 'Bearer secret-token' },
    });
    expect(status).toBe(200);
    expect(body.messages.map((m: { role: string }) => m.role)).toEqual(
      expect.arrayContaining(['user', 'assistant', 'toolResult']),
    );
    const answer = body.messages.find(
      (m: { role: string; stop_reason: string }) => m.role === 'assistant' && m.stop_reason === 'stop',
    );
    expect(answer.usage.input_tokens).toBeGreaterThan(0);
    expect(body.messages.find((m: { role: string }) => m.role === 'toolResult')).toMatchObject({
      tool_name: 'read',
      is_error: false,
    });
    const page = (
      await api(t.url, `/api/sessions/${key}/transcript?limit=2`, { headers: { authorization: 'Bearer secret-token' } })
    ).body;
    expect(page.next_before).not.toBeNull();
    const earlier = (
      await api(t.url, `/api/sessions/${key}/transcript?limit=2&before=${page.next_before}`, {
        headers: { authorization: 'Bearer secret-token' },
      })
    ).body;
    expect(Math.max(...earlier.messages.map((m: { seq: number }) => m.seq))).toBeLessThan(page.next_before);
    // The list stays a read that needs no token.
    expect((await api(t.url, '/api/sessions')).status).toBe(200);
  });

  it('adds usage up by agent, by model and by day', async () => {
    const byAgent = (await api(t.url, '/api/usage?group_by=agent')).body;
    for (const [agent, want] of Object.entries<Record<string, number>>(expected.usage_by_agent)) {
      const row = byAgent.rows.find((r: { key: string }) => r.key === agent);
      expect(row).toMatchObject({
        input_tokens: want.input_tokens,
        output_tokens: want.output_tokens,
        sessions: want.sessions,
        runs: want.runs,
      });
      expect(row.cost_usd).toBeCloseTo(want.cost_usd, 9);
    }
    expect(byAgent.total.input_tokens).toBe(expected.total.input_tokens);
    expect(byAgent.total.cost_usd).toBeCloseTo(expected.total.cost_usd, 9);
    const byModel = (await api(t.url, '/api/usage?group_by=model')).body;
    expect(byModel.rows.map((r: { key: string }) => r.key)).toEqual(['fake/m1']);
    const byDay = (await api(t.url, '/api/usage?group_by=day')).body;
    expect(byDay.rows.reduce((n: number, r: { input_tokens: number }) => n + r.input_tokens, 0)).toBe(
      expected.total.input_tokens,
    );
    const none = (await api(t.url, '/api/usage?group_by=agent&since=2099-01-01')).body;
    expect(none).toMatchObject({ rows: [], total: { input_tokens: 0, sessions: 0 } });
    expect((await api(t.url, '/api/usage?group_by=week')).status).toBe(400);
  });

  it('rejects bad parameters with 400s that name them', async () => {
    for (const path of [
      '/api/sessions?limit=0',
      '/api/sessions?agent_id=../x',
      '/api/sessions?cursor=!!',
      '/api/sessions?cursor=abc',
      '/api/sessions?active_minutes=-1',
      '/api/usage?since=yesterday',
      '/api/usage?until=2026-W48-7',
    ]) {
      const { status, body } = await api(t.url, path);
      expect([path, status]).toEqual([path, 400]);
      expect(JSON.stringify(body)).toMatch(/limit|agent_id|cursor|active_minutes|since|until/);
    }
  });

  it('reports the schema versions in health, and wrote nothing in the OpenClaw home', async () => {
    const { body } = await api(t.url, '/api/health');
    expect(body.status).toBe('healthy');
    expect(body.services.openclaw).toMatchObject({
      status: 'up',
      state: 'ok',
      agents: 2,
      sessions: expected.sessions.length,
      schema_versions: expected.schema_versions,
    });
    expect(await snapshot(home)).toEqual(before);
  });
});

describe('OpenClaw source: the legacy sessions.json + JSONL layout (committed fixture)', () => {
  let t: TestApp;
  let home: string;

  beforeAll(async () => {
    home = await makeTempDir('mc-oc-legacy-');
    await cp(join(FIXTURES, 'home-legacy'), home, { recursive: true });
    // An entry may name its transcript file (sessionFile); one that points out of the folder is not followed.
    const sessions = join(home, 'agents', 'main', 'sessions');
    const index = JSON.parse(await readFile(join(sessions, 'sessions.json'), 'utf8'));
    const main = expected.sessions[0];
    await rename(join(sessions, `${main.session_id}.jsonl`), join(sessions, 'renamed-main.jsonl'));
    index[main.key].sessionFile = 'renamed-main.jsonl';
    await writeFile(join(sessions, 'sessions.json'), JSON.stringify(index));
    const scoutIndex = join(home, 'agents', 'scout', 'sessions', 'sessions.json');
    const scout = JSON.parse(await readFile(scoutIndex, 'utf8'));
    for (const entry of Object.values<Record<string, unknown>>(scout))
      entry.sessionFile = '../../../../../../etc/passwd.jsonl';
    await writeFile(scoutIndex, JSON.stringify(scout));
    t = await startApp({ env: { MC_OPENCLAW_HOME: home, MC_OPENCLAW_POLL: '0.5' } });
  });

  afterAll(async () => {
    await t?.close();
    await removeDirs(home, t?.workspace, t?.dataDir);
  });

  it('reads the keyed roster and the same sessions with the same figures', async () => {
    const sessions = await waitFor(
      async () => {
        const { body } = await api(t.url, '/api/sessions');
        return body.sessions.length === expected.sessions.length ? body.sessions : undefined;
      },
      5000,
      'the legacy sessions',
    );
    for (const want of expected.sessions) {
      const got = sessions.find((s: { key: string }) => s.key === want.key);
      expect(got).toMatchObject({
        session_id: want.session_id,
        input_tokens: want.input_tokens,
        output_tokens: want.output_tokens,
        run_count: want.runs,
      });
      expect(got.cost_usd).toBeCloseTo(want.cost_usd, 9);
    }
    const agents = (await api(t.url, '/api/agents')).body.agents;
    expect(
      agents
        .filter((a: { sources: string[] }) => a.sources.includes('openclaw'))
        .map((a: { id: string }) => a.id)
        .sort(),
    ).toEqual(['main', 'scout']);
  });

  it('counts a line only once it is whole, and a transcript that grows from where it stopped', async () => {
    const want = expected.sessions[0];
    const file = join(home, 'agents', want.agent_id, 'sessions', 'renamed-main.jsonl');
    const line = JSON.stringify({
      type: 'message',
      id: 'x1',
      timestamp: new Date().toISOString(),
      message: {
        role: 'assistant',
        content: [{ type: 'text', text: 'more' }],
        provider: 'fake',
        model: 'm1',
        usage: { input: 100, output: 10, cacheRead: 0, cacheWrite: 0, totalTokens: 110, cost: { total: 0.00045 } },
        stopReason: 'stop',
        timestamp: Date.now(),
      },
    });
    await appendFile(file, line.slice(0, 40));
    // Three polls see the half line, and none counts it.
    await holdsFor(
      async () =>
        (await api(t.url, `/api/sessions/${encodeURIComponent(want.key)}`)).body.input_tokens === want.input_tokens,
      1500,
      'the half line uncounted',
    );
    await appendFile(file, `${line.slice(40)}\n`);
    await waitFor(
      async () =>
        (await api(t.url, `/api/sessions/${encodeURIComponent(want.key)}`)).body.input_tokens ===
        want.input_tokens + 100,
      3000,
      'the new line',
    );
  });
});

describe('OpenClaw source: a live home (generated in the real formats)', () => {
  let t: TestApp;
  let dir: string;
  let oc: OpenClawHome;

  beforeAll(async () => {
    await initZstd();
    dir = await makeTempDir('mc-oc-live-');
    oc = await OpenClawHome.create(join(dir, 'home'), {
      agents: [
        { id: 'atlas', name: 'Atlas', emoji: '🗺️', layout: 'sqlite' },
        { id: 'forge', name: 'Forge (OpenClaw)', layout: 'sqlite' },
      ],
      configForm: 'entries',
      json5: true,
      prices: { 'anthropic/claude-sonnet-4-5': SONNET },
      compress: (bytes) => compress(Buffer.from(bytes), 3),
      compressMinBytes: 200,
    });
    const s = oc.addSession('atlas', { at: Date.now() - 60_000 });
    oc.addRun(s, {
      at: Date.now() - 50_000,
      text: 'x'.repeat(300),
      answer: 'A long answer '.repeat(40),
      usage: { input: 1000, output: 50 },
    });
    await oc.flush();
    t = await startApp({
      env: {
        MC_OPENCLAW_HOME: join(dir, 'home'),
        MC_OPENCLAW_POLL: '0.5',
        MC_STUCK_MINUTES: '0.02',
        MC_API_TOKEN: 'tok',
      },
    });
    await waitFor(
      async () => (await api(t.url, '/api/sessions')).body.sessions.length === 1,
      5000,
      'the first session',
    );
  });

  afterAll(async () => {
    await oc?.close();
    await t?.close();
    await removeDirs(dir, t?.workspace, t?.dataDir);
  });

  it('reads compressed transcript rows', async () => {
    const [session] = (await api(t.url, '/api/sessions')).body.sessions;
    expect(session).toMatchObject({ input_tokens: 1000, output_tokens: 50 });
    expect(session.cost_usd).toBeCloseTo(cost({ input: 1000, output: 50 }), 9);
    const transcript = (
      await api(t.url, `/api/sessions/${encodeURIComponent(session.key)}/transcript`, {
        headers: { authorization: 'Bearer tok' },
      })
    ).body;
    const answer = transcript.messages.find((m: { role: string }) => m.role === 'assistant');
    expect(answer.text).toContain('A long answer');
    expect(transcript.messages.find((m: { role: string }) => m.role === 'user').text).toBe('x'.repeat(300));
  });

  it('merges an OpenClaw agent with the workspace agent of the same id', async () => {
    const forge = (await api(t.url, '/api/agents/forge')).body;
    expect(forge.sources).toEqual(['openclaw', 'workspace']);
    // The workspace's task counts win; its folder gives no name (only the id), so OpenClaw's name and model fill in.
    expect(forge).toMatchObject({
      name: 'Forge (OpenClaw)',
      codename: 'The Smith',
      tasks_completed: 7,
      model: 'anthropic/claude-sonnet-4-5',
    });
  });

  it('shows a session added while running within the poll, with session_update and agent_status over the gateway', async () => {
    const socket = await TestSocket.open(`${t.wsUrl}?token=tok`);
    try {
      const s = oc.addSession('atlas');
      oc.addRun(s, { answer: 'fresh', usage: { input: 2000, output: 100, cacheRead: 500 } });
      const written = Date.now();
      await oc.flush();
      const update = await socket.next((m) => m.type === 'session_update' && m.data.key === s.key, 1500 + 1000);
      expect(Date.now() - written).toBeLessThan(1500 + 1000);
      expect(update).toMatchObject({
        source: 'mission-control',
        data: { agent_id: 'atlas', input_tokens: 2000, output_tokens: 100, cache_read_tokens: 500 },
      });
      expect(update.data.cost_usd).toBeCloseTo(cost({ input: 2000, output: 100, cacheRead: 500 }), 9);
      expect(typeof update.seq).toBe('number');
      const status = await socket.next(
        (m) => m.type === 'agent_status' && m.data.agent === 'atlas' && m.data.state.tasks_completed === 2,
        3000,
      );
      expect(status.data.state).toMatchObject({ status: 'active', sources: ['openclaw'] });
      const usage = (await api(t.url, '/api/usage?group_by=agent&agent_id=atlas')).body;
      expect(usage.total).toMatchObject({ input_tokens: 3000, output_tokens: 150, sessions: 2, runs: 2 });
    } finally {
      socket.close();
    }
  });

  it('marks an agent in error after a failed run, until its next success', async () => {
    const s = oc.addSession('atlas');
    oc.addRun(s, { error: 'provider rejected the request' });
    await oc.flush();
    await waitFor(async () => (await api(t.url, '/api/agents/atlas')).body.status === 'error', 3000, 'atlas in error');
    oc.addRun(s, { answer: 'ok now', usage: { input: 10, output: 1 } });
    await oc.flush();
    await waitFor(
      async () => (await api(t.url, '/api/agents/atlas')).body.status === 'active',
      3000,
      'atlas active again',
    );
  });

  it('marks a run in progress with no activity as stuck, logs it once and notifies', async () => {
    const socket = await TestSocket.open(`${t.wsUrl}?token=tok`);
    try {
      const s = oc.addSession('atlas');
      oc.startRun(s, { at: Date.now() - 5_000, text: 'a long job' });
      await oc.flush();
      const stuck = await waitFor(
        async () => {
          const { body } = await api(t.url, `/api/sessions/${encodeURIComponent(s.key)}`);
          return body.stuck ? body : undefined;
        },
        4000,
        'the session to be stuck',
      ).catch(async (error) => {
        throw new Error(`${error.message}: ${JSON.stringify((await api(t.url, '/api/sessions')).body)}`);
      });
      expect(stuck.status).toBe('running');
      const note = await socket.next((m) => m.type === 'notification' && m.data.title === 'Session stuck', 3000);
      expect(note.data).toMatchObject({ level: 'warning', data: { agent_id: 'atlas', session_key: s.key } });
      const logged = async () =>
        (await api(t.url, '/api/system/events?type=session_stuck')).body.events.filter(
          (e: { data: { session_key: string } }) => e.data.session_key === s.key,
        ).length;
      await waitFor(async () => (await logged()) === 1, 5000, 'the session_stuck event');
      // Three more polls find it still stuck, and log it no more.
      await holdsFor(async () => (await logged()) === 1, 1500, 'one session_stuck event');
      expect(
        (await api(t.url, '/api/sessions?status=running')).body.sessions.map((x: { key: string }) => x.key),
      ).toContain(s.key);
    } finally {
      socket.close();
    }
  });

  it('reads on while a writer holds a WAL database in a transaction, never its uncommitted rows, and the write once committed', async () => {
    const path = join(dir, 'home', 'agents', 'forge', 'agent', 'openclaw-agent.sqlite');
    const s = oc.addSession('forge');
    oc.addRun(s, { usage: { input: 5, output: 5 } });
    await oc.flush();
    const forge = async () => (await api(t.url, '/api/sessions?agent_id=forge')).body.sessions;
    await waitFor(async () => (await forge()).length === 1, 5000, 'forge session');
    const writer = new sqlite3.Database(path);
    try {
      await sqlRun(writer, 'BEGIN IMMEDIATE');
      await appendAnswer(writer, s.sessionId, { input: 300, output: 3 });
      // In WAL mode the open write blocks no reader: polls go on reading the last commit.
      const before = (await api(t.url, '/api/health')).body.services.openclaw.last_poll_at;
      await waitFor(
        async () => (await api(t.url, '/api/health')).body.services.openclaw.last_poll_at !== before,
        5000,
        'a poll during the write',
      );
      await holdsFor(async () => (await forge())[0].input_tokens === 5, 1500, 'the uncommitted answer uncounted');
      await sqlRun(writer, 'COMMIT');
      await waitFor(async () => (await forge())[0].input_tokens === 305, 5000, 'the committed answer');
    } finally {
      await closeDb(writer);
    }
  });

  it("records each agent's tokens and cost per collection, counting the plugin's events only for agents the reader does not see", async () => {
    const collect = () =>
      api(t.url, '/api/system/metrics/collect', { method: 'POST', headers: { authorization: 'Bearer tok' } });
    const before = (await collect()).body;
    expect(before.system.cost_usd_total).toBeGreaterThan(0);
    const s = oc.addSession('atlas');
    oc.addRun(s, { answer: 'metered', usage: { input: 4000, output: 200 } });
    await oc.flush();
    await waitFor(
      async () => (await api(t.url, `/api/sessions/${encodeURIComponent(s.key)}`)).status === 200,
      3000,
      'the metered session',
    );
    const plugin = (agent: string, input: number) => ({
      event_type: 'llm_usage',
      agent_id: agent,
      data: {
        provider: 'anthropic',
        model: 'claude-sonnet-4-5',
        input_tokens: input,
        output_tokens: 10,
        cost_usd: 0.5,
        source: 'openclaw',
      },
    });
    // The same turn as the plugin reports it (the reader already counts it), and a remote host the reader cannot see.
    const posted = await api(t.url, '/api/events/batch', {
      method: 'POST',
      headers: { authorization: 'Bearer tok' },
      json: { events: [plugin('atlas', 4000), plugin('remote-main', 700)] },
    });
    expect(posted.status).toBe(201);
    const after = (await collect()).body;
    expect(after.system.tokens_in).toBe(4000 + 700);
    expect(after.system.cost_usd).toBeCloseTo(cost({ input: 4000, output: 200 }) + 0.5, 9);
    const atlas = (await api(t.url, '/api/agents/atlas/history?hours=1')).body.history.at(-1);
    expect(atlas).toMatchObject({ tokens_in: 4000, tokens_out: 200, runs: 1, tool_calls: 0 });
    expect(atlas.cost_usd).toBeCloseTo(cost({ input: 4000, output: 200 }), 9);
    const usage = (await api(t.url, '/api/usage?agent_id=atlas')).body.total;
    expect(atlas.cost_usd_total).toBeCloseTo(usage.cost_usd, 9);
    const remote = (await api(t.url, '/api/agents/remote-main/metrics?hours=1')).body;
    expect(remote).toMatchObject({ tokens_in: 700, tokens_out: 10, cost_usd: 0.5 });
    const prometheus = (await api(t.url, '/metrics')).body as string;
    expect(prometheus).toContain(
      `mission_control_tokens_total{agent="atlas",model="anthropic/claude-sonnet-4-5",kind="input"} ${usage.input_tokens}`,
    );
    expect(prometheus).toContain(
      'mission_control_tokens_total{agent="remote-main",model="anthropic/claude-sonnet-4-5",kind="input"} 700',
    );
    expect(prometheus).toMatch(
      /mission_control_cost_usd_total\{agent="remote-main",model="anthropic\/claude-sonnet-4-5"\} 0.5/,
    );
  });

  it('reports an unknown schema version and a broken database without crashing', async () => {
    const db = new sqlite3.Database(join(dir, 'home', 'agents', 'forge', 'agent', 'openclaw-agent.sqlite'));
    await sqlRun(db, `UPDATE schema_meta SET schema_version = 99`);
    await sqlRun(db, `UPDATE session_nodes SET updated_at = updated_at + 10`);
    await new Promise<void>((resolve) => db.close(() => resolve()));
    await mkdir(join(dir, 'home', 'agents', 'broken', 'agent'), { recursive: true });
    await writeFile(
      join(dir, 'home', 'agents', 'broken', 'agent', 'openclaw-agent.sqlite'),
      'this is not a database at all, just text',
    );
    const health = await waitFor(
      async () => {
        const { body } = await api(t.url, '/api/health');
        const oc = body.services.openclaw;
        return oc.schema_versions.forge === 99 && oc.problems.some((p: string) => p.startsWith('broken:'))
          ? body
          : undefined;
      },
      4000,
      'health to report both',
    );
    expect(health.services.openclaw).toMatchObject({ status: 'up', state: 'partial' });
    expect(health.services.openclaw.problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/^forge: schema version 99/)]),
    );
    expect((await api(t.url, '/api/sessions?agent_id=forge')).body.sessions).toHaveLength(1);
  });
});

describe('OpenClaw source: a rollback-journal database held by a writer', () => {
  let t: TestApp;
  let dir: string;
  let path: string;
  let sessionId: string;

  beforeAll(async () => {
    dir = await makeTempDir('mc-oc-journal-');
    const oc = await OpenClawHome.create(join(dir, 'home'), {
      agents: [{ id: 'ledger', layout: 'sqlite' }],
      configForm: 'list',
      json5: false,
      prices: { 'anthropic/claude-sonnet-4-5': SONNET },
    });
    const s = oc.addSession('ledger');
    oc.addRun(s, { answer: 'fine', usage: { input: 100, output: 10 } });
    await oc.flush();
    await oc.close();
    sessionId = s.sessionId;
    path = join(dir, 'home', 'agents', 'ledger', 'agent', 'openclaw-agent.sqlite');
    // Out of WAL: without a WAL a writer's lock keeps every reader out until it commits.
    const db = new sqlite3.Database(path);
    await sqlRun(db, 'PRAGMA journal_mode = DELETE');
    await sqlRun(db, 'CREATE TABLE filler (x BLOB)');
    await closeDb(db);
    t = await startApp({ env: { MC_OPENCLAW_HOME: join(dir, 'home'), MC_OPENCLAW_POLL: '0.5' } });
    await waitFor(async () => (await api(t.url, '/api/sessions')).body.sessions.length === 1, 5000, 'the session');
  });

  afterAll(async () => {
    await t?.close();
    await removeDirs(dir, t?.workspace, t?.dataDir);
  });

  it('keeps serving within 10x the 200 ms wait while a writer holds an exclusive lock, never reads its uncommitted rows, and reads them once committed', async () => {
    const tokens = async () => (await api(t.url, '/api/sessions')).body.sessions[0].input_tokens;
    const openclaw = async () => (await api(t.url, '/api/health')).body.services.openclaw;
    const writer = new sqlite3.Database(path);
    try {
      // A small cache: the held transaction spills its pages into the database file, as a large write does.
      await sqlRun(writer, 'PRAGMA cache_size = 8');
      await sqlRun(writer, 'BEGIN EXCLUSIVE');
      await appendAnswer(writer, sessionId, { input: 700, output: 7 });
      await sqlRun(
        writer,
        `INSERT INTO filler SELECT randomblob(1000) FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) SELECT i FROM n)`,
      );
      // A poll waits for the lock, gives up, and says so; what was read before stays.
      const busy = await waitFor(
        async () => {
          const health = await openclaw();
          return health.problems.some((p: string) => /^ledger: SQLITE_BUSY/.test(p)) ? health : undefined;
        },
        5000,
        'a poll to give up on the lock',
      );
      expect(busy).toMatchObject({ status: 'up', state: 'partial', sessions: 1 });
      // Every answer comes, each poll gives up within 10x the promised 200 ms, and the held rows are not counted.
      await holdsFor(
        async () => {
          const started = Date.now();
          const [count, health] = await Promise.all([tokens(), openclaw()]);
          return count === 100 && health.last_poll_ms < 2000 && Date.now() - started < 2000;
        },
        2000,
        'serving the last commit while the writer holds the database',
      );
      await sqlRun(writer, 'COMMIT');
      await waitFor(async () => (await tokens()) === 800, 5000, 'the committed answer');
      await waitFor(
        async () => (await openclaw()).state === 'ok',
        5000,
        'health without a problem once the lock is gone',
      );
    } finally {
      await closeDb(writer);
    }
  });
});

describe('OpenClaw source: hostile and broken records', () => {
  let t: TestApp;
  let dir: string;
  let home: string;

  beforeAll(async () => {
    dir = await makeTempDir('mc-oc-hostile-');
    home = join(dir, 'home');
    const oc = await OpenClawHome.create(home, {
      agents: [
        { id: 'good', layout: 'sqlite' },
        { id: 'mangled', layout: 'sqlite' },
        { id: 'old', layout: 'legacy' },
      ],
      configForm: 'list',
      json5: false,
      prices: { 'anthropic/claude-sonnet-4-5': SONNET },
    });
    for (const agent of ['good', 'mangled', 'old'])
      oc.addRun(oc.addSession(agent), { answer: 'fine', usage: { input: 100, output: 10 } });
    await oc.flush();
    await oc.close();
    // A transcript line that is not JSON, one with odd types, a compressed row that is not zstd, and an entry that is not JSON.
    const db = new sqlite3.Database(join(home, 'agents', 'mangled', 'agent', 'openclaw-agent.sqlite'));
    const [row] = await new Promise<{ session_id: string; seq: number }[]>((resolve, reject) =>
      db.all('SELECT session_id, MAX(seq) AS seq FROM transcript_events', (error, rows) =>
        error ? reject(error) : resolve(rows as never),
      ),
    );
    const odd = JSON.stringify({
      type: 'message',
      message: {
        role: 'assistant',
        provider: 7,
        model: ['x'],
        usage: { input: '5000', output: -3, cost: { total: 'lots' } },
        stopReason: { no: 1 },
        timestamp: 'yesterday',
      },
    });
    await sqlRun(
      db,
      `INSERT INTO transcript_events (session_id, seq, event_json, created_at) VALUES ('${row.session_id}', ${row.seq + 1}, '{"type":"message","message":{"role":"assis', 1)`,
    );
    await sqlRun(
      db,
      `INSERT INTO transcript_events (session_id, seq, event_json, created_at) VALUES ('${row.session_id}', ${row.seq + 2}, '${odd.replace(/'/g, "''")}', 1)`,
    );
    // Stored as compressed, but bytes that are no zstd frame (a zstd frame starts 28 b5 2f fd); the table's checks
    // of the row's other columns are not what this is about.
    await sqlRun(db, 'PRAGMA ignore_check_constraints = ON');
    const notZstd = Buffer.from(
      JSON.stringify({ type: 'message', message: { role: 'assistant', usage: { input: 9000, output: 900 } } }),
    );
    await sqlRun(
      db,
      `INSERT INTO transcript_events (session_id, seq, event_json, event_zstd, event_utf8_bytes, navigation_json, created_at) VALUES (?, ?, NULL, ?, ?, '{}', 1)`,
      [row.session_id, row.seq + 3, notZstd, notZstd.length],
    );
    await sqlRun(db, `UPDATE session_nodes SET entry_json = '{not json'`);
    await new Promise<void>((resolve) => db.close(() => resolve()));
    await appendFile(
      join(
        home,
        'agents',
        'old',
        'sessions',
        (await readdir(join(home, 'agents', 'old', 'sessions'))).find((f) => f.endsWith('.jsonl'))!,
      ),
      '\u0000\u0001 binary garbage\n[1,2,3]\nnull\n',
    );
    // Folders that are not agents, and a roster with entries that are not agents.
    await mkdir(join(home, 'agents', '..hidden', 'agent'), { recursive: true });
    await mkdir(join(home, 'agents', 'with space', 'sessions'), { recursive: true });
    await writeFile(
      join(home, 'agents', 'with space', 'sessions', 'sessions.json'),
      '{"k": {"sessionId": "../../etc/passwd"}}',
    );
    await mkdir(join(home, 'agents', 'arr', 'sessions'), { recursive: true });
    await writeFile(join(home, 'agents', 'arr', 'sessions', 'sessions.json'), '[1, 2, {"sessionId": "x"}]');
    const config = JSON.parse(await readFile(join(home, 'openclaw.json'), 'utf8'));
    config.agents.list.push(null, 42, { id: '../../escape' }, { id: 'ok-extra', name: { no: 1 }, identity: 'nope' });
    await writeFile(join(home, 'openclaw.json'), JSON.stringify(config));
    t = await startApp({ env: { MC_OPENCLAW_HOME: home, MC_OPENCLAW_POLL: '0.5' } });
    await waitFor(
      async () => (await api(t.url, '/api/health')).body.services.openclaw.last_poll_at !== null,
      5000,
      'the first poll',
    );
  });

  afterAll(async () => {
    await t?.close();
    await removeDirs(dir, t?.workspace, t?.dataDir);
  });

  it('reads what it can, counts nothing it cannot, and keeps serving', async () => {
    const { body } = await api(t.url, '/api/sessions');
    const byAgent = Object.fromEntries(body.sessions.map((s: { agent_id: string }) => [s.agent_id, s]));
    expect(byAgent.good).toMatchObject({ input_tokens: 100, output_tokens: 10 });
    // The malformed line is skipped and the odd one counts as zero, never as 5000 or -3.
    expect(byAgent.mangled).toMatchObject({ input_tokens: 100, output_tokens: 10 });
    expect(byAgent.old).toMatchObject({ input_tokens: 100, output_tokens: 10 });
    expect(Number.isFinite(byAgent.mangled.cost_usd)).toBe(true);
    const agents = (await api(t.url, '/api/agents')).body.agents.map((a: { id: string }) => a.id);
    expect(agents).toEqual(expect.arrayContaining(['good', 'mangled', 'old', 'ok-extra']));
    expect(agents.some((id: string) => id.includes('/') || id.includes(' ') || id.startsWith('.'))).toBe(false);
    expect((await api(t.url, '/api/agents/ok-extra')).body).toMatchObject({ name: 'ok-extra', sources: ['openclaw'] });
    const health = (await api(t.url, '/api/health')).body;
    expect(health.status).toBe('healthy');
    // The row that is not zstd is reported, and its 9000 tokens counted nowhere.
    expect(health.services.openclaw.problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/^mangled: unreadable compressed transcript row: /)]),
    );
    expect((await api(t.url, `/api/sessions/${encodeURIComponent(byAgent.mangled.key)}`)).status).toBe(200);
  });
});

describe('OpenClaw source: OpenClaw without a mission-control workspace', () => {
  it('is healthy: the fleet comes from OpenClaw alone', async () => {
    const dir = await makeTempDir('mc-oc-only-');
    await cp(join(FIXTURES, 'home-sqlite'), join(dir, 'home'), { recursive: true });
    const t = await startApp({
      workspace: join(dir, 'no-workspace'),
      env: { MC_OPENCLAW_HOME: join(dir, 'home'), MC_OPENCLAW_POLL: '0.5' },
    });
    try {
      const health = await waitFor(
        async () => {
          const { body } = await api(t.url, '/api/health');
          return body.services.openclaw.last_poll_at !== null ? body : undefined;
        },
        5000,
        'OpenClaw to be read',
      );
      expect(health.status).toBe('healthy');
      expect(health.services.workspace).toMatchObject({ status: 'up', watching: false });
      expect((await api(t.url, '/api/agents')).body.agents.map((a: { id: string }) => a.id)).toEqual(['main', 'scout']);
    } finally {
      await t.close();
      await removeDirs(dir, t.dataDir);
    }
  });
});

describe('OpenClaw source: no OpenClaw on the machine', () => {
  it('says so in health, and everything else works', async () => {
    const t = await startApp();
    try {
      const { body } = await api(t.url, '/api/health');
      expect(body.status).toBe('healthy');
      expect(body.services.openclaw).toMatchObject({ status: 'up', state: 'not found', agents: 0, sessions: 0 });
      expect((await api(t.url, '/api/sessions')).body).toEqual({ sessions: [], next_cursor: null });
      expect((await api(t.url, '/api/usage')).body.total.cost_usd).toBe(0);
      expect((await api(t.url, '/api/agents')).body.agents.length).toBeGreaterThan(0);
    } finally {
      await t.close();
      await removeDirs(t.workspace, t.dataDir);
    }
  });

  it('documents the sessions and usage endpoints in Swagger', async () => {
    const t = await startApp();
    try {
      const doc = (await api(t.url, '/docs-json')).body;
      const params = (path: string) => doc.paths[path].get.parameters.map((p: { name: string }) => p.name).sort();
      expect(params('/api/sessions')).toEqual(['active_minutes', 'agent_id', 'cursor', 'limit', 'status']);
      expect(params('/api/sessions/{key}/transcript')).toEqual(['before', 'key', 'limit']);
      expect(params('/api/usage')).toEqual(['agent_id', 'group_by', 'since', 'until']);
      expect(Object.keys(doc.paths['/api/sessions/{key}/transcript'].get.responses)).toContain('401');
      expect(Object.keys(doc.components.schemas.SessionDto.properties)).toEqual(
        expect.arrayContaining(['key', 'cost_usd', 'stuck', 'parent_key']),
      );
      expect(doc.components.schemas.AgentDto.properties.sources.items.enum).toEqual(['openclaw', 'workspace']);
    } finally {
      await t.close();
      await removeDirs(t.workspace, t.dataDir);
    }
  });
});
