/**
 * npm run bench:ingest — event ingestion over HTTP against the raw sqlite3 driver and against a bare
 * Nest app, and the time of a metrics collection (the first after start, and later ones) with 1,000
 * agents over 1M and 10M events of the last 24 hours. Each round measures every rate, the baselines
 * beside the app (the raw one before and after the HTTP load, the bare servers in turn with the app);
 * figures are medians of three rounds, ratios taken within a round.
 * Figures go to test/bench/results/ingest.json; the README shows the latest table.
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WRITE_PRAGMAS } from '../../src/database/database-writer';
import { InitialSchema1763800000000 } from '../../src/database/migrations/sqlite/1763800000000-InitialSchema';
import { benchEvent, closeDb, medians, openDb, report, ROOT, run, startBuiltApp } from './bench-support';

const BATCH = 500;
const RAW_EVENTS = 100_000;
const BATCH_SENDERS = 4;
const BATCH_SECONDS = 15;
const CLIENTS = 50;
/** Seconds of single-event load on each server, after one second of warm-up. */
const LOAD_SECONDS = 5;
/** Ingestion rates swing by a third from run to run on a shared machine: each is the median of rounds. */
const ROUNDS = 3;
const AGENTS = 1_000;

/**
 * The driver's raw rate: a fresh database file with the events table and its indexes, 500-row
 * INSERTs inside one transaction, no ORM. `settings`: SQLite's defaults but WAL (the baseline), or
 * the app's own write settings as well (WRITE_PRAGMAS), reported beside it.
 */
async function rawRate(file: string, settings: 'default' | 'app'): Promise<number> {
  const start = Date.now();
  const rows = Array.from({ length: RAW_EVENTS }, (_, i) => benchEvent(i)).map((e, i) => [
    new Date(start + i).toISOString(),
    e.event_type,
    e.agent_id,
    JSON.stringify(e.data),
  ]);
  const insert = `INSERT INTO "events" ("timestamp", "event_type", "agent_id", "data") VALUES ${Array(BATCH).fill('(?, ?, ?, ?)').join(', ')}`;
  const db = await openDb(file);
  await run(db, 'PRAGMA journal_mode = WAL');
  if (settings === 'app') for (const pragma of WRITE_PRAGMAS) await run(db, `PRAGMA ${pragma}`);
  await new InitialSchema1763800000000().up({ query: (sql: string) => run(db, sql) } as never);
  const started = performance.now();
  await run(db, 'BEGIN');
  for (let i = 0; i < rows.length; i += BATCH) await run(db, insert, rows.slice(i, i + BATCH).flat());
  await run(db, 'COMMIT');
  const rate = RAW_EVENTS / ((performance.now() - started) / 1000);
  await closeDb(db);
  return rate;
}

async function post(url: string, body: unknown): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
}

/** One autocannon run (a load generator much lighter than fetch, so the server is what is measured): requests answered, and in how long. */
async function load(
  options: autocannon.Options & { connections: number },
  seconds: number,
): Promise<{ requests: number; ms: number }> {
  const result = await autocannon({ ...options, duration: seconds });
  if (result.non2xx || result.errors)
    throw new Error(`${options.url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return { requests: result.requests.total, ms: result.finish.getTime() - result.start.getTime() };
}

/** Requests per second, after one second of warm-up. */
async function requestRate(options: autocannon.Options & { connections: number }, seconds: number): Promise<number> {
  await autocannon({ duration: 1, ...options });
  const { requests, ms } = await load(options, seconds);
  return requests / (ms / 1000);
}

/** Single-event POSTs from CLIENTS clients to a server at `url`. */
const singleEvents = (url: string) => ({
  url: `${url}/api/events`,
  method: 'POST' as const,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(benchEvent(1)),
  connections: CLIENTS,
});

/** Starts a bare server of test/bench/bare-server.ts (`express` or `nest`); answers with its URL and how to stop it. */
async function startBareServer(kind: 'express' | 'nest'): Promise<{ url: string; stop: () => void }> {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', join(__dirname, 'bare-server.ts'), kind],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<string>((resolve) =>
    child.stdout.once('data', (data) => resolve(String(data).trim())),
  );
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

/**
 * Batches into the app, then single POSTs to the app and to the bare servers, all running at once
 * and loaded in turn, in two slices of half LOAD_SECONDS each, in the order A B C C B A: a machine
 * whose speed drifts during the round weighs on each the same.
 */
async function httpRates(
  dir: string,
): Promise<{ batch: number; single: number; bare_nest: number; bare_express: number }> {
  const app = await startBuiltApp({
    MC_WORKSPACE: join(dir, 'no-workspace'),
    MC_DATA_DIR: join(dir, 'http'),
    MC_METRICS_INTERVAL: '3600',
  });
  const bare = await Promise.all([startBareServer('nest'), startBareServer('express')]);
  try {
    const body = JSON.stringify({ events: Array.from({ length: BATCH }, (_, i) => benchEvent(i)) });
    const batches = await requestRate(
      {
        url: `${app.url}/api/events/batch`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        connections: BATCH_SENDERS,
      },
      BATCH_SECONDS,
    );
    const urls = [app.url, ...bare.map((b) => b.url)];
    for (const url of urls) await load(singleEvents(url), 1);
    const totals = urls.map(() => ({ requests: 0, ms: 0 }));
    for (const i of [...urls.keys(), ...[...urls.keys()].reverse()]) {
      const { requests, ms } = await load(singleEvents(urls[i]), LOAD_SECONDS / 2);
      totals[i].requests += requests;
      totals[i].ms += ms;
    }
    const [single, bareNest, bareExpress] = totals.map((t) => t.requests / (t.ms / 1000));
    return { batch: batches * BATCH, single, bare_nest: bareNest, bare_express: bareExpress };
  } finally {
    for (const b of bare) b.stop();
    await app.stop();
  }
}

/**
 * Fills the app's own database with `total` events spread over the last 24 hours, as a fleet that
 * reports all day leaves them, then times the first collection after start (it reads the day's task
 * events, to time tasks that started before the restart) and the median of five later ones (each
 * after a batch of 500 new events), with 1,000 agent folders.
 */
async function collectionTimes(dir: string, total: number): Promise<{ cold: number; warm: number }> {
  const workspace = join(dir, `ws-${total}`);
  for (let a = 0; a < AGENTS; a++) {
    await mkdir(join(workspace, 'mission-control', 'agents', `agent-${a}`), { recursive: true });
    const state = {
      status: a % 3 ? 'working' : 'idle',
      lastActive: new Date().toISOString(),
      stats: { tasksCompleted: a },
    };
    await writeFile(join(workspace, 'mission-control', 'agents', `agent-${a}`, 'state.json'), JSON.stringify(state));
  }
  const dataDir = join(dir, `collect-${total}`);
  const env = { MC_WORKSPACE: workspace, MC_DATA_DIR: dataDir, MC_METRICS_INTERVAL: '3600' };
  await (await startBuiltApp(env)).stop();

  const db = await openDb(join(dataDir, 'metrics.db'));
  const insert = `INSERT INTO "events" ("timestamp", "event_type", "agent_id", "data") VALUES ${Array(BATCH).fill('(?, ?, ?, ?)').join(', ')}`;
  const start = Date.now() - 24 * 3_600_000 + 60_000;
  await run(db, 'BEGIN');
  for (let i = 0; i < total; i += BATCH) {
    const rows = Array.from({ length: BATCH }, (_, j) => {
      const e = benchEvent(i + j);
      return [
        new Date(start + ((i + j) / total) * (Date.now() - start - 60_000)).toISOString(),
        e.event_type,
        e.agent_id,
        JSON.stringify(e.data),
      ];
    });
    await run(db, insert, rows.flat());
  }
  await run(db, 'COMMIT');
  await closeDb(db);

  const app = await startBuiltApp(env);
  const collect = async () =>
    (
      (await (await fetch(`${app.url}/api/system/metrics/collect`, { method: 'POST' })).json()) as {
        duration_ms: number;
      }
    ).duration_ms;
  try {
    const cold = await collect();
    const warm = [];
    for (let round = 0; round < 5; round++) {
      await post(`${app.url}/api/events/batch`, { events: Array.from({ length: BATCH }, (_, i) => benchEvent(i)) });
      warm.push(await collect());
    }
    return { cold, warm: warm.sort((a, b) => a - b)[2] };
  } finally {
    await app.stop();
  }
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'mc-bench-ingest-'));
  try {
    // INGEST_PARTS=raw,http skips the long collection runs while tuning ingestion.
    const parts = (process.env.INGEST_PARTS ?? 'raw,http,collect').split(',');
    const step = async <T>(part: string, what: string, work: () => Promise<T>, skipped: T) =>
      parts.includes(part) ? (console.log(`… ${what}`), await work()) : skipped;
    const rounds = [];
    // Each round measures the baselines and the app together, so all see the machine in the same mood;
    // the raw baseline is the mean of one run before the HTTP load and one after it.
    for (let round = 1; round <= ROUNDS; round++) {
      const roundDir = join(dir, `round-${round}`);
      await mkdir(roundDir);
      const raw = (settings: 'default' | 'app', when: string) =>
        step(
          'raw',
          `round ${round}: raw sqlite3 inserts, ${settings === 'app' ? "the app's settings" : 'defaults but WAL'}, ${when}`,
          () => rawRate(join(roundDir, `raw-${settings}-${when}.db`), settings),
          NaN,
        );
      const rawBefore = await raw('default', 'before');
      const rawApp = await raw('app', 'before');
      const http = await step(
        'http',
        `round ${round}: ingestion over HTTP, and the bare servers`,
        () => httpRates(roundDir),
        { batch: NaN, single: NaN, bare_nest: NaN, bare_express: NaN },
      );
      const rawAfter = await raw('default', 'after');
      const rawDefault = (rawBefore + rawAfter) / 2;
      rounds.push({
        raw_default: rawDefault,
        raw_default_before: rawBefore,
        raw_default_after: rawAfter,
        raw_app: rawApp,
        ...http,
        batch_vs_raw: http.batch / rawDefault,
        single_vs_nest: http.single / http.bare_nest,
      });
    }
    const m = medians(rounds);
    const collect1m = await step('collect', 'collections over 1M events', () => collectionTimes(dir, 1_000_000), {
      cold: NaN,
      warm: NaN,
    });
    const collect10m = await step('collect', 'collections over 10M events', () => collectionTimes(dir, 10_000_000), {
      cold: NaN,
      warm: NaN,
    });
    const figures = {
      rounds,
      raw_sqlite3_events_per_s: { default_settings_with_wal: m.raw_default, app_settings: m.raw_app },
      http_batch_events_per_s_4_senders: m.batch,
      http_batch_vs_raw: m.batch_vs_raw,
      http_single_events_per_s_50_clients: m.single,
      bare_nest_post_per_s_50_clients: m.bare_nest,
      bare_express_post_per_s_50_clients: m.bare_express,
      http_single_vs_bare_nest: m.single_vs_nest,
      collection_ms_1000_agents_1m_events: collect1m,
      collection_ms_1000_agents_10m_events: collect10m,
      goals: { batch_vs_raw: '>= 0.5', single_vs_bare_nest: '>= 0.85' },
    };
    const f = (n: number) => Math.round(n).toLocaleString('en-US');
    await report('ingest', figures, [
      ['raw sqlite3, 500-row INSERTs in one transaction, defaults but WAL (events/s, the baseline)', f(m.raw_default)],
      ["raw sqlite3, the same with the app's write settings (events/s)", f(m.raw_app)],
      [`POST /api/events/batch, batches of 500, ${BATCH_SENDERS} senders, ${BATCH_SECONDS} s (events/s)`, f(m.batch)],
      ['batch over HTTP / raw baseline of the same round (goal >= 0.5)', m.batch_vs_raw.toFixed(2)],
      ['POST /api/events, 50 concurrent clients (events/s)', f(m.single)],
      ['bare Nest app, one handler, the same POST, nothing stored, 50 clients (requests/s)', f(m.bare_nest)],
      ['bare Express 5, the same POST, nothing stored, 50 clients (requests/s)', f(m.bare_express)],
      ['single POSTs / bare Nest of the same round (goal >= 0.85)', m.single_vs_nest.toFixed(2)],
      ['first collection after start, 1,000 agents, 1M events in 24 h (ms)', collect1m.cold.toFixed(1)],
      ['later collections, 1M events (ms, median of 5)', collect1m.warm.toFixed(1)],
      ['first collection after start, 10M events in 24 h (ms)', collect10m.cold.toFixed(1)],
      ['later collections, 10M events (ms, median of 5)', collect10m.warm.toFixed(1)],
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
