import WebSocket from 'ws';
import { MCWebSocketClient, SocketConstructor } from '../src/client/mission-control-client';
import { api, freePort, removeDirs, startApp, waitFor } from './support/app-harness';

const FAST = { WebSocket: WebSocket as unknown as SocketConstructor, initialDelayMs: 50, maxDelayMs: 400, heartbeatIntervalMs: 1000 };

function record(mc: MCWebSocketClient, ...types: string[]) {
  const seen: { type: string; data: any }[] = [];
  for (const type of types) mc.on(type, (data) => seen.push({ type, data }));
  return seen;
}

describe('The client library against the real gateway', () => {
  it('is served as an ES module by the app', async () => {
    const t = await startApp({ fixture: false });
    try {
      const res = await fetch(`${t.url}/client/mission-control-client.js`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/javascript');
      const code = await res.text();
      expect(code).toContain('export class MCWebSocketClient');
      expect(code).not.toMatch(/require\(|process\.|from ['"]node:/);
    } finally {
      await t.close();
      await removeDirs(t.workspace, t.dataDir);
    }
  });

  it('keeps the original API: connect, on, subscribe, requestAgentStatus, off, disconnect', async () => {
    const t = await startApp();
    const mc = new MCWebSocketClient(t.wsUrl, FAST);
    try {
      const statuses: any[] = [];
      const off = mc.on('agent_status', (data, timestamp, source) => statuses.push({ data, timestamp, source }));
      const events = record(mc, 'connected', 'subscribed');
      mc.connect();
      await waitFor(async () => statuses.length >= 6);
      expect(statuses[0]).toMatchObject({ timestamp: expect.any(String), source: 'mission-control', data: { agent: expect.any(String) } });
      mc.subscribe('notifications');
      await waitFor(async () => events.some((e) => e.type === 'subscribed'));
      const before = statuses.length;
      mc.requestAgentStatus('forge');
      await waitFor(async () => statuses.length > before);
      expect(statuses[statuses.length - 1].data.agent).toBe('forge');
      off();
      mc.requestAgentStatus('forge');
      await new Promise((r) => setTimeout(r, 200));
      expect(statuses.length).toBe(before + 1);
      expect(events[0].type).toBe('connected');
    } finally {
      mc.disconnect();
      await t.close();
      await removeDirs(t.workspace, t.dataDir);
    }
  });

  it('resumes after a dropped connection: same subscriptions, nothing missed, nothing twice', async () => {
    const t = await startApp({ fixture: false });
    const mc = new MCWebSocketClient(t.wsUrl, FAST);
    try {
      const activity = record(mc, 'agent_activity');
      const lifecycle = record(mc, 'connected', 'disconnected', 'reconnecting', 'resync_required');
      mc.connect();
      await waitFor(async () => mc.connected);
      mc.unsubscribe('*');
      mc.subscribe('agent:worker');
      await new Promise((r) => setTimeout(r, 100));
      const post = (agent: string, i: number) => api(t.url, '/api/events', { method: 'POST', json: { event_type: 'message_sent', agent_id: agent, data: { i } } });
      for (let i = 0; i < 5; i++) await post('worker', i);
      await waitFor(async () => activity.length === 5);

      // Cut the connection under the client, as a network drop would, while events keep coming.
      (mc as unknown as { socket: { close(): void } }).socket.close();
      for (let i = 5; i < 15; i++) {
        await post('worker', i);
        await post('other', i);
      }
      await waitFor(async () => activity.length >= 15, 5000);
      await new Promise((r) => setTimeout(r, 200));
      expect(activity.map((a) => a.data.activity.i)).toEqual(Array.from({ length: 15 }, (_, i) => i));
      expect(activity.every((a) => a.data.agent === 'worker')).toBe(true);
      expect(lifecycle.map((e) => e.type)).toEqual(['connected', 'disconnected', 'reconnecting', 'connected']);
    } finally {
      mc.disconnect();
      await t.close();
      await removeDirs(t.workspace, t.dataDir);
    }
  });

  it('reconnects with growing, jittered delays while the server is down, then asks for a resync', async () => {
    const port = await freePort();
    const env = { MC_WS_PORT: String(port) };
    const first = await startApp({ env });
    const delays: number[] = [];
    const mc = new MCWebSocketClient(`ws://127.0.0.1:${port}`, { ...FAST, random: () => 1 });
    try {
      const lifecycle = record(mc, 'connected', 'resync_required');
      mc.on('reconnecting', (data) => delays.push(data.delay_ms));
      mc.connect();
      await waitFor(async () => mc.connected);
      const oldServer = mc.serverId;
      await first.close();
      await waitFor(async () => delays.length >= 4, 5000);
      expect(delays.slice(0, 4)).toEqual([50, 100, 200, 400]);

      const second = await startApp({ workspace: first.workspace, dataDir: first.dataDir, env });
      try {
        await waitFor(async () => lifecycle.filter((e) => e.type === 'connected').length === 2, 5000);
        await waitFor(async () => lifecycle.some((e) => e.type === 'resync_required'), 3000);
        expect(mc.serverId).not.toBe(oldServer);
      } finally {
        mc.disconnect();
        await second.close();
      }
    } finally {
      mc.disconnect();
      await removeDirs(first.workspace, first.dataDir);
    }
  });

  it('queues what is sent while disconnected, and sends it once connected', async () => {
    const t = await startApp({ fixture: false });
    const mc = new MCWebSocketClient(t.wsUrl, FAST);
    try {
      const pongs = record(mc, 'pong');
      mc.ping();
      mc.ping();
      mc.connect();
      await waitFor(async () => pongs.length === 2);
    } finally {
      mc.disconnect();
      await t.close();
      await removeDirs(t.workspace, t.dataDir);
    }
  });
});
