/**
 * npm run bench:ingest — event ingestion over HTTP against the raw sqlite3 driver, and the time of
 * one metrics collection with 1,000 agents over 1M and 10M stored events. Rates are medians of
 * three rounds; figures go to test/bench/results/ingest.json; the README shows the latest table.
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WRITE_PRAGMAS } from '../../src/database/database-writer';
import { InitialSchema1763800000000 } from '../../src/database/migrations/1763800000000-InitialSchema';
import { closeDb, openDb, report, ROOT, run, startBuiltApp } from './bench-support';

const BATCH = 500;
const BATCH_EVENTS = 100_000;
const CLIENTS = 50;
/** Seconds of each autocannon run, after one second of warm-up. */
const LOAD_SECONDS = 5;
/** Ingestion rates swing by a third from run to run on a shared machine: each is the median of rounds. */
const ROUNDS = 3;
const AGENTS = 1_000;

const event = (i: number) => ({
  event_type: ['message_sent', 'message_received', 'task_started', 'task_completed'][i % 4],
  agent_id: `agent-${i % AGENTS}`,
  timestamp: new Date(Date.now() - (i % 3600) * 1000).toISOString(),
  data: { task_id: `t${i % 5000}`, response_time: i % 700, note: 'benchmark event' },
});

/** The driver's own best: multi-row INSERTs of 500 rows, no ORM, one transaction per batch and all in one. */
async function rawRate(dir: string): Promise<{ per_batch_transaction: number; one_transaction: number }> {
  const rows = Array.from({ length: BATCH_EVENTS }, (_, i) => event(i)).map((e) => [e.timestamp, e.event_type, e.agent_id, JSON.stringify(e.data)]);
  const insert = `INSERT INTO "events" ("timestamp", "event_type", "agent_id", "data") VALUES ${Array(BATCH).fill('(?, ?, ?, ?)').join(', ')}`;
  const rates = [];
  for (const perBatch of [true, false]) {
    const db = await openDb(join(dir, `raw-${perBatch}.db`));
    // The same settings as the app's connection.
    await run(db, 'PRAGMA journal_mode = WAL');
    for (const pragma of WRITE_PRAGMAS) await run(db, `PRAGMA ${pragma}`);
    await new InitialSchema1763800000000().up({ query: (sql: string) => run(db, sql) } as never);
    const started = performance.now();
    if (!perBatch) await run(db, 'BEGIN');
    for (let i = 0; i < rows.length; i += BATCH) {
      if (perBatch) await run(db, 'BEGIN');
      await run(db, insert, rows.slice(i, i + BATCH).flat());
      if (perBatch) await run(db, 'COMMIT');
    }
    if (!perBatch) await run(db, 'COMMIT');
    rates.push(BATCH_EVENTS / ((performance.now() - started) / 1000));
    await closeDb(db);
  }
  return { per_batch_transaction: rates[0], one_transaction: rates[1] };
}

async function post(url: string, body: unknown): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
}

/** Requests per second from autocannon, a load generator much lighter than fetch, so the server is what is measured. */
async function requestRate(options: autocannon.Options): Promise<number> {
  await autocannon({ connections: CLIENTS, duration: 1, ...options });
  const result = await autocannon({ connections: CLIENTS, duration: LOAD_SECONDS, ...options });
  if (result.non2xx || result.errors) throw new Error(`${options.url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return result.requests.total / ((result.finish.getTime() - result.start.getTime()) / 1000);
}

/** Posts every body to `url`, `clients` requests at a time; events/s over the whole run. */
async function postAll(url: string, bodies: string[], eventsPerBody: number, clients: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  const client = async () => {
    while (next < bodies.length) {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bodies[next++] });
      if (res.status >= 300) throw new Error(`${url}: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  return (bodies.length * eventsPerBody) / ((performance.now() - started) / 1000);
}

async function httpRates(dir: string): Promise<{ batch: number; batch_one_client: number; single: number; trivial_get: number }> {
  const app = await startBuiltApp({ MC_WORKSPACE: join(dir, 'no-workspace'), MC_DATA_DIR: join(dir, 'http'), MC_METRICS_INTERVAL: '3600' });
  try {
    // Serialised beforehand, so that the client spends its time sending.
    const bodies = Array.from({ length: BATCH_EVENTS / BATCH }, (_, b) => JSON.stringify({ events: Array.from({ length: BATCH }, (_, i) => event(b * BATCH + i)) }));
    const url = `${app.url}/api/events/batch`;
    // First, on an empty table as the raw baseline's.
    const batch = await postAll(url, bodies, BATCH, CLIENTS);
    const batchOneClient = await postAll(url, bodies, BATCH, 1);

    const single = await requestRate({ url: `${app.url}/api/events`, ...SINGLE_EVENT_REQUEST });
    // The ceiling of the HTTP stack itself on this machine: a GET that touches no database.
    const trivialGet = await requestRate({ url: `${app.url}/api/websocket/status` });
    return { batch, batch_one_client: batchOneClient, single, trivial_get: trivialGet };
  } finally {
    await app.stop();
  }
}

const SINGLE_EVENT_REQUEST = { method: 'POST' as const, headers: { 'content-type': 'application/json' }, body: JSON.stringify(event(1)) };

/** Single POSTs per second to a bare server of test/bench/bare-server.ts (`express` or `nest`). */
async function bareServerRate(kind: 'express' | 'nest'): Promise<number> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, 'bare-server.ts'), kind], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<string>((resolve) => child.stdout.once('data', (data) => resolve(String(data).trim())));
    return await requestRate({ url: `http://127.0.0.1:${port}/api/events`, ...SINGLE_EVENT_REQUEST });
  } finally {
    child.kill();
  }
}

/** Fills the app's own database with `total` events, then times collections with 1,000 agent folders. */
async function collectionTime(dir: string, total: number): Promise<number> {
  const workspace = join(dir, `ws-${total}`);
  for (let a = 0; a < AGENTS; a++) {
    await mkdir(join(workspace, 'mission-control', 'agents', `agent-${a}`), { recursive: true });
    const state = { status: a % 3 ? 'working' : 'idle', lastActive: new Date().toISOString(), stats: { tasksCompleted: a } };
    await writeFile(join(workspace, 'mission-control', 'agents', `agent-${a}`, 'state.json'), JSON.stringify(state));
  }
  const dataDir = join(dir, `collect-${total}`);
  const env = { MC_WORKSPACE: workspace, MC_DATA_DIR: dataDir, MC_METRICS_INTERVAL: '3600' };
  await (await startBuiltApp(env)).stop();

  const db = await openDb(join(dataDir, 'metrics.db'));
  const insert = `INSERT INTO "events" ("timestamp", "event_type", "agent_id", "data") VALUES ${Array(BATCH).fill('(?, ?, ?, ?)').join(', ')}`;
  await run(db, 'BEGIN');
  for (let i = 0; i < total; i += BATCH) {
    // Spread over the day before, so every stored event is older than the collections' windows.
    const rows = Array.from({ length: BATCH }, (_, j) => {
      const e = event(i + j);
      return [new Date(Date.now() - 86_400_000 + ((i + j) / total) * 3_000_000).toISOString(), e.event_type, e.agent_id, JSON.stringify(e.data)];
    });
    await run(db, insert, rows.flat());
  }
  await run(db, 'COMMIT');
  await closeDb(db);

  const app = await startBuiltApp(env);
  try {
    await post(`${app.url}/api/system/metrics/collect`, {});
    const times = [];
    for (let round = 0; round < 5; round++) {
      await post(`${app.url}/api/events/batch`, { events: Array.from({ length: BATCH }, (_, i) => ({ ...event(i), timestamp: undefined })) });
      const res = await fetch(`${app.url}/api/system/metrics/collect`, { method: 'POST' });
      times.push(((await res.json()) as { duration_ms: number }).duration_ms);
    }
    return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
  } finally {
    await app.stop();
  }
}

/** The median of each figure over the rounds. */
function medians<T extends Record<string, number>>(rounds: T[]): T {
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return Object.fromEntries(Object.keys(rounds[0]).map((key) => [key, median(rounds.map((r) => r[key]))])) as T;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'mc-bench-ingest-'));
  try {
    // INGEST_PARTS=raw,http skips the long collection runs while tuning ingestion.
    const parts = (process.env.INGEST_PARTS ?? 'raw,http,collect').split(',');
    const step = async <T>(part: string, what: string, work: () => Promise<T>, skipped: T) =>
      parts.includes(part) ? (console.log(`… ${what}`), await work()) : skipped;
    const rounds = [];
    // Rounds alternate the baseline and the app, so both see the machine in the same moods.
    for (let round = 1; round <= ROUNDS; round++) {
      const roundDir = join(dir, `round-${round}`);
      await mkdir(roundDir);
      const raw = await step('raw', `round ${round}: raw sqlite3 inserts`, () => rawRate(roundDir), { per_batch_transaction: NaN, one_transaction: NaN });
      const http = await step('http', `round ${round}: ingestion over HTTP`, () => httpRates(roundDir), { batch: NaN, batch_one_client: NaN, single: NaN, trivial_get: NaN });
      const bareExpress = await step('http', `round ${round}: bare Express`, () => bareServerRate('express'), NaN);
      const bareNest = await step('http', `round ${round}: bare Nest`, () => bareServerRate('nest'), NaN);
      rounds.push({ ...raw, ...http, bare_express: bareExpress, bare_nest: bareNest, batch_vs_raw: http.batch / Math.max(raw.per_batch_transaction, raw.one_transaction) });
    }
    const m = medians(rounds);
    const raw = { per_batch_transaction: m.per_batch_transaction, one_transaction: m.one_transaction };
    const http = { batch: m.batch, batch_one_client: m.batch_one_client, single: m.single, trivial_get: m.trivial_get };
    const collect1m = await step('collect', 'collection over 1M events', () => collectionTime(dir, 1_000_000), NaN);
    const collect10m = await step('collect', 'collection over 10M events', () => collectionTime(dir, 10_000_000), NaN);
    const figures = {
      rounds: ROUNDS,
      raw_sqlite3_events_per_s: raw,
      http_batch_events_per_s_50_clients: http.batch,
      http_batch_events_per_s_one_client: http.batch_one_client,
      http_batch_vs_raw_best: m.batch_vs_raw,
      http_batch_vs_raw_best_by_round: rounds.map((r) => r.batch_vs_raw),
      http_single_events_per_s_50_clients: http.single,
      http_trivial_get_per_s_50_clients: http.trivial_get,
      bare_express_post_per_s_50_clients: m.bare_express,
      bare_nest_post_per_s_50_clients: m.bare_nest,
      collection_ms_1000_agents_1m_events: collect1m,
      collection_ms_1000_agents_10m_events: collect10m,
      collection_10m_vs_1m: collect10m / collect1m,
      goals: { batch_vs_raw: '>= 0.5', single_events_per_s: '>= 5000', collection_1m_ms: '< 250', collection_10m_vs_1m: '<= 1.5' },
    };
    const f = (n: number) => Math.round(n).toLocaleString('en-US');
    await report('ingest', figures, [
      ['raw sqlite3, 500-row INSERTs, one transaction per batch (events/s)', f(raw.per_batch_transaction)],
      ['raw sqlite3, 500-row INSERTs, all in one transaction (events/s)', f(raw.one_transaction)],
      ['POST /api/events/batch, batches of 500, 50 concurrent clients (events/s)', f(http.batch)],
      ['POST /api/events/batch, batches of 500, one client at a time (events/s)', f(http.batch_one_client)],
      ['batch over HTTP (50 clients) / best raw rate of the same round (goal >= 0.5)', m.batch_vs_raw.toFixed(2)],
      ['POST /api/events, 50 concurrent clients (events/s, goal >= 5,000)', f(http.single)],
      ['GET /api/websocket/status, 50 concurrent clients (requests/s: ceiling of the app)', f(http.trivial_get)],
      ['bare Express 5 answering the same POST without storing it, 50 clients (requests/s)', f(m.bare_express)],
      ['bare Nest app, one handler, the same POST, nothing stored, 50 clients (requests/s)', f(m.bare_nest)],
      ['one collection, 1,000 agents, 1M events (ms, goal < 250)', collect1m.toFixed(1)],
      ['one collection, 1,000 agents, 10M events (ms)', collect10m.toFixed(1)],
      ['10M / 1M collection time (goal <= 1.5)', (collect10m / collect1m).toFixed(2)],
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
