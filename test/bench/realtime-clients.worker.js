// Holds the benchmark's WebSocket clients in a thread of their own, so that receiving does not
// delay the emitter. Latency is taken from `sent_at` (ms since the epoch, with fractions) in each message:
// the time its send was scheduled.
const { parentPort, workerData } = require('node:worker_threads');
const WebSocket = require('ws');

const { url, clients, expected } = workerData;
const received = new Uint32Array(clients);
const latencies = new Float64Array(clients * expected);
let count = 0;
let lastAt = 0;
const sockets = [];
const now = () => performance.timeOrigin + performance.now();

let open = 0;
for (let i = 0; i < clients; i++) {
  const ws = new WebSocket(url);
  sockets.push(ws);
  ws.on('open', () => {
    // Say something first, as dashboards do, so the gateway delivers live at once.
    ws.send('{"type":"ping"}');
    if (++open === clients) parentPort.postMessage({ type: 'ready' });
  });
  ws.on('message', (data) => {
    const text = data.toString();
    const at = text.indexOf('"sent_at":');
    if (at < 0) return;
    lastAt = now();
    latencies[count++] = lastAt - parseFloat(text.slice(at + 10));
    received[i]++;
  });
  ws.on('error', (error) => parentPort.postMessage({ type: 'error', message: error.message }));
}

parentPort.on('message', (message) => {
  if (message !== 'report') return;
  const sorted = latencies.slice(0, count).sort();
  const pct = (p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  let lost = 0;
  for (const r of received) lost += Math.max(0, expected - r);
  for (const ws of sockets) ws.terminate();
  parentPort.postMessage({
    type: 'report',
    deliveries: count,
    lost,
    p50: pct(50),
    p99: pct(99),
    max: sorted[sorted.length - 1],
    last_at: lastAt,
  });
});
