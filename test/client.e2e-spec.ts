import WebSocket from 'ws';
import { MCWebSocketClient, SocketConstructor } from '../src/client/mission-control-client';
import { api, freePort, removeDirs, startApp, waitFor } from './support/app-harness';

const FAST = {
  WebSocket: WebSocket as unknown as SocketConstructor,
  initialDelayMs: 50,
  maxDelayMs: 400,
  heartbeatIntervalMs: 1000,
};

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
      expect(statuses[0]).toMatchObject({
        timestamp: expect.any(String),
        source: 'mission-control',
        data: { agent: expect.any(String) },
      });
      mc.subscribe('notifications');
      await waitFor(async () => events.some((e) => e.type === 'subscribed'));
      const before = statuses.length;
      mc.requestAgentStatus('forge');
      await waitFor(async () => statuses.length > before);
      expect(statuses[statuses.length - 1].data.agent).toBe('forge');
      off();
      // Another listener still hears the next answer, and the pong sent after it bounds the wait.
      const heard: string[] = [];
      mc.on('agent_status', (data) => heard.push(data.agent));
      const pongs = record(mc, 'pong');
      mc.requestAgentStatus('forge');
      mc.ping();
      await waitFor(async () => pongs.length === 1);
      expect(heard).toContain('forge');
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
      const acks = record(mc, 'unsubscribed', 'subscribed');
      mc.connect();
      await waitFor(async () => mc.connected);
      mc.unsubscribe('*');
      mc.subscribe('agent:worker');
      await waitFor(async () => acks.length === 2);
      const post = (agent: string, i: number) =>
        api(t.url, '/api/events', {
          method: 'POST',
          json: { event_type: 'message_sent', agent_id: agent, data: { i } },
        });
      for (let i = 0; i < 5; i++) await post('worker', i);
      await waitFor(async () => activity.length === 5);

      // Cut the connection under the client, as a network drop would, while events keep coming.
      (mc as unknown as { socket: { close(): void } }).socket.close();
      for (let i = 5; i < 15; i++) {
        await post('worker', i);
        await post('other', i);
      }
      await waitFor(async () => activity.length >= 15, 5000);
      // Every post is answered, so its broadcast is sent; the pong comes after any replayed or live copy.
      const pongs = record(mc, 'pong');
      mc.ping();
      await waitFor(async () => pongs.length === 1);
      expect(activity.map((a) => a.data.activity.i)).toEqual(Array.from({ length: 15 }, (_, i) => i));
      expect(activity.every((a) => a.data.agent === 'worker')).toBe(true);
      expect(lifecycle.map((e) => e.type)).toEqual(['connected', 'disconnected', 'reconnecting', 'connected']);
    } finally {
      mc.disconnect();
      await t.close();
      await removeDirs(t.workspace, t.dataDir);
    }
  });

  it('waits random × a ceiling that doubles from initialDelayMs up to maxDelayMs between attempts', async () => {
    // Nothing listens on this port: every attempt fails at once, and the delays alone are what is seen.
    const port = await freePort();
    const draws = [1, 0.5, 0.25, 1, 0.1, 0.9];
    const mc = new MCWebSocketClient(`ws://127.0.0.1:${port}`, { ...FAST, random: () => draws.shift() ?? 0 });
    const delays: number[] = [];
    mc.on('reconnecting', (data) => delays.push(data.delay_ms));
    try {
      mc.connect();
      await waitFor(async () => delays.length >= 6, 5000);
      // Ceilings 50, 100, 200, 400, then 400 (maxDelayMs): 1×50, 0.5×100, 0.25×200, 1×400, 0.1×400, 0.9×400.
      expect(delays.slice(0, 6)).toEqual([50, 50, 50, 400, 40, 360]);
    } finally {
      mc.disconnect();
    }
  });

  it('reconnects after jittered delays within their ceilings while the server is down, then asks for a resync', async () => {
    const port = await freePort();
    const env = { MC_WS_PORT: String(port) };
    const first = await startApp({ env });
    const delays: number[] = [];
    // The default random source, as in real use.
    const mc = new MCWebSocketClient(`ws://127.0.0.1:${port}`, FAST);
    try {
      const lifecycle = record(mc, 'connected', 'resync_required');
      mc.on('reconnecting', (data) => delays.push(data.delay_ms));
      mc.connect();
      await waitFor(async () => mc.connected);
      const oldServer = mc.serverId;
      await first.close();
      await waitFor(async () => delays.length >= 8, 10_000);
      const ceilings = [50, 100, 200, 400, 400, 400, 400, 400];
      delays.slice(0, 8).forEach((delay, n) => {
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(ceilings[n]);
      });
      // Jittered: not a fixed share of the ceiling (eight equal draws from Math.random would be a 1 in 10^40 chance).
      expect(new Set(delays.slice(0, 8).map((delay, n) => delay / ceilings[n])).size).toBeGreaterThan(1);

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
