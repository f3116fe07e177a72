import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { api } from '../support/app-harness';
import { ROOT, ServiceProcess, spawnService } from '../support/service-process';
import { TestSocket } from '../support/ws-client';
import { makeFolders, ServiceFolders } from './support/service';

/** The load of issue 12, defect 1: 40,000 events of 15 KB of data, in batches, from a few clients at once. */
const TOTAL_EVENTS = 40_000;
const BATCH = 500;
const POSTERS = 4;
const DATA_BYTES = 15 * 1024;
const RSS_LIMIT_MB = 400;
const SAMPLE_MS = 100;

/** Resident memory of a process in MB, as the kernel counts it: heap, native memory and code alike. */
async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]) / 1024;
}

function sampleRss(pid: number) {
  const samples: number[] = [];
  let reading = false;
  const timer = setInterval(() => {
    if (reading) return;
    reading = true;
    rssMb(pid)
      .then((mb) => samples.push(mb))
      .catch(() => undefined)
      .finally(() => (reading = false));
  }, SAMPLE_MS);
  return { samples, stop: () => clearInterval(timer) };
}

/** A dashboard that reads everything as fast as it can, keeping only a count. */
function reader(url: string) {
  const ws = new WebSocket(url);
  const state = { received: 0, closeCode: null as number | null };
  ws.on('message', () => state.received++);
  ws.on('close', (code) => (state.closeCode = code));
  ws.on('error', () => undefined);
  // Says something at once, as dashboards do, so its live messages are not held back for a resume.
  ws.once('open', () => ws.send(JSON.stringify({ type: 'ping' })));
  return { ws, state };
}

/**
 * Runs the service as users do (`npm start` runs the built dist/main.js), with Node's default heap,
 * and floods it. The built service rather than ts-node, whose compiler alone holds some 90 MB.
 */
describe('Memory under a flood of large events (issue 12, defect 1)', () => {
  let folders: ServiceFolders;
  let service: ServiceProcess;
  let url: string;
  let wsUrl: string;
  const sockets: WebSocket[] = [];

  beforeAll(async () => {
    await promisify(execFile)(process.execPath, ['src/build/build-if-stale.js'], { cwd: ROOT });
    folders = await makeFolders();
    service = spawnService('dist/main.js', [], {
      MC_WORKSPACE: folders.workspace,
      MC_DATA_DIR: folders.dataDir,
      MC_BACKUP_DIR: folders.backupDir,
      MC_OPENCLAW_HOME: folders.openclawHome,
    });
    url = await service.url();
    wsUrl = (service.output().match(/WebSocket gateway on (ws:\/\/\S+)/) ?? [])[1] ?? '';
    expect(wsUrl).not.toBe('');
  }, 300_000);

  afterAll(async () => {
    for (const ws of sockets) ws.terminate();
    if (service?.child.exitCode === null) await service.stop();
    if (folders) await rm(folders.base, { recursive: true, force: true });
  });

  it(`stays under ${RSS_LIMIT_MB} MB resident through ${TOTAL_EVENTS} events of 15 KB, with a reading and a stalled client`, async () => {
    const pid = service.child.pid as number;
    const startMb = await rssMb(pid);
    const rss = sampleRss(pid);
    const report: string[] = [];
    try {
      const first = await TestSocket.open(wsUrl);
      sockets.push(first.ws);
      const welcome = await first.next((m) => m.type === 'welcome');
      first.close();

      const fast = reader(wsUrl);
      sockets.push(fast.ws);
      const stalled = await TestSocket.open(wsUrl);
      sockets.push(stalled.ws);
      stalled.send({ type: 'ping' });
      await stalled.next((m) => m.type === 'pong');
      // Never reads again: the kernel's buffers fill, then the server's.
      stalled.ws.pause();

      const blob = 'x'.repeat(DATA_BYTES);
      let acknowledged = 0;
      let refused = 0;
      let next = 0;
      const post = async (): Promise<void> => {
        while (next < TOTAL_EVENTS) {
          const from = next;
          next += BATCH;
          const events = Array.from({ length: BATCH }, (_, i) => ({
            event_type: (from + i) % 2 ? 'task_completed' : 'message_sent',
            agent_id: `agent-${(from + i) % 20}`,
            data: { task_id: `T-${from + i}`, blob },
          }));
          for (;;) {
            const res = await api(url, '/api/events/batch', { method: 'POST', json: { events } });
            if (res.status === 201) {
              acknowledged += res.body.stored;
              break;
            }
            // Back-pressure is the only refusal a good batch may get, and it says when to come back.
            expect([res.status, res.body.status_code]).toEqual([429, 429]);
            const retryAfter = Number(res.headers.get('retry-after'));
            expect(retryAfter).toBeGreaterThan(0);
            refused++;
            await new Promise((r) => setTimeout(r, retryAfter * 1000));
          }
        }
      };
      await Promise.all(Array.from({ length: POSTERS }, post));
      expect(acknowledged).toBe(TOTAL_EVENTS);

      // A collection whose window holds the whole flood.
      expect((await api(url, '/api/system/metrics/collect', { method: 'POST' })).status).toBe(200);

      // Every acknowledged event was logged.
      const metrics = (await api(url, '/metrics')).body as string;
      const logged = [
        ...metrics.matchAll(/^mission_control_events_logged_total\{type="(?:task_completed|message_sent)"\} (\d+)$/gm),
      ].reduce((sum, m) => sum + Number(m[1]), 0);
      expect(logged).toBe(TOTAL_EVENTS);

      const { body: gateway } = await api(url, '/api/websocket/status');
      // The stalled client is the one dropped: reading again, it finds itself closed by the server (4008, or 1006
      // when it was cut off before its close frame could be sent); the reading client is the only other that may be.
      stalled.ws.resume();
      const stalledClose = await stalled.waitClosed(30_000);
      expect([4008, 1006]).toContain(stalledClose.code);
      expect(gateway.slow_consumer_drops).toBe(fast.state.closeCode === 4008 ? 2 : 1);

      // A resume from before the flood reaches past what is held.
      const late = await TestSocket.open(wsUrl);
      sockets.push(late.ws);
      await late.next((m) => m.type === 'welcome');
      late.send({ type: 'resume', since: welcome.seq, server_id: welcome.server_id });
      expect(await late.next((m) => m.type === 'resync_required' || m.type === 'resumed', 10_000)).toMatchObject({
        type: 'resync_required',
      });
      // One from a little way back is still served, in order.
      const recent = await TestSocket.open(wsUrl);
      sockets.push(recent.ws);
      await recent.next((m) => m.type === 'welcome');
      recent.send({ type: 'resume', since: gateway.seq - 50, server_id: welcome.server_id });
      await recent.next((m) => m.type === 'resumed', 10_000);
      // (A collection may broadcast meanwhile: only the 50 asked for are compared.)
      const replayed = recent.messages
        .filter((m) => m.source === 'mission-control' && m.seq > gateway.seq - 50 && m.seq <= gateway.seq)
        .map((m) => m.seq);
      expect(replayed).toEqual(Array.from({ length: 50 }, (_, i) => gateway.seq - 49 + i));

      expect((await api(url, '/api/health')).status).toBe(200);
      expect(service.child.exitCode).toBeNull();
      rss.stop();
      report.push(`end ${(await rssMb(pid)).toFixed(0)}`);
      report.push(`${acknowledged} events acknowledged, ${refused} batches refused for back-pressure`);
      report.push(
        `reading client got ${fast.state.received} messages${fast.state.closeCode === null ? '' : ` (then closed ${fast.state.closeCode})`}; slow consumers dropped: ${gateway.slow_consumer_drops}; the stalled client closed ${stalledClose.code} after ${stalled.messages.length} messages`,
      );
      expect(Math.max(startMb, ...rss.samples)).toBeLessThan(RSS_LIMIT_MB);
      // The reading client kept up or was dropped as a slow consumer, never anything else.
      expect([null, 4008]).toContain(fast.state.closeCode);
    } finally {
      rss.stop();
      console.log(
        `RSS (MB): start ${startMb.toFixed(0)}, peak ${Math.max(startMb, ...rss.samples).toFixed(0)} (${rss.samples.length} samples); ${report.join('; ')}`,
      );
    }
  });
});
