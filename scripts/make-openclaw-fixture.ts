/**
 * Makes the committed OpenClaw fixtures from a real run:
 *   npx ts-node --transpile-only scripts/make-openclaw-fixture.ts
 *
 * It installs the pinned OpenClaw into the cache if needed (scripts/openclaw-cache.sh), runs it with two
 * agents against the project's fake model (test/openclaw/fake-llm.ts) in a temporary HOME, and writes:
 *
 * - test/fixtures/openclaw/home-sqlite/: the current layout. `openclaw.json` (JSON5, agents as a list)
 *   and `agents/<id>/agent/openclaw-agent.sqlite`: each agent's real database, copied with VACUUM INTO
 *   (a consistent snapshot of the database and its WAL), then switched to journal_mode=DELETE and
 *   VACUUMed, so it is one self-contained file with no -wal/-shm. Every table is kept (none dropped);
 *   each file is under 1 MB because an empty table costs only a page or two.
 * - test/fixtures/openclaw/home-legacy/: the older file layout built from the same run. `openclaw.json`
 *   as plain JSON with keyed `agents.entries`; `agents/<id>/sessions/sessions.json` (session key ->
 *   SessionEntry, taken from `session_nodes.entry_json` minus the bulky `skillsSnapshot`) and
 *   `<sessionId>.jsonl` holding the session's real transcript events, one original event JSON per
 *   line, in seq order. main's entries carry `sessionFile` relative to the sessions folder; scout's have
 *   none, so the transcript is found as `<sessionId>.jsonl` (OpenClaw resolves both ways).
 * - test/fixtures/openclaw/expected.json: what a reader of either home must report, from
 *   `openclaw sessions --all-agents --json` and the sums over each transcript.
 *
 * Turns: main "hello there" then "please use a tool" (one session, two runs, one tool call) through the
 * gateway; scout "please reject this" in its own session `agent:scout:errands` through the gateway (HTTP
 * 400: the run fails at once, status "failed"); then, gateway stopped, scout "hello scout" with
 * `--local` (embedded run, one session, one run).
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as sqlite3 from 'sqlite3';
import { startFakeLlm } from '../test/openclaw/fake-llm';
import { AGENTS, configJson5, freePort, OpenClaw, OPENCLAW_VERSION, PRICE, ROOT } from '../test/openclaw/openclaw-cli';
import {
  addUsage,
  agentDbPath,
  emptyUsage,
  readStateDir,
  TranscriptSummary,
  usageOf,
} from '../test/openclaw/openclaw-db';

const OUT = join(ROOT, 'test', 'fixtures', 'openclaw');
const TOKEN = 'fixture-gateway-token';

function exec(db: sqlite3.Database, sql: string): Promise<void> {
  return new Promise((resolve, reject) => db.exec(sql, (error) => (error ? reject(error) : resolve())));
}

function open(file: string, mode: number): Promise<sqlite3.Database> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, mode, (error) => (error ? reject(error) : resolve(db)));
  });
}

function close(db: sqlite3.Database): Promise<void> {
  return new Promise((resolve, reject) => db.close((error) => (error ? reject(error) : resolve())));
}

/** One file, no -wal/-shm: a snapshot of the source (read-only), then rollback-journal mode and VACUUM. */
async function snapshot(source: string, target: string): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  await rm(target, { force: true });
  const src = await open(source, sqlite3.OPEN_READONLY);
  await exec(src, `VACUUM INTO '${target.replace(/'/g, "''")}'`);
  await close(src);
  const dst = await open(target, sqlite3.OPEN_READWRITE);
  await exec(dst, 'PRAGMA journal_mode = DELETE; VACUUM;');
  await close(dst);
}

async function main(): Promise<void> {
  const started = Date.now();
  execFileSync('bash', [join(ROOT, 'scripts', 'openclaw-cache.sh')], { stdio: 'inherit' });
  const llm = await startFakeLlm(0);
  const home = await mkdtemp(join(tmpdir(), 'mc-openclaw-fixture-'));
  const oc = new OpenClaw(home);
  const turns: {
    agent: string;
    session_key: string;
    message: string;
    via: string;
    ok: boolean;
    run_id: string | null;
    ms: number;
  }[] = [];
  try {
    const gatewayPort = await freePort();
    await oc.writeConfig({ llmUrl: llm.url, gatewayPort, gatewayToken: TOKEN });
    const gateway = await oc.startGateway(gatewayPort);
    const turn = async (agent: string, message: string, sessionKey?: string, local = false) => {
      const result = await oc.turn(agent, message, { sessionKey, local });
      const ok = result.code === 0;
      turns.push({
        agent,
        session_key: sessionKey ?? `agent:${agent}:main`,
        message,
        via: local ? 'local' : 'gateway',
        ok,
        run_id: result.json?.runId ?? null,
        ms: result.exitedAt - result.startedAt,
      });
      console.log(
        `${agent} "${message}" via ${local ? '--local' : 'gateway'}: exit ${result.code} in ${result.exitedAt - result.startedAt} ms`,
      );
      if (!ok && !/reject/.test(message)) throw new Error(`turn failed:\n${result.stdout}\n${result.stderr}`);
    };
    await turn('main', 'hello there');
    await turn('main', 'please use a tool');
    await turn('scout', 'please reject this', 'agent:scout:errands');
    await gateway.stop();
    await turn('scout', 'hello scout', undefined, true);
    const listed = await oc.sessions();
    const dbs = await readStateDir(oc.stateDir);

    // home-sqlite
    const sqliteHome = join(OUT, 'home-sqlite');
    await rm(sqliteHome, { recursive: true, force: true });
    await mkdir(sqliteHome, { recursive: true });
    await writeFile(
      join(sqliteHome, 'openclaw.json'),
      configJson5('~/.openclaw', {
        llmUrl: 'http://127.0.0.1:19999/v1',
        gatewayPort: 18789,
        gatewayToken: 'test-token',
        logFile: null,
      }),
    );
    for (const db of dbs) await snapshot(db.file, agentDbPath(sqliteHome, db.agent_id));

    // home-legacy
    const legacyHome = join(OUT, 'home-legacy');
    await rm(legacyHome, { recursive: true, force: true });
    const entries = Object.fromEntries(
      AGENTS.map((a) => [
        a.id,
        { name: a.name, identity: { name: a.name, emoji: a.emoji, ...(a.theme ? { theme: a.theme } : {}) } },
      ]),
    );
    const legacyConfig = {
      agents: { ownership: 'explicit', defaults: { model: { primary: 'fake/m1' } }, entries },
      models: JSON.parse(JSON.stringify(modelsBlock())),
      gateway: { mode: 'local', port: 18789, bind: 'loopback', auth: { mode: 'token', token: 'test-token' } },
    };
    await mkdir(legacyHome, { recursive: true });
    await writeFile(join(legacyHome, 'openclaw.json'), JSON.stringify(legacyConfig, null, 2) + '\n');
    for (const db of dbs) {
      const sessionsDir = join(legacyHome, 'agents', db.agent_id, 'sessions');
      await mkdir(sessionsDir, { recursive: true });
      const store: Record<string, unknown> = {};
      for (const node of db.nodes) {
        const { skillsSnapshot: _dropped, ...entry } = node.entry ?? {};
        void _dropped;
        if (db.agent_id === 'main') entry.sessionFile = `${node.session_id}.jsonl`;
        store[node.session_key] = entry;
        const transcript = db.transcripts.get(node.session_id);
        await writeFile(
          join(sessionsDir, `${node.session_id}.jsonl`),
          (transcript?.events ?? []).map((e) => e.text).join('\n') + '\n',
        );
      }
      await writeFile(join(sessionsDir, 'sessions.json'), JSON.stringify(store, null, 2) + '\n');
    }

    // expected.json
    const sessions = dbs.flatMap((db) =>
      db.nodes.map((node) => {
        const t = db.transcripts.get(node.session_id) as TranscriptSummary;
        const cli = listed.sessions.find((s: any) => s.key === node.session_key && s.agentId === db.agent_id) ?? {};
        return {
          key: node.session_key,
          session_id: node.session_id,
          agent_id: db.agent_id,
          model: t.model,
          provider: t.provider,
          stored_status: node.status,
          runs: t.runs,
          failed_runs: t.failed_runs,
          tool_calls: t.tool_calls,
          tools: t.tools,
          run_ids: t.run_ids,
          messages: t.events.filter((e) => e.event?.type === 'message').length,
          ...usageOf(t),
          openclaw_sessions: {
            status: cli.status ?? null,
            inputTokens: cli.inputTokens ?? null,
            outputTokens: cli.outputTokens ?? null,
            totalTokens: cli.totalTokens ?? null,
            estimatedCostUsd: cli.estimatedCostUsd ?? node.entry?.estimatedCostUsd ?? null,
            model: cli.model ?? null,
            modelProvider: cli.modelProvider ?? null,
          },
        };
      }),
    );
    const byAgent = Object.fromEntries(
      AGENTS.map((a) => {
        const mine = sessions.filter((s) => s.agent_id === a.id);
        return [
          a.id,
          {
            ...mine.reduce((sum, s) => addUsage(sum, s), emptyUsage()),
            sessions: mine.length,
            runs: mine.reduce((n, s) => n + s.runs, 0),
          },
        ];
      }),
    );
    const expected = {
      comment:
        "Made by scripts/make-openclaw-fixture.ts from a real OpenClaw run; home-sqlite and home-legacy hold the same sessions. Session figures are sums over each transcript's assistant usage; openclaw_sessions is what `openclaw sessions --all-agents --json` printed (the last run only; estimatedCostUsd, which that command leaves out, from session_nodes.entry_json).",
      openclaw_version: OPENCLAW_VERSION,
      schema_versions: Object.fromEntries(dbs.map((db) => [db.agent_id, db.schema_version])),
      price_per_million: PRICE,
      agents: AGENTS.map((a) => ({ id: a.id, name: a.name, emoji: a.emoji })),
      turns: turns.map(({ ms: _ms, ...t }) => t),
      sessions,
      usage_by_agent: byAgent,
      total: sessions.reduce((sum, s) => addUsage(sum, s), emptyUsage()),
    };
    await writeFile(join(OUT, 'expected.json'), JSON.stringify(expected, null, 2) + '\n');
    console.log(`fixtures written to ${OUT} in ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    await oc.killAll();
    await llm.close();
    await rm(home, { recursive: true, force: true });
  }
}

function modelsBlock() {
  return {
    mode: 'merge',
    providers: {
      fake: {
        baseUrl: 'http://127.0.0.1:19999/v1',
        apiKey: 'x',
        api: 'openai-completions',
        models: [
          {
            id: 'm1',
            name: 'Fake',
            reasoning: false,
            input: ['text'],
            cost: { input: PRICE.input, output: PRICE.output, cacheRead: 0, cacheWrite: 0 },
            contextWindow: 128000,
            maxTokens: 4096,
          },
        ],
      },
    },
  };
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
