/**
 * npm run bench:realtime — the WebSocket gateway with 1,000 clients, against a bare `ws` server
 * broadcasting the same messages in the same run, in two phases: latency at 100 messages/s, and
 * throughput at 1,000 messages/s (a million deliveries a second asked for, more than either server
 * can give on this machine). Each message's clock starts at its scheduled send time, so time spent
 * waiting for a free request slot on a slow server counts; server memory is sampled throughout each
 * phase. Figures go to test/bench/results/realtime.json; the README shows the latest table.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { report, startBuiltApp, statusMb } from './bench-support';

const CLIENTS = 1_000;
const MAX_IN_FLIGHT = 16;

interface Phase {
  rate_per_s: number;
  messages: number;
}
const LATENCY: Phase = { rate_per_s: 100, messages: 10_000 };
const THROUGHPUT: Phase = { rate_per_s: 1_000, messages: 5_000 };

interface Result {
  deliveries: number;
  lost: number;
  p50: number;
  p99: number;
  max: number;
  /** Deliveries from the first scheduled send to the last delivery. */
  deliveries_per_s: number;
  server_rss_mb: { peak: number; mean: number };
}

/** Connects the clients in a worker, posts the phase's events on schedule, and collects the figures. */
async function measure(httpUrl: string, wsUrl: string, pid: number, phase: Phase): Promise<Result> {
  const worker = new Worker(join(__dirname, 'realtime-clients.worker.js'), {
    workerData: { url: wsUrl, clients: CLIENTS, expected: phase.messages },
  });
  const messages: { type: string; [k: string]: unknown }[] = [];
  const waitFor = (type: string) =>
    new Promise<any>((resolve, reject) => {
      const check = () => messages.find((m) => m.type === type);
      const found = check();
      if (found) return resolve(found);
      const onMessage = () => {
        const m = check();
        if (m) {
          worker.off('message', onMessage);
          resolve(m);
        }
      };
      worker.on('message', (m) => (m.type === 'error' ? reject(new Error(m.message)) : null));
      worker.on('message', onMessage);
    });
  worker.on('message', (m) => messages.push(m));
  await waitFor('ready');
  await new Promise((r) => setTimeout(r, 1000));

  const memory: number[] = [];
  const sampler = setInterval(() => memory.push(statusMb(pid, 'VmRSS')), 100);
  const started = performance.now();
  const inFlight = new Set<Promise<unknown>>();
  for (let i = 0; i < phase.messages; i++) {
    const due = started + (i * 1000) / phase.rate_per_s;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    // A bounded number of requests in flight: a server that falls behind shows as latency (the clock
    // runs from `due`), not as refused connections.
    while (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
    const body = JSON.stringify({
      event_type: 'message_sent',
      agent_id: 'bench',
      data: { i, sent_at: performance.timeOrigin + due },
    });
    const post: Promise<unknown> = fetch(`${httpUrl}/api/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    })
      .then((r) => r.arrayBuffer())
      .finally(() => inFlight.delete(post));
    inFlight.add(post);
  }
  await Promise.all(inFlight);
  await new Promise((r) => setTimeout(r, 2000));
  clearInterval(sampler);
  worker.postMessage('report');
  const result = await waitFor('report');
  await worker.terminate();
  const seconds = (result.last_at - (performance.timeOrigin + started)) / 1000;
  return {
    deliveries: result.deliveries,
    lost: result.lost,
    p50: result.p50,
    p99: result.p99,
    max: result.max,
    deliveries_per_s: result.deliveries / seconds,
    server_rss_mb: { peak: Math.max(...memory), mean: memory.reduce((a, b) => a + b, 0) / memory.length },
  };
}

/** Both phases against one server, each with fresh clients. */
async function phases(httpUrl: string, wsUrl: string, pid: number): Promise<{ latency: Result; throughput: Result }> {
  return {
    latency: await measure(httpUrl, wsUrl, pid, LATENCY),
    throughput: await measure(httpUrl, wsUrl, pid, THROUGHPUT),
  };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'mc-bench-realtime-'));
  try {
    console.log('… bare ws server');
    const bare = spawn(process.execPath, [join(__dirname, 'bare-ws-server.js')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const port = await new Promise<string>((resolve) =>
      bare.stdout.on('data', (d) => resolve(String(d).match(/BARE (\d+)/)![1])),
    );
    const baseline = await phases(`http://127.0.0.1:${port}`, `ws://127.0.0.1:${port}`, bare.pid!);
    bare.kill('SIGTERM');

    console.log('… Mission Control');
    const app = await startBuiltApp({
      MC_WORKSPACE: join(dir, 'none'),
      MC_DATA_DIR: join(dir, 'data'),
      MC_METRICS_INTERVAL: '3600',
    });
    const health = (await (await fetch(`${app.url}/api/health`)).json()) as {
      services: { websocket: { port: number } };
    };
    const wsPort = health.services.websocket.port;
    const mc = await phases(app.url, `ws://127.0.0.1:${wsPort}`, app.pid);
    await app.stop();

    const figures = {
      clients: CLIENTS,
      phases: { latency: LATENCY, throughput: THROUGHPUT },
      bare_ws: baseline,
      mission_control: mc,
      p99_ratio: mc.latency.p99 / baseline.latency.p99,
      throughput_ratio: mc.throughput.deliveries_per_s / baseline.throughput.deliveries_per_s,
      goals: { p99_ratio: '<= 1.5', lost: 0 },
    };
    const ms = (n: number) => n.toFixed(1);
    const rate = (r: Result) => Math.round(r.deliveries_per_s).toLocaleString('en-US');
    const mb = (r: Result) => `${r.server_rss_mb.peak.toFixed(0)} / ${r.server_rss_mb.mean.toFixed(0)}`;
    await report('realtime', figures, [
      ['100 messages/s: latency p50 / p99, bare ws (ms)', `${ms(baseline.latency.p50)} / ${ms(baseline.latency.p99)}`],
      ['100 messages/s: latency p50 / p99, Mission Control (ms)', `${ms(mc.latency.p50)} / ${ms(mc.latency.p99)}`],
      ['p99 ratio, Mission Control / bare ws (goal <= 1.5)', figures.p99_ratio.toFixed(2)],
      ['100 messages/s: server memory peak / mean, bare ws (MB RSS)', mb(baseline.latency)],
      ['100 messages/s: server memory peak / mean, Mission Control (MB RSS)', mb(mc.latency)],
      ['1,000 messages/s asked: deliveries/s, bare ws', rate(baseline.throughput)],
      ['1,000 messages/s asked: deliveries/s, Mission Control', rate(mc.throughput)],
      [
        '1,000 messages/s asked: latency p50 / p99, bare ws / Mission Control (ms)',
        `${ms(baseline.throughput.p50)} / ${ms(baseline.throughput.p99)}, ${ms(mc.throughput.p50)} / ${ms(mc.throughput.p99)}`,
      ],
      [
        '1,000 messages/s asked: server memory peak / mean, bare ws / Mission Control (MB RSS)',
        `${mb(baseline.throughput)}, ${mb(mc.throughput)}`,
      ],
      [
        'lost deliveries, bare ws / Mission Control (goal 0)',
        `${baseline.latency.lost + baseline.throughput.lost} / ${mc.latency.lost + mc.throughput.lost}`,
      ],
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
