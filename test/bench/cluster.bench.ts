/**
 * npm run bench:cluster — Mission Control on PostgreSQL and Redis (cluster mode), in one run:
 * - batch ingestion (500-event batches from 4 autocannon senders) into one instance, then into two
 *   instances of one cluster (the same 4 senders, split between them);
 * - fan-out latency of a message from the instance that received it to 1,000 WebSocket clients
 *   spread over two instances, against one instance on SQLite (as bench:realtime runs it) with the
 *   same 1,000 clients, messages and clock (each message's from its scheduled send time), after
 *   the same untimed warm-up on both.
 * Each figure is the median of three rounds; ratios are taken within a round.
 * PostgreSQL (TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/test, where it creates
 * and drops a database) and Redis (TEST_REDIS_URL, default redis://127.0.0.1:6379/5, flushed) must
 * answer. Figures go to test/bench/results/cluster.json; the README shows the latest table.
 */
import autocannon from 'autocannon';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ADMIN_URL, redis, REDIS_URL } from '../cluster/cluster-harness';
import { createDatabase, dropDatabase } from '../support/test-database';
import { spawnService } from '../support/service-process';
import { benchEvent, medians, report, ROOT } from './bench-support';

const BATCH = 500;
const SENDERS = 4;
const SECONDS = 15;
const CLIENTS = 1_000;
const MESSAGES = 3_000;
const RATE = 100;
/** Messages posted, at RATE/s, before the timed ones. */
const WARM_UP = 200;

interface Instance {
  url: string;
  ws: string;
  stop(): Promise<unknown>;
}

async function start(dir: string, id: string, env: Record<string, string>): Promise<Instance> {
  const service = spawnService(join(ROOT, 'dist', 'main.js'), [], {
    MC_WORKSPACE: join(dir, 'no-workspace'),
    MC_DATA_DIR: join(dir, `data-${id}`),
    MC_BACKUP_DIR: join(dir, 'backups'),
    MC_INSTANCE_ID: id,
    MC_METRICS_INTERVAL: '3600',
    MC_OPENCLAW: 'off',
    ...env,
  });
  const url = await service.url(120_000);
  const ws = service.output().match(/WebSocket gateway on (ws:\/\/\S+)/)?.[1] as string;
  return { url, ws, stop: service.stop };
}

/** A fresh database and an empty Redis database for each measurement, so none inherits another's rows. */
async function cluster(dir: string, tag: string, size: number): Promise<Instance[]> {
  const url = createDatabase(ADMIN_URL, `mc_bench_${tag}_${process.pid}`);
  redis('FLUSHDB');
  const env = { MC_DATABASE_URL: url, MC_REDIS_URL: REDIS_URL };
  const instances: Instance[] = [];
  // One after the other: the first creates the schema.
  for (let i = 0; i < size; i++) instances.push(await start(dir, `${tag}-${i}`, env));
  return instances;
}

async function dropDatabases(tags: string[]): Promise<void> {
  for (const tag of tags) dropDatabase(ADMIN_URL, `mc_bench_${tag}_${process.pid}`);
}

/** Events per second committed by batches from SENDERS senders, split evenly over the instances. */
async function batchRate(instances: Instance[]): Promise<number> {
  const body = JSON.stringify({ events: Array.from({ length: BATCH }, (_, i) => benchEvent(i)) });
  const run = (url: string, duration: number) =>
    autocannon({
      url: `${url}/api/events/batch`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      connections: SENDERS / instances.length,
      duration,
    });
  await Promise.all(instances.map((i) => run(i.url, 1)));
  const results = await Promise.all(instances.map((i) => run(i.url, SECONDS)));
  for (const r of results) if (r.non2xx || r.errors) throw new Error(`${r.non2xx} non-2xx answers, ${r.errors} errors`);
  return results.reduce(
    (sum, r) => sum + (r.requests.total * BATCH) / ((r.finish.getTime() - r.start.getTime()) / 1000),
    0,
  );
}

interface Latency {
  p50: number;
  p99: number;
  lost: number;
}

/** Posts MESSAGES events at RATE/s to `target`, with the clients split over `spread`; latency from each scheduled send. */
async function fanOut(target: Instance, spread: Instance[]): Promise<Latency> {
  const workers = spread.map(
    (i) =>
      new Worker(join(__dirname, 'realtime-clients.worker.js'), {
        workerData: { url: i.ws, clients: CLIENTS / spread.length, expected: MESSAGES },
      }),
  );
  const next = (worker: Worker, type: string) =>
    new Promise<any>((resolve, reject) => {
      const on = (m: any) => {
        if (m.type === 'error') reject(new Error(m.message));
        if (m.type === type) {
          worker.off('message', on);
          resolve(m);
        }
      };
      worker.on('message', on);
    });
  await Promise.all(workers.map((w) => next(w, 'ready')));
  await new Promise((r) => setTimeout(r, 1000));
  // Untimed (no `sent_at`, which the clients skip): a fresh instance's first second of posts took
  // 100-400 ms each on either side while its code warmed up, which alone made the p99.
  await postAtRate(target, WARM_UP, (i) => ({ warm_up: i }));
  await postAtRate(target, MESSAGES, (i, due) => ({ i, sent_at: performance.timeOrigin + due }));
  await new Promise((r) => setTimeout(r, 2000));
  const reports = await Promise.all(workers.map((w) => (w.postMessage('report'), next(w, 'report'))));
  await Promise.all(workers.map((w) => w.terminate()));
  // The worse of the two halves' percentiles: a cautious figure for the whole.
  const worst = (key: 'p50' | 'p99') => Math.max(...reports.map((r) => r[key]));
  return { p50: worst('p50'), p99: worst('p99'), lost: reports.reduce((sum, r) => sum + r.lost, 0) };
}

/** Posts `count` events at RATE/s to `target`, at most 16 at a time, each with `data(i, its scheduled time)`. */
async function postAtRate(
  target: Instance,
  count: number,
  data: (i: number, due: number) => Record<string, unknown>,
): Promise<void> {
  const started = performance.now();
  const inFlight = new Set<Promise<unknown>>();
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    while (inFlight.size >= 16) await Promise.race(inFlight);
    const body = JSON.stringify({ event_type: 'message_sent', agent_id: 'bench', data: data(i, due) });
    const post: Promise<unknown> = fetch(`${target.url}/api/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    })
      .then((r) => r.arrayBuffer())
      .finally(() => inFlight.delete(post));
    inFlight.add(post);
  }
  await Promise.all(inFlight);
}

/** Cluster figures swing widely from run to run on a shared machine: each is the median of rounds, ratios taken within a round. */
const ROUNDS = 3;

async function round(dir: string, n: number): Promise<Record<string, number>> {
  // Fan-out first, on a machine not yet busy with the databases' work after the batch loads.
  console.log(`… round ${n}: one instance on SQLite, fan-out to 1,000 clients`);
  const single = await start(dir, `sqlite-${n}`, {});
  const alone = await fanOut(single, [single]);
  await single.stop();

  console.log(`… round ${n}: two instances, fan-out to 1,000 clients, 500 on each`);
  let instances = await cluster(dir, `fan${n}`, 2);
  const across = await fanOut(instances[0], instances);
  await Promise.all(instances.map((i) => i.stop()));

  console.log(`… round ${n}: one instance on PostgreSQL, batches`);
  instances = await cluster(dir, `one${n}`, 1);
  const one = await batchRate(instances);
  await Promise.all(instances.map((i) => i.stop()));

  console.log(`… round ${n}: two instances, batches`);
  instances = await cluster(dir, `two${n}`, 2);
  const two = await batchRate(instances);
  await Promise.all(instances.map((i) => i.stop()));
  return {
    one: Math.round(one),
    two: Math.round(two),
    ratio: two / one,
    single_p50: alone.p50,
    single_p99: alone.p99,
    single_lost: alone.lost,
    cluster_p50: across.p50,
    cluster_p99: across.p99,
    cluster_lost: across.lost,
    p99_ratio: across.p99 / alone.p99,
  };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'mc-bench-cluster-'));
  const rounds: Record<string, number>[] = [];
  try {
    for (let n = 1; n <= ROUNDS; n++) rounds.push(await round(dir, n));
    const m = medians(rounds);
    const lost = (key: string) => rounds.reduce((sum, r) => sum + r[key], 0);
    const ms = (n: number) => n.toFixed(1);
    const figures = {
      rounds,
      batches: { one_instance_events_per_s: m.one, two_instances_events_per_s: m.two, ratio: m.ratio, goal: '>= 1.6' },
      fan_out: {
        clients: CLIENTS,
        messages: MESSAGES,
        rate_per_s: RATE,
        single_instance: { p50: m.single_p50, p99: m.single_p99, lost: lost('single_lost') },
        two_instances: { p50: m.cluster_p50, p99: m.cluster_p99, lost: lost('cluster_lost') },
        p99_ratio: m.p99_ratio,
        goal: '<= 1.5',
      },
    };
    await report('cluster', figures, [
      ['batches of 500, one instance on PostgreSQL (events/s)', String(m.one)],
      ['batches of 500, two instances (events/s)', String(m.two)],
      ['ratio, two / one (goal >= 1.6)', m.ratio.toFixed(2)],
      ['fan-out p50 / p99, one instance on SQLite (ms)', `${ms(m.single_p50)} / ${ms(m.single_p99)}`],
      ['fan-out p50 / p99, two instances over Redis (ms)', `${ms(m.cluster_p50)} / ${ms(m.cluster_p99)}`],
      ['p99 ratio, cluster / single (goal <= 1.5)', m.p99_ratio.toFixed(2)],
      ['messages lost, single / cluster (all rounds)', `${lost('single_lost')} / ${lost('cluster_lost')}`],
      ['p99 ratio of each round', rounds.map((r) => r.p99_ratio.toFixed(2)).join(', ')],
    ]);
  } finally {
    await dropDatabases(
      Array.from({ length: ROUNDS }, (_, i) => ['one', 'two', 'fan'].map((t) => `${t}${i + 1}`)).flat(),
    );
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
