/**
 * npm run bench:cluster — Mission Control on PostgreSQL and Redis (cluster mode), in one run:
 * - batch ingestion (500-event batches from 4 autocannon senders) into one instance, then into two
 *   instances of one cluster (the same 4 senders, split between them);
 * - fan-out latency of a message from the instance that received it to 1,000 WebSocket clients
 *   spread over two instances, against one instance on SQLite (as bench:realtime runs it) with the
 *   same 1,000 clients, messages and clock (each message's from its scheduled send time), after
 *   the same untimed warm-up on both.
 * - CPU seconds per 1,000 events of each instance under the same batch load: one instance on SQLite,
 *   one on PostgreSQL, two in cluster mode with the load split, and two with all of it sent to one
 *   (what the other spends delivering events it did not receive); from /proc/<pid>/stat, around the
 *   timed load until the instances are idle again, events counted from the senders' 2xx answers.
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
import { benchEvent, cpuSeconds, medians, report, ROOT } from './bench-support';

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
  pid: number;
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
  return { url, ws, pid: service.child.pid!, stop: service.stop };
}

/**
 * A fresh database and an empty Redis database for each measurement, so none inherits another's rows;
 * without `bus`, instances on PostgreSQL alone (not in cluster mode).
 */
async function cluster(dir: string, tag: string, size: number, bus = true): Promise<Instance[]> {
  const url = createDatabase(ADMIN_URL, `mc_bench_${tag}_${process.pid}`);
  redis('FLUSHDB');
  const env: Record<string, string> = bus
    ? { MC_DATABASE_URL: url, MC_REDIS_URL: REDIS_URL }
    : { MC_DATABASE_URL: url };
  const instances: Instance[] = [];
  // One after the other: the first creates the schema.
  for (let i = 0; i < size; i++) instances.push(await start(dir, `${tag}-${i}`, env));
  return instances;
}

async function dropDatabases(tags: string[]): Promise<void> {
  for (const tag of tags) dropDatabase(ADMIN_URL, `mc_bench_${tag}_${process.pid}`);
}

interface Load {
  /** Events per second acknowledged, all instances together. */
  rate: number;
  /** Events each instance acknowledged in the timed load. */
  events: number[];
  /** CPU seconds each instance spent from the timed load's start until it was idle again. */
  cpu: number[];
  /** Redis's CPU seconds over the same span (cluster mode). */
  redisCpu: number;
}

/**
 * Batches from SENDERS senders, split evenly over `targets` (all instances unless given); the CPU
 * of every instance, targeted or not, from the start of the timed load until the bus has nothing
 * left for any of them and the outbox rows are cleared.
 */
async function batchLoad(instances: Instance[], targets = instances): Promise<Load> {
  const body = JSON.stringify({ events: Array.from({ length: BATCH }, (_, i) => benchEvent(i)) });
  const run = (url: string, duration: number) =>
    autocannon({
      url: `${url}/api/events/batch`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      connections: SENDERS / targets.length,
      duration,
    });
  await Promise.all(targets.map((i) => run(i.url, 1)));
  await settle(instances);
  const clustered = instances.length > 1;
  const before = instances.map((i) => cpuSeconds(i.pid));
  const redisBefore = clustered ? redisCpu() : 0;
  const results = await Promise.all(targets.map((i) => run(i.url, SECONDS)));
  await settle(instances);
  const cpu = instances.map((i, n) => cpuSeconds(i.pid) - before[n]);
  const redisCpuSpent = clustered ? redisCpu() - redisBefore : 0;
  for (const r of results) if (r.non2xx || r.errors) throw new Error(`${r.non2xx} non-2xx answers, ${r.errors} errors`);
  const events = instances.map((i) => {
    const r = results[targets.indexOf(i)];
    return r ? r['2xx'] * BATCH : 0;
  });
  const rate = results.reduce(
    (sum, r) => sum + (r['2xx'] * BATCH) / ((r.finish.getTime() - r.start.getTime()) / 1000),
    0,
  );
  return { rate, events, cpu, redisCpu: redisCpuSpent };
}

/** Waits until every instance has delivered all the bus holds, then for the next outbox clearing (each second). */
async function settle(instances: Instance[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (const instance of instances) {
    for (;;) {
      const health = (await (await fetch(`${instance.url}/api/health`)).json()) as any;
      if (!health.cluster?.bus?.lag || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  await new Promise((r) => setTimeout(r, 1_200));
}

/** Redis's CPU seconds so far (INFO cpu), for all its clients: the bench holds Redis alone while it runs. */
function redisCpu(): number {
  const info = redis('INFO', 'cpu');
  const field = (name: string) => Number(info.match(new RegExp(`^${name}:([\\d.]+)`, 'm'))?.[1] ?? 0);
  return field('used_cpu_user') + field('used_cpu_sys');
}

/** Milliseconds of CPU per 1,000 events. */
const perThousand = (cpu: number, events: number) => (cpu * 1000 * 1000) / events;
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

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

  console.log(`… round ${n}: one instance on SQLite, batches`);
  const sqliteInstance = await start(dir, `sqlite-batches-${n}`, {});
  const sqlite = await batchLoad([sqliteInstance]);
  await sqliteInstance.stop();

  console.log(`… round ${n}: one instance on PostgreSQL alone, batches`);
  instances = await cluster(dir, `pg${n}`, 1, false);
  const pg = await batchLoad(instances);
  await Promise.all(instances.map((i) => i.stop()));

  console.log(`… round ${n}: one instance on PostgreSQL + Redis, batches`);
  instances = await cluster(dir, `one${n}`, 1);
  const one = await batchLoad(instances);
  await Promise.all(instances.map((i) => i.stop()));

  console.log(`… round ${n}: two instances, batches split between them`);
  instances = await cluster(dir, `two${n}`, 2);
  const two = await batchLoad(instances);
  await Promise.all(instances.map((i) => i.stop()));

  console.log(`… round ${n}: two instances, batches all sent to the first`);
  instances = await cluster(dir, `side${n}`, 2);
  const side = await batchLoad(instances, [instances[0]]);
  await Promise.all(instances.map((i) => i.stop()));

  const pgCpu = perThousand(pg.cpu[0], pg.events[0]);
  const clusterCpu = perThousand(sum(two.cpu), sum(two.events));
  return {
    sqlite: Math.round(sqlite.rate),
    pg: Math.round(pg.rate),
    one: Math.round(one.rate),
    two: Math.round(two.rate),
    ratio: two.rate / one.rate,
    sqlite_cpu: perThousand(sqlite.cpu[0], sqlite.events[0]),
    pg_cpu: pgCpu,
    one_cpu: perThousand(one.cpu[0], one.events[0]),
    two_cpu_a: perThousand(two.cpu[0], two.events[0]),
    two_cpu_b: perThousand(two.cpu[1], two.events[1]),
    two_cpu: clusterCpu,
    cpu_ratio: clusterCpu / pgCpu,
    two_redis_cpu: perThousand(two.redisCpu, sum(two.events)),
    side: Math.round(side.rate),
    side_cpu_receiving: perThousand(side.cpu[0], side.events[0]),
    side_cpu_delivering: perThousand(side.cpu[1], side.events[0]),
    side_redis_cpu: perThousand(side.redisCpu, side.events[0]),
    single_p50: alone.p50,
    single_p99: alone.p99,
    single_lost: alone.lost,
    cluster_p50: across.p50,
    cluster_p99: across.p99,
    cluster_lost: across.lost,
    p99_ratio: across.p99 / alone.p99,
  };
}

/**
 * Events per second N instances on N cores of their own could take, from CPU per event alone (the
 * database and Redis elsewhere, with room to spare): each instance spends `receiving` on its share
 * of the events and `delivering` on every other instance's, and has one core.
 */
function projection(receiving: number, delivering: number, n: number): number {
  return Math.round((n * 1_000_000) / (receiving + (n - 1) * delivering));
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'mc-bench-cluster-'));
  const rounds: Record<string, number>[] = [];
  try {
    for (let n = 1; n <= ROUNDS; n++) rounds.push(await round(dir, n));
    const m = medians(rounds);
    const lost = (key: string) => rounds.reduce((sum, r) => sum + r[key], 0);
    const ms = (n: number) => n.toFixed(1);
    const cpu = (key: string) => m[key].toFixed(1);
    const projected = (n: number) => projection(m.side_cpu_receiving, m.side_cpu_delivering, n);
    const figures = {
      rounds,
      batches: { one_instance_events_per_s: m.one, two_instances_events_per_s: m.two, ratio: m.ratio, goal: '>= 1.6' },
      cpu_ms_per_1000_events: {
        one_instance_sqlite: m.sqlite_cpu,
        one_instance_postgres: m.pg_cpu,
        one_instance_postgres_redis: m.one_cpu,
        two_instances: { each: [m.two_cpu_a, m.two_cpu_b], summed: m.two_cpu, redis: m.two_redis_cpu },
        two_instances_load_on_one: {
          receiving: m.side_cpu_receiving,
          delivering: m.side_cpu_delivering,
          redis: m.side_redis_cpu,
        },
        ratio: m.cpu_ratio,
        goal: '<= 1.5',
        projected_events_per_s: {
          one_instance_postgres: Math.round(1_000_000 / m.pg_cpu),
          ...Object.fromEntries([1, 2, 4, 8].map((n) => [`instances_${n}`, projected(n)])),
          limit: Math.round(1_000_000 / m.side_cpu_delivering),
        },
      },
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
      ['batches of 500, one instance on SQLite (events/s)', String(m.sqlite)],
      ['batches of 500, one instance on PostgreSQL alone (events/s)', String(m.pg)],
      ['batches of 500, one instance on PostgreSQL + Redis (events/s)', String(m.one)],
      ['batches of 500, two instances (events/s)', String(m.two)],
      ['ratio, two / one on PostgreSQL + Redis (goal >= 1.6)', m.ratio.toFixed(2)],
      ['CPU ms per 1,000 events, one instance on SQLite', cpu('sqlite_cpu')],
      ['CPU ms per 1,000 events, one instance on PostgreSQL alone', cpu('pg_cpu')],
      ['CPU ms per 1,000 events, one instance on PostgreSQL + Redis', cpu('one_cpu')],
      [
        'CPU ms per 1,000 events, two instances: each / summed',
        `${cpu('two_cpu_a')}, ${cpu('two_cpu_b')} / ${cpu('two_cpu')}`,
      ],
      ['CPU ratio, two instances summed / one on PostgreSQL alone (goal <= 1.5)', m.cpu_ratio.toFixed(2)],
      ['CPU ratio of each round', rounds.map((r) => r.cpu_ratio.toFixed(2)).join(', ')],
      [
        'load on one of two: CPU ms per 1,000 events, receiving / delivering',
        `${cpu('side_cpu_receiving')} / ${cpu('side_cpu_delivering')}`,
      ],
      ['Redis CPU ms per 1,000 events, split / on one', `${cpu('two_redis_cpu')} / ${cpu('side_redis_cpu')}`],
      ['projected events/s, 1, 2, 4, 8 instances on a core each', [1, 2, 4, 8].map(projected).join(', ')],
      ['fan-out p50 / p99, one instance on SQLite (ms)', `${ms(m.single_p50)} / ${ms(m.single_p99)}`],
      ['fan-out p50 / p99, two instances over Redis (ms)', `${ms(m.cluster_p50)} / ${ms(m.cluster_p99)}`],
      ['p99 ratio, cluster / single (goal <= 1.5)', m.p99_ratio.toFixed(2)],
      ['messages lost, single / cluster (all rounds)', `${lost('single_lost')} / ${lost('cluster_lost')}`],
      ['p99 ratio of each round', rounds.map((r) => r.p99_ratio.toFixed(2)).join(', ')],
    ]);
  } finally {
    await dropDatabases(
      Array.from({ length: ROUNDS }, (_, i) => ['pg', 'one', 'two', 'side', 'fan'].map((t) => `${t}${i + 1}`)).flat(),
    );
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
