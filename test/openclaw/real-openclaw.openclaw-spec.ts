import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import WebSocket from 'ws';
import { api, makeTempDir, removeDirs, startApp, TestApp, waitFor } from '../support/app-harness';
import { FakeLlm, startFakeLlm } from './fake-llm';
import { AGENTS, freePort, OpenClaw, openclawInstalled, PRICE, RunResult } from './openclaw-cli';
import {
  addUsage,
  agentDbPath,
  emptyUsage,
  readAgentDb,
  readStateDir,
  TranscriptSummary,
  UsageSum,
} from './openclaw-db';

/**
 * Mission Control against a real OpenClaw (`npm run test:openclaw`, test/jest-openclaw.json).
 *
 * A temporary HOME gets an `openclaw.json` with two agents on the fake model (test/openclaw/fake-llm.ts),
 * the built Mission Control plugin, and a real gateway; real agent turns then run through it: a normal
 * turn on each agent, a tool call, and a failing one (HTTP 400: the model server rejects the request;
 * an HTTP 500 would be retried by OpenClaw for about 96 s). The real Mission Control app reads the
 * same HOME (MC_OPENCLAW_HOME) and gets the plugin's events; the test checks what a user of the API sees
 * against OpenClaw's own CLI and the transcripts in its databases (opened read-only).
 */
const MC_TOKEN = 'mc-openclaw-test-token';
const GATEWAY_TOKEN = 'openclaw-gateway-test-token';

const auth = { authorization: `Bearer ${MC_TOKEN}` };
const enc = encodeURIComponent;

interface Turn {
  name: string;
  agent: string;
  sessionKey: string;
  message: string;
  fails: boolean;
  result?: RunResult & { json: any };
  /** Transcript sums of its session right after the CLI exited. */
  after?: TranscriptSummary;
}

interface Received {
  at: number;
  msg: any;
}

function expectUsage(actual: any, expected: UsageSum, what: string): void {
  const got = {
    input_tokens: actual?.input_tokens,
    output_tokens: actual?.output_tokens,
    cache_read_tokens: actual?.cache_read_tokens,
    cache_write_tokens: actual?.cache_write_tokens,
    total_tokens: actual?.total_tokens,
  };
  const want = {
    input_tokens: expected.input_tokens,
    output_tokens: expected.output_tokens,
    cache_read_tokens: expected.cache_read_tokens,
    cache_write_tokens: expected.cache_write_tokens,
    total_tokens: expected.total_tokens,
  };
  expect({ what, ...got }).toEqual({ what, ...want });
  expect(typeof actual?.cost_usd).toBe('number');
  expect(Math.abs(actual.cost_usd - expected.cost_usd)).toBeLessThan(1e-9);
}

describe('Mission Control against a real OpenClaw', () => {
  let llm: FakeLlm | undefined;
  let oc: OpenClaw | undefined;
  let t: TestApp | undefined;
  let home: string | undefined;
  let ws: WebSocket | undefined;
  const received: Received[] = [];
  const timings: Record<string, number> = {};
  const turns: Turn[] = [
    { name: 'main hello', agent: 'main', sessionKey: 'agent:main:main', message: 'hello there', fails: false },
    { name: 'scout hello', agent: 'scout', sessionKey: 'agent:scout:main', message: 'hello scout', fails: false },
    {
      name: 'main tool call',
      agent: 'main',
      sessionKey: 'agent:main:main',
      message: 'please use a tool',
      fails: false,
    },
    {
      name: 'scout failing',
      agent: 'scout',
      sessionKey: 'agent:scout:errands',
      message: 'please reject this',
      fails: true,
    },
  ];
  let listed: any;
  let transcripts: Map<string, TranscriptSummary>;
  let stored: Map<string, { agent: string; sessionId: string; status: string | null }>;

  const time = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
    const start = Date.now();
    try {
      return await fn();
    } finally {
      timings[label] = Date.now() - start;
    }
  };

  /** Starts the fake model, OpenClaw's gateway and Mission Control, and runs the turns. */
  const setUp = async () => {
    const started = Date.now();
    llm = await startFakeLlm(0);
    home = await makeTempDir('mc-openclaw-home-');
    oc = new OpenClaw(home);
    const [mcPort, gatewayPort] = [await freePort(), await freePort()];
    await oc.writeConfig({ llmUrl: llm.url, gatewayPort, gatewayToken: GATEWAY_TOKEN });

    // Mission Control's own workspace knows `main` too, so that agent comes from both sources.
    const workspace = await makeTempDir('mc-openclaw-ws-');
    await mkdir(join(workspace, 'mission-control', 'agents', 'main'), { recursive: true });
    await writeFile(
      join(workspace, 'mission-control', 'agents', 'main', 'state.json'),
      JSON.stringify({
        agent: 'main',
        codename: 'Mainframe',
        status: 'operational',
        lastActive: new Date().toISOString(),
      }),
    );
    const env = {
      MC_OPENCLAW_HOME: oc.stateDir,
      MC_OPENCLAW_POLL: '1',
      MC_API_TOKEN: MC_TOKEN,
      MC_METRICS_INTERVAL: '3600',
    };
    // The plugin's CLI setup and Mission Control's boot do not depend on each other.
    const [app] = await Promise.all([
      time('boot Mission Control', () => startApp({ workspace, port: mcPort, env })),
      time('install the plugin', () =>
        (oc as OpenClaw).installPlugin({ url: `http://127.0.0.1:${mcPort}`, token: MC_TOKEN }),
      ),
    ]);
    t = app;

    ws = new WebSocket(`${t.wsUrl}/?token=${MC_TOKEN}`);
    ws.on('message', (data) => received.push({ at: Date.now(), msg: JSON.parse(String(data)) }));
    await new Promise<void>((resolve, reject) => {
      (ws as WebSocket).once('open', () => resolve());
      (ws as WebSocket).once('error', reject);
    });
    ws.send(JSON.stringify({ type: 'subscribe', channel: 'sessions' }));
    ws.send(JSON.stringify({ type: 'ping' }));

    await time('start the gateway', () => (oc as OpenClaw).startGateway(gatewayPort));
    for (const turn of turns) {
      turn.result = await time(`turn: ${turn.name}`, () =>
        (oc as OpenClaw).turn(turn.agent, turn.message, { sessionKey: turn.sessionKey }),
      );
      if ((turn.result.code === 0) === turn.fails) {
        throw new Error(
          `turn "${turn.name}" exited with ${turn.result.code}:\n${turn.result.stdout}\n${turn.result.stderr.slice(-3000)}`,
        );
      }
      const db = await readAgentDb(agentDbPath(oc.stateDir, turn.agent), turn.agent);
      const node = db.nodes.find((n) => n.session_key === turn.sessionKey);
      turn.after = node ? db.transcripts.get(node.session_id) : undefined;
      // Once the reader holds both agents' sessions, a collection: what it holds then is counted there or
      // is history, and the last test counts only what came after. Collected before the reader's next
      // poll, scout's first turn would fall (once, rightly) into that test's interval instead.
      if (turn.name === 'scout hello') {
        const read = async () =>
          (await api(t!.url, '/api/sessions?limit=100')).body.sessions.find((x: any) => x.key === turn.sessionKey);
        await waitFor(
          async () => (await read())?.input_tokens === turn.after?.input_tokens || undefined,
          10_000,
          'the reader to hold scout hello',
        );
        expect((await api(t.url, '/api/system/metrics/collect', { method: 'POST', headers: auth })).status).toBe(200);
      }
    }

    listed = await time('openclaw sessions', () => (oc as OpenClaw).sessions());
    const dbs = await readStateDir(oc.stateDir);
    transcripts = new Map();
    stored = new Map();
    for (const db of dbs) {
      for (const node of db.nodes) {
        stored.set(node.session_key, { agent: db.agent_id, sessionId: node.session_id, status: node.status });
        const summary = db.transcripts.get(node.session_id);
        if (summary) transcripts.set(node.session_key, summary);
      }
    }
    timings['setup and turns, total'] = Date.now() - started;
  };

  /** Stops what a setup started. */
  const tearDown = async () => {
    ws?.terminate();
    await t?.close();
    await oc?.killAll();
    await llm?.close();
    await removeDirs(home, t?.workspace, t?.dataDir);
  };

  beforeAll(async () => {
    if (!openclawInstalled())
      throw new Error(
        'OpenClaw is not in .cache/openclaw-test: run `bash scripts/openclaw-cache.sh` (npm run test:openclaw does)',
      );
    try {
      await setUp();
    } catch (error) {
      // The pinned OpenClaw's gateway now and then fails the first turn of a second agent in its own
      // resource handling: in its cleanup (2 runs in 11 once; 0 in 51 first turns since, reader on or off),
      // or finding its "state-lifecycle" lock (a file of its own under /tmp/openclaw-state-locks-<uid>/)
      // taken by another of its processes: once in CI, 2 in 10 first turns with a reader that read every
      // 50 ms-1 s poll on a machine at load 15-19, 0 in 35 otherwise. Those kinds are tried again once.
      if (!/Agent database cleanup failed|another OpenClaw process owns state-lifecycle/.test(String(error)))
        throw error;
      console.warn(
        `OpenClaw failed a turn in its own resource handling; setting up again from scratch:\n${String(error).slice(0, 500)}`,
      );
      await tearDown();
      received.length = 0;
      await setUp();
    }
  }, 540_000);

  afterAll(async () => {
    await tearDown();
    console.log(
      [
        'OpenClaw e2e timings (ms):',
        ...Object.entries(timings).map(([k, v]) => `  ${k}: ${v}`),
        ...(oc?.log ?? []).map((c) => `  openclaw ${c.args.slice(0, 3).join(' ')}: ${c.ms} (exit ${c.code})`),
        `  model requests: ${llm?.requests.length}`,
      ].join('\n'),
    );
  }, 60_000);

  const session = (key: string) => transcripts.get(key) as TranscriptSummary;

  it('ran real turns: the transcripts hold what the fake model answered', () => {
    expect([...transcripts.keys()].sort()).toEqual(['agent:main:main', 'agent:scout:errands', 'agent:scout:main']);
    expect(session('agent:main:main')).toMatchObject({ runs: 2, failed_runs: 0, tool_calls: 1 });
    expect(session('agent:scout:main')).toMatchObject({ runs: 1, failed_runs: 0, tool_calls: 0 });
    expect(session('agent:scout:errands')).toMatchObject({ runs: 1, failed_runs: 1, input_tokens: 0 });
    // What a user pays: the configured price times the tokens.
    for (const s of transcripts.values())
      expect(s.cost_usd).toBeCloseTo((s.input_tokens * PRICE.input + s.output_tokens * PRICE.output) / 1e6, 12);
  });

  it('lists both OpenClaw agents, merged by id with the workspace ones', async () => {
    const { status, body } = await api(t!.url, '/api/agents');
    expect(status).toBe(200);
    for (const spec of AGENTS) {
      const agent = body.agents.find((a: any) => a.id === spec.id);
      expect({ id: spec.id, found: !!agent }).toEqual({ id: spec.id, found: true });
      expect(agent.sources).toContain('openclaw');
      expect(agent.emoji).toBe(spec.emoji);
    }
    expect(body.agents.find((a: any) => a.id === 'main').sources.sort()).toEqual(['openclaw', 'workspace']);
    expect(body.agents.find((a: any) => a.id === 'scout')).toMatchObject({ name: 'Scout', sources: ['openclaw'] });
  });

  it('shows every session `openclaw sessions` lists, with its id, model and provider', async () => {
    expect(listed.sessions).toHaveLength(3);
    const { status, body } = await api(t!.url, '/api/sessions?limit=100');
    expect(status).toBe(200);
    for (const s of listed.sessions) {
      const mine = body.sessions.find((x: any) => x.key === s.key);
      expect({
        key: s.key,
        session_id: mine?.session_id,
        agent_id: mine?.agent_id,
        model: mine?.model,
        provider: mine?.provider,
      }).toEqual({
        key: s.key,
        session_id: s.sessionId,
        agent_id: s.agentId,
        model: s.model,
        provider: s.modelProvider,
      });
    }
  });

  it("gives each session the sums over its transcript, equal to OpenClaw's own figures for one-run sessions", async () => {
    const { body } = await api(t!.url, '/api/sessions?limit=100');
    for (const [key, sums] of transcripts) {
      const mine = body.sessions.find((x: any) => x.key === key);
      expectUsage(mine, sums, key);
      expect({ key, run_count: mine.run_count, failed_runs: mine.failed_runs }).toEqual({
        key,
        run_count: sums.runs,
        failed_runs: sums.failed_runs,
      });
      if (sums.runs === 1) {
        const cli = listed.sessions.find((s: any) => s.key === key);
        expect({ key, input: mine.input_tokens, output: mine.output_tokens }).toEqual({
          key,
          input: cli.inputTokens ?? 0,
          output: cli.outputTokens ?? 0,
        });
        const cliCost =
          cli.estimatedCostUsd ?? ((cli.inputTokens ?? 0) * PRICE.input + (cli.outputTokens ?? 0) * PRICE.output) / 1e6;
        expect(mine.cost_usd).toBeCloseTo(cliCost, 9);
      }
    }
    // main ran twice: its total is more than the last run that `openclaw sessions` reports.
    const main = listed.sessions.find((s: any) => s.key === 'agent:main:main');
    expect(body.sessions.find((x: any) => x.key === 'agent:main:main').input_tokens).toBeGreaterThan(main.inputTokens);
  });

  it('shows the failed run: a task_failed event from the plugin and a failed run in the session', async () => {
    const failing = turns.find((x) => x.fails) as Turn;
    const runId = failing.result?.json?.runId;
    expect(typeof runId).toBe('string');
    const events = await waitFor(
      async () => {
        const page = await api(t!.url, '/api/system/events?type=task_failed&limit=100');
        const hit = page.body.events.filter((e: any) => e.data?.source === 'openclaw');
        return hit.length ? page.body.events : undefined;
      },
      5000,
      'a task_failed event with data.source "openclaw"',
    );
    expect(events.find((e: any) => e.data.task_id === runId)).toMatchObject({
      type: 'task_failed',
      agent_id: 'scout',
      data: { source: 'openclaw', task_id: runId },
    });

    const { status, body } = await api(t!.url, `/api/sessions/${enc('agent:scout:errands')}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ key: 'agent:scout:errands', status: 'failed', failed_runs: 1, run_count: 1 });
    expect(body.runs).toHaveLength(1);
    expect(body.runs[0]).toMatchObject({ status: 'failed', stop_reason: 'error' });
    expect(body.runs[0].error).toEqual(expect.any(String));
    if (body.runs[0].run_id !== null) expect(body.runs[0].run_id).toBe(runId);
  });

  it('counts the tool call in the session detail', async () => {
    const { status, body } = await api(t!.url, `/api/sessions/${enc('agent:main:main')}`);
    expect(status).toBe(200);
    const sums = session('agent:main:main');
    expect(body.tool_calls).toMatchObject({ total: sums.tool_calls, failed: 0 });
    for (const [tool, count] of Object.entries(sums.tools))
      expect(body.tool_calls.top).toContainEqual(expect.objectContaining({ tool, count }));
    expect(body.runs).toHaveLength(2);
    expect(body.runs.map((r: any) => r.status)).toEqual(['ok', 'ok']);
    expect(body.runs.map((r: any) => r.tool_calls).sort()).toEqual([0, 1]);
    const perRun = body.runs.reduce((sum: UsageSum, r: any) => addUsage(sum, { ...r, total_tokens: 0 }), emptyUsage());
    expect(perRun.input_tokens).toBe(sums.input_tokens);
    expect(perRun.cost_usd).toBeCloseTo(sums.cost_usd, 9);
    expect((await api(t!.url, `/api/sessions/${enc('agent:nobody:main')}`)).status).toBe(404);
  });

  it('sends session_update within 2 s of each turn ending', async () => {
    const latencies: Record<string, number> = {};
    for (const turn of turns) {
      const { result, after } = turn;
      const matches = (r: Received) =>
        r.msg.type === 'session_update' &&
        r.msg.data?.key === turn.sessionKey &&
        r.at >= (result as RunResult).startedAt &&
        r.msg.data.input_tokens === after?.input_tokens &&
        r.msg.data.output_tokens === after?.output_tokens &&
        r.msg.data.run_count === after?.runs &&
        (!turn.fails || r.msg.data.status === 'failed' || r.msg.data.failed_runs >= 1);
      const hit = await waitFor(
        async () => received.find(matches),
        Math.max(0, (result as RunResult).exitedAt + 2000 - Date.now()) + 50,
        `session_update after "${turn.name}"`,
      ).catch(() => undefined);
      latencies[turn.name] = hit ? hit.at - (result as RunResult).exitedAt : Number.POSITIVE_INFINITY;
      if (hit)
        expect(hit.msg).toMatchObject({
          type: 'session_update',
          source: 'mission-control',
          seq: expect.any(Number),
          data: { session_id: after?.session_id },
        });
    }
    timings['session_update after CLI exit (ms, by turn)'] = Math.max(...Object.values(latencies));
    console.log('session_update latency after the CLI exited (ms; negative = before):', latencies);
    for (const [name, ms] of Object.entries(latencies))
      expect({ name, within2s: ms <= 2000 }).toEqual({ name, within2s: true });
  });

  it('does not count usage twice with both the plugin and the reader on: collections, Prometheus, a cost budget', async () => {
    // The plugin's llm_usage events did arrive, so the checks below are not vacuous.
    const okRuns = turns.filter((x) => !x.fails).length;
    await waitFor(
      async () => {
        const page = await api(t!.url, '/api/system/events?type=llm_usage&limit=100');
        return page.body.events.filter((e: any) => e.data?.source === 'openclaw').length >= okRuns || undefined;
      },
      5000,
      `${okRuns} llm_usage events from the plugin`,
    );
    const byAgent = new Map(
      AGENTS.map((spec) => [
        spec.id,
        [...transcripts.values()]
          .filter((s) => s.agent_id === spec.id)
          .reduce((sum, s) => addUsage(sum, s), emptyUsage()),
      ]),
    );
    const fleet = [...byAgent.values()].reduce((sum, s) => addUsage(sum, s), emptyUsage());
    // Since the collection after "scout hello": main's tool-call turn (the failing one used no tokens).
    const [first, second] = turns
      .filter((x) => x.sessionKey === 'agent:main:main')
      .map((x) => x.after as TranscriptSummary);
    const since = {
      input_tokens: second.input_tokens - first.input_tokens,
      cost_usd: second.cost_usd - first.cost_usd,
    };
    expect(since.input_tokens).toBeGreaterThan(0);
    // Budgets on either side of what was spent since: counted twice, the higher one fires too.
    const rule = async (name: string, usd: number) =>
      (
        await api(t!.url, '/api/alerts/rules', {
          method: 'POST',
          headers: auth,
          json: { name, kind: 'cost_budget', params: { usd, window: 'day' } },
        })
      ).body.id as string;
    const [low, high] = [
      await rule('below the spend', since.cost_usd / 2),
      await rule('above the spend', since.cost_usd * 1.5),
    ];

    const collected = await api(t!.url, '/api/system/metrics/collect', { method: 'POST', headers: auth });
    expect(collected.status).toBe(200);
    expect(collected.body.system.tokens_in).toBe(since.input_tokens);
    expect(collected.body.system.cost_usd).toBeCloseTo(since.cost_usd, 9);
    expect(collected.body.system.cost_usd_total).toBeCloseTo(fleet.cost_usd, 9);
    const prometheus = (await api(t!.url, '/metrics')).body as string;
    for (const [id, sums] of byAgent) {
      const latest = (await api(t!.url, `/api/agents/${id}/history?hours=1`)).body.history.at(-1);
      expect({ id, tokens_in: latest.tokens_in }).toEqual({ id, tokens_in: id === 'main' ? since.input_tokens : 0 });
      expect(latest.cost_usd_total).toBeCloseTo(sums.cost_usd, 9);
      const figure = (name: string, kind?: string) =>
        prometheus
          .split('\n')
          .filter((line) => line.startsWith(`${name}{agent="${id}",`) && (!kind || line.includes(`kind="${kind}"`)))
          .reduce((n, line) => n + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
      expect({
        id,
        input: figure('mission_control_tokens_total', 'input'),
        output: figure('mission_control_tokens_total', 'output'),
      }).toEqual({
        id,
        input: sums.input_tokens,
        output: sums.output_tokens,
      });
      expect(figure('mission_control_cost_usd_total')).toBeCloseTo(sums.cost_usd, 9);
    }
    const alerts = async (id: string) => (await api(t!.url, `/api/alerts?rule_id=${id}`)).body.alerts;
    const fired = await waitFor(
      async () => (await alerts(low)).find((a: any) => a.state === 'firing'),
      5000,
      'the lower budget to fire',
    );
    expect(fired.value).toBeCloseTo(since.cost_usd, 9);
    expect(await alerts(high)).toEqual([]);

    const { status, body } = await api(t!.url, '/api/usage?group_by=agent');
    expect(status).toBe(200);
    for (const [id, sums] of byAgent)
      expectUsage(
        body.rows.find((r: any) => r.key === id),
        sums,
        `usage of ${id}`,
      );
    expectUsage(body.total, fleet, 'usage total');
    expect(body.rows.find((r: any) => r.key === 'scout')).toMatchObject({ sessions: 2, runs: 2 });
    expect(body.rows.find((r: any) => r.key === 'main')).toMatchObject({ sessions: 1, runs: 2 });
  });

  it('keeps transcripts behind the token', async () => {
    const path = `/api/sessions/${enc('agent:main:main')}/transcript`;
    expect((await api(t!.url, path)).status).toBe(401);
    const { status, body } = await api(t!.url, path, { headers: auth });
    expect(status).toBe(200);
    const sums = session('agent:main:main');
    expect(body).toMatchObject({ key: 'agent:main:main', session_id: sums.session_id });
    const assistant = body.messages.filter((m: any) => m.role === 'assistant');
    expect(assistant.length).toBe(sums.assistant_messages);
    expect(assistant.flatMap((m: any) => m.tool_calls.map((c: any) => c.name))).toEqual(Object.keys(sums.tools));
    const summed = assistant.reduce((sum: UsageSum, m: any) => addUsage(sum, m.usage ?? emptyUsage()), emptyUsage());
    expectUsage(summed, sums, 'transcript messages');
  });

  it('reports OpenClaw in /api/health', async () => {
    const { body } = await api(t!.url, '/api/health');
    expect(body.services.openclaw).toMatchObject({
      status: 'up',
      state: 'ok',
      agents: 2,
      sessions: 3,
      schema_versions: { main: 23, scout: 23 },
    });
  });

  it('stored what the plugin forwarded, tagged with its source', async () => {
    const page = await api(t!.url, '/api/system/events?limit=1000');
    const mine = page.body.events.filter((e: any) => e.data?.source === 'openclaw');
    const types = [...new Set(mine.map((e: any) => e.type))].sort();
    console.log(
      'plugin events stored by Mission Control:',
      types.map((type) => `${type} x${mine.filter((e: any) => e.type === type).length}`).join(', '),
    );
    expect(types).toEqual(
      expect.arrayContaining(['llm_usage', 'task_completed', 'task_failed', 'task_started', 'tool_called']),
    );
    expect(mine.filter((e: any) => e.type === 'task_completed')).toHaveLength(turns.filter((x) => !x.fails).length);
    expect(stored.get('agent:scout:errands')?.status).toBe('failed');
  });
});
