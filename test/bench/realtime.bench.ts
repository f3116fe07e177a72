/**
 * npm run bench:realtime — delivery latency and throughput of the WebSocket gateway with 1,000
 * clients, against a bare `ws` server broadcasting the same messages in the same run. Figures go to
 * test/bench/results/realtime.json; the README shows the latest table.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { report, startBuiltApp } from './bench-support';

const CLIENTS = 1_000;
const MESSAGES = 10_000;
const RATE_PER_S = 100;
const MAX_IN_FLIGHT = 16;

interface Result {
  deliveries: number;
  lost: number;
  p50: number;
  p99: number;
  max: number;
  messages_per_s: number;
  server_rss_mb: number;
}

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/);
  return line ? Number(line[1]) / 1024 : NaN;
}

/** Connects the clients in a worker, emits MESSAGES events at a steady rate, and collects the figures. */
async function measure(httpUrl: string, wsUrl: string, pid: number): Promise<Result> {
  const worker = new Worker(join(__dirname, 'realtime-clients.worker.js'), { workerData: { url: wsUrl, clients: CLIENTS, expected: MESSAGES } });
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
  const memory = rssMb(pid);

  const started = performance.now();
  const inFlight = new Set<Promise<unknown>>();
  for (let i = 0; i < MESSAGES; i++) {
    const due = started + (i * 1000) / RATE_PER_S;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    // A bounded number of requests in flight: a server that falls behind shows as latency, not as refused connections.
    while (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
    const body = JSON.stringify({ event_type: 'message_sent', agent_id: 'bench', data: { i, sent_at: performance.timeOrigin + performance.now() } });
    const post: Promise<unknown> = fetch(`${httpUrl}/api/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
      .then((r) => r.arrayBuffer())
      .finally(() => inFlight.delete(post));
    inFlight.add(post);
  }
  await Promise.all(inFlight);
  await new Promise((r) => setTimeout(r, 2000));
  const elapsed = (performance.now() - started) / 1000 - 2;
  worker.postMessage('report');
  const result = await waitFor('report');
  await worker.terminate();
  return { ...result, messages_per_s: result.deliveries / elapsed, server_rss_mb: memory };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'mc-bench-realtime-'));
  try {
    console.log('… bare ws server');
    const bare = spawn(process.execPath, [join(__dirname, 'bare-ws-server.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
    const port = await new Promise<string>((resolve) => bare.stdout.on('data', (d) => resolve(String(d).match(/BARE (\d+)/)![1])));
    const baseline = await measure(`http://127.0.0.1:${port}`, `ws://127.0.0.1:${port}`, bare.pid!);
    bare.kill('SIGTERM');

    console.log('… Mission Control');
    const app = await startBuiltApp({ MC_WORKSPACE: join(dir, 'none'), MC_DATA_DIR: join(dir, 'data'), MC_METRICS_INTERVAL: '3600' });
    const health = (await (await fetch(`${app.url}/api/health`)).json()) as { services: { websocket: { port: number } } };
    const wsPort = health.services.websocket.port;
    const mc = await measure(app.url, `ws://127.0.0.1:${wsPort}`, app.pid);
    await app.stop();

    const figures = {
      clients: CLIENTS,
      messages: MESSAGES,
      rate_per_s: RATE_PER_S,
      bare_ws: baseline,
      mission_control: mc,
      p99_ratio: mc.p99 / baseline.p99,
      goals: { p99_ratio: '<= 1.5', lost: 0 },
    };
    const ms = (n: number) => n.toFixed(1);
    await report('realtime', figures, [
      ['bare ws: latency p50 / p99 (ms)', `${ms(baseline.p50)} / ${ms(baseline.p99)}`],
      ['Mission Control: latency p50 / p99 (ms)', `${ms(mc.p50)} / ${ms(mc.p99)}`],
      ['p99 ratio, Mission Control / bare ws (goal <= 1.5)', (mc.p99 / baseline.p99).toFixed(2)],
      ['bare ws: deliveries/s', Math.round(baseline.messages_per_s).toLocaleString('en-US')],
      ['Mission Control: deliveries/s', Math.round(mc.messages_per_s).toLocaleString('en-US')],
      ['lost deliveries, bare ws / Mission Control (goal 0)', `${baseline.lost} / ${mc.lost}`],
      ['server memory with 1,000 clients, bare ws / Mission Control (MB RSS)', `${baseline.server_rss_mb.toFixed(0)} / ${mc.server_rss_mb.toFixed(0)}`],
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
