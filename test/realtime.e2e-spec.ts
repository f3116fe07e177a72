import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MetricsCollectorService } from '../src/metrics/metrics-collector.service';
import { api, removeDirs, startApp, TestApp } from './support/app-harness';
import { TestSocket } from './support/ws-client';

const LONG_STALE = String(60 * 24 * 365 * 50);
const post = (t: TestApp, json: unknown) => api(t.url, '/api/events', { method: 'POST', json });

describe('Realtime gateway', () => {
  let t: TestApp;
  const sockets: TestSocket[] = [];
  const connect = async (query = '') => {
    const socket = await TestSocket.open(`${t.wsUrl}/${query}`);
    sockets.push(socket);
    await socket.next((m) => m.type === 'welcome');
    return socket;
  };

  beforeAll(async () => {
    t = await startApp({ env: { MC_STALE_MINUTES: LONG_STALE, MC_WS_HEARTBEAT: '1', MC_METRICS_INTERVAL: '3600' } });
  });

  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });

  afterAll(async () => {
    await t.close();
    await removeDirs(t.workspace, t.dataDir);
  });

  it('welcomes a client, then sends the office and every agent', async () => {
    const socket = await connect();
    const [welcome] = socket.messages;
    expect(welcome).toEqual({ type: 'welcome', server_id: expect.any(String), seq: expect.any(Number), protocol: 1 });
    const position = await socket.next((m) => m.type === 'agent_position');
    expect(position).toMatchObject({
      source: 'mission-control',
      data: { hour: 6, positions: { scribe: { x: 42.5, y: 61, zone: 'desk' } } },
    });
    expect(position.seq).toBeUndefined();
    await socket.next((m) => m.type === 'agent_status' && m.data.agent === 'watchtower');
    const statuses = socket.messages.filter((m) => m.type === 'agent_status');
    expect(statuses.map((m) => m.data.agent).sort()).toEqual([
      'empty-one',
      'forge',
      'maven',
      'onboarding-bot',
      'scribe',
      'watchtower',
    ]);
    const forge = statuses.find((m) => m.data.agent === 'forge');
    expect(forge.data.state).toMatchObject({
      id: 'forge',
      status: 'active',
      raw_status: 'operational',
      state: { partner: 'code' },
    });
    expect(socket.messages.indexOf(welcome)).toBe(0);
  });

  it('broadcasts agent_status when a state file changes, with a growing seq', async () => {
    const socket = await connect();
    await writeFile(
      join(t.mc, 'agents', 'maven', 'state.json'),
      JSON.stringify({ status: 'busy', lastActive: new Date().toISOString() }),
    );
    const update = await socket.next((m) => m.type === 'agent_status' && m.data.agent === 'maven' && m.seq);
    expect(update).toMatchObject({
      timestamp: expect.any(String),
      source: 'mission-control',
      data: { state: { status: 'active', raw_status: 'busy' } },
    });
    expect(update.seq).toBeGreaterThan(socket.messages[0].seq);
  });

  it('broadcasts agent_position, agent_activity, task_update, notification and system_metric from their causes', async () => {
    const socket = await connect();
    await writeFile(join(t.mc, 'current_office_state.json'), JSON.stringify({ positions: { forge: 'kitchen' } }));
    const position = await socket.next((m) => m.type === 'agent_position' && m.seq);
    expect(position.data.positions.forge.zone).toBe('kitchen');

    const { body: event } = await post(t, {
      event_type: 'task_failed',
      agent_id: 'forge',
      data: { task_id: 'T9', reason: 'timeout' },
    });
    const activity = await socket.next((m) => m.type === 'agent_activity' && m.data.activity.action === 'task_failed');
    expect(activity.data).toEqual({
      agent: 'forge',
      activity: {
        action: 'task_failed',
        event_id: event.id,
        timestamp: event.timestamp,
        task_id: 'T9',
        reason: 'timeout',
      },
    });
    const toast = await socket.next((m) => m.type === 'notification' && m.data.title === 'Task failed');
    expect(toast.data).toMatchObject({
      level: 'error',
      message: 'forge failed task T9',
      data: { agent_id: 'forge', task_id: 'T9' },
    });

    await writeFile(
      join(t.mc, 'TASK_QUEUE.json'),
      JSON.stringify({ tasks: [{ id: 'TASK-0001', description: 'Build File Watcher API', status: 'failed' }] }),
    );
    const tasks = await socket.next((m) => m.type === 'task_update');
    expect(tasks.data).toMatchObject({
      type: 'task_queue_changed',
      added: [],
      updated: [expect.objectContaining({ id: 'TASK-0001', status: 'failed' })],
    });
    expect(tasks.data.removed.map((task: { id: string }) => task.id)).toEqual(['TASK-0002', 'TASK-0003']);

    await t.app.get(MetricsCollectorService).collect();
    const metric = await socket.next((m) => m.type === 'system_metric' && m.data.metric === 'total_agents');
    expect(metric.data).toEqual({ metric: 'total_agents', value: 6, unit: 'agents' });
    await socket.next((m) => m.type === 'system_metric' && m.data.metric === 'system_health_score');
  });

  it('sends a notification when an agent goes into error', async () => {
    const socket = await connect();
    await writeFile(
      join(t.mc, 'agents', 'scribe', 'state.json'),
      JSON.stringify({ name: 'Scribe', status: 'crashed', last_active: new Date().toISOString() }),
    );
    const toast = await socket.next((m) => m.type === 'notification' && m.data.title === 'Agent error');
    expect(toast.data).toMatchObject({ level: 'error', data: { agent_id: 'scribe' } });
  });

  it('answers ping, subscribe, unsubscribe and request_agent_status', async () => {
    const socket = await connect();
    socket.send({ type: 'ping' });
    expect(await socket.next((m) => m.type === 'pong')).toEqual({ type: 'pong', timestamp: expect.any(String) });
    socket.send({ type: 'subscribe', channel: 'notifications' });
    expect(await socket.next((m) => m.type === 'subscribed')).toEqual({ type: 'subscribed', channel: 'notifications' });
    socket.send({ type: 'unsubscribe', channel: '*' });
    expect(await socket.next((m) => m.type === 'unsubscribed')).toEqual({ type: 'unsubscribed', channel: '*' });
    const from = socket.messages.length;
    socket.send({ type: 'request_agent_status', agent_id: 'forge' });
    const status = await socket.next((m) => m.type === 'agent_status', 3000, from);
    expect(status.data.agent).toBe('forge');
    socket.send({ type: 'request_agent_status', agent_id: 'nobody' });
    expect(await socket.next((m) => m.type === 'error')).toEqual({ type: 'error', message: 'Unknown agent "nobody"' });
  });

  it('filters by channel, agent:<id> included', async () => {
    const forgeOnly = await connect();
    forgeOnly.send({ type: 'unsubscribe', channel: '*' });
    forgeOnly.send({ type: 'subscribe', channel: 'agent:forge' });
    await forgeOnly.next((m) => m.type === 'subscribed');
    const metricsOnly = await connect();
    metricsOnly.send({ type: 'unsubscribe', channel: '*' });
    metricsOnly.send({ type: 'subscribe', channel: 'metrics' });
    await metricsOnly.next((m) => m.type === 'subscribed');
    const mark = [forgeOnly.messages.length, metricsOnly.messages.length];

    await post(t, { event_type: 'message_sent', agent_id: 'maven' });
    await post(t, { event_type: 'message_sent', agent_id: 'forge', data: { n: 1 } });
    await t.app.get(MetricsCollectorService).collect();
    // Everything those calls broadcast is sent by now; a pong, answered after it, marks the end of what each client gets.
    for (const socket of [forgeOnly, metricsOnly]) {
      socket.send({ type: 'ping' });
      await socket.next((m) => m.type === 'pong');
    }
    const forgeGot = forgeOnly.messages.slice(mark[0]).filter((m) => m.seq);
    expect(forgeGot.some((m) => m.type === 'agent_activity')).toBe(true);
    expect(forgeGot.every((m) => m.data.agent === 'forge')).toBe(true);
    const metricsGot = metricsOnly.messages.slice(mark[1]).filter((m) => m.seq);
    expect(metricsGot.length).toBe(10);
    expect(metricsGot.every((m) => m.type === 'system_metric')).toBe(true);
  });

  it('sends heartbeats without seq', async () => {
    const socket = await connect();
    const beat = await socket.next((m) => m.type === 'heartbeat', 2500);
    expect(beat).toEqual({
      type: 'heartbeat',
      timestamp: expect.any(String),
      data: { clients: expect.any(Number) },
      source: 'mission-control',
    });
  });

  it('resumes after a forced disconnect while messages flow, with no gap and no duplicate', async () => {
    const first = await connect();
    for (let i = 0; i < 5; i++) await post(t, { event_type: 'message_sent', agent_id: 'forge', data: { i } });
    await first.next((m) => m.type === 'agent_activity' && m.data.activity.i === 4);
    const lastSeq = Math.max(...first.messages.filter((m) => m.seq).map((m) => m.seq));
    first.close();

    const sending = (async () => {
      for (let i = 5; i < 25; i++) await post(t, { event_type: 'message_sent', agent_id: 'forge', data: { i } });
    })();
    await new Promise((r) => setTimeout(r, 30));
    const second = await connect();
    second.send({ type: 'resume', since: lastSeq, server_id: first.messages[0].server_id });
    await sending;
    await second.next((m) => m.type === 'agent_activity' && m.data.activity.i === 24);
    const resumed = await second.next((m) => m.type === 'resumed');
    expect(resumed.seq).toBeGreaterThanOrEqual(lastSeq);
    const seqs = second.messages.filter((m) => m.source && m.seq).map((m) => m.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    const received = second.messages.filter((m) => m.type === 'agent_activity').map((m) => m.data.activity.i);
    expect(received).toEqual(Array.from({ length: 20 }, (_, k) => k + 5));
    expect(Math.min(...seqs)).toBe(lastSeq + 1);
  });

  it('asks for a resync when the server id is another or the gap is unknown', async () => {
    const socket = await connect();
    socket.send({ type: 'resume', since: 1, server_id: 'another-server' });
    expect(await socket.next((m) => m.type === 'resync_required')).toMatchObject({ type: 'resync_required' });
    socket.send({ type: 'resume', since: 10_000_000, server_id: socket.messages[0].server_id });
    await socket.next(
      (m) => m.type === 'resync_required' && m !== socket.messages.find((x) => x.type === 'resync_required'),
    );
  });

  it.each([
    ['invalid JSON', '{"type": ', 'Invalid JSON'],
    ['no type', { channel: 'x' }, 'Each message must be a JSON object with a string "type"'],
    ['an unknown type', { type: 'launch_missiles' }, 'Unknown message type "launch_missiles"'],
    ['a bad channel', { type: 'subscribe', channel: '../../etc' }, 'Unknown channel'],
    [
      'a channel of arrays nested 5,000 deep',
      `{"type":"unsubscribe","channel":${'['.repeat(5000)}${']'.repeat(5000)}}`,
      'Unknown channel (an array)',
    ],
    ['a bad agent id', { type: 'request_agent_status', agent_id: 42 }, 'agent_id must be an agent id'],
    ['a bad since', { type: 'resume', since: 'yesterday' }, 'since must be a whole number'],
  ])('answers %s with an error and stays open', async (_name, message, text) => {
    const socket = await connect();
    socket.send(message);
    const error = await socket.next((m) => m.type === 'error');
    expect(error.message).toContain(text);
    socket.send({ type: 'ping' });
    await socket.next((m) => m.type === 'pong');
  });

  it('closes a connection that sends over 64 KiB at once', async () => {
    const socket = await connect();
    socket.send({ type: 'ping', padding: 'x'.repeat(70 * 1024) });
    expect((await socket.waitClosed()).code).toBe(1009);
  });

  it('closes a client that floods with more than 50 messages a second (1008)', async () => {
    const socket = await connect();
    for (let i = 0; i < 80; i++) socket.send({ type: 'ping' });
    expect((await socket.waitClosed()).code).toBe(1008);
  });

  it('drops a slow consumer with 4008 while a normal client keeps receiving', async () => {
    // Both say something first, as dashboards do, so neither is held back waiting for a resume.
    const slow = await connect();
    const normal = await connect();
    for (const socket of [slow, normal]) {
      socket.send({ type: 'ping' });
      await socket.next((m) => m.type === 'pong');
    }
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const big = { blob: 'x'.repeat(15 * 1024) };
    for (let round = 0; round < 8; round++) {
      await api(t.url, '/api/events/batch', {
        method: 'POST',
        json: {
          events: Array.from({ length: 200 }, (_, i) => ({
            event_type: 'message_sent',
            agent_id: 'forge',
            data: { ...big, round, i },
          })),
        },
      });
    }
    await normal.next(
      (m) => m.type === 'agent_activity' && m.data.activity.round === 7 && m.data.activity.i === 199,
      10_000,
    );
    const status = (await api(t.url, '/api/websocket/status')).body;
    expect(status.slow_consumer_drops).toBeGreaterThanOrEqual(1);
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    expect((await slow.waitClosed(8000)).code).toBe(4008);
  });

  it('reports its figures at /api/websocket/status and in /api/health', async () => {
    await connect();
    const { body } = await api(t.url, '/api/websocket/status');
    expect(body).toEqual({
      clients: expect.any(Number),
      messages_sent: expect.any(Number),
      slow_consumer_drops: expect.any(Number),
      seq: expect.any(Number),
      server_id: expect.any(String),
      replay_messages: expect.any(Number),
      replay_bytes: expect.any(Number),
    });
    expect(body.clients).toBeGreaterThanOrEqual(1);
    const health = (await api(t.url, '/api/health')).body;
    expect(health.services.websocket).toMatchObject({ status: 'up', clients: body.clients });
  });
});

describe('Replay before the first client', () => {
  it('keeps nothing that no client could ask for, then everything after the first welcome', async () => {
    const t = await startApp({ env: { MC_STALE_MINUTES: LONG_STALE } });
    const sockets: TestSocket[] = [];
    try {
      await post(t, { event_type: 'message_sent', agent_id: 'forge', data: { i: 0 } });
      const before = (await api(t.url, '/api/websocket/status')).body;
      // The start-up scan's agent_status messages and the event's have been broadcast, to no one.
      expect(before.seq).toBeGreaterThan(6);
      expect(before).toMatchObject({ replay_messages: 0, replay_bytes: 0 });

      const first = await TestSocket.open(t.wsUrl);
      sockets.push(first);
      const welcome = await first.next((m) => m.type === 'welcome');
      expect(welcome.seq).toBe(before.seq);
      // What came before the first welcome was never kept: a resume from there, even with nothing kept since,
      // is told to reload rather than given an empty replay.
      const early = await TestSocket.open(t.wsUrl);
      sockets.push(early);
      await early.next((m) => m.type === 'welcome');
      early.send({ type: 'resume', since: welcome.seq - 1, server_id: welcome.server_id });
      expect(await early.next((m) => m.type === 'resync_required')).toMatchObject({
        server_id: welcome.server_id,
        seq: welcome.seq,
      });
      await post(t, { event_type: 'message_sent', agent_id: 'forge', data: { i: 1 } });
      await first.next((m) => m.type === 'agent_activity' && m.data.activity.i === 1);
      const after = (await api(t.url, '/api/websocket/status')).body;
      expect(after.replay_messages).toBe(after.seq - welcome.seq);
      expect(after.replay_bytes).toBeGreaterThan(0);

      const second = await TestSocket.open(t.wsUrl);
      sockets.push(second);
      await second.next((m) => m.type === 'welcome');
      second.send({ type: 'resume', since: welcome.seq, server_id: welcome.server_id });
      const replayed = await second.next((m) => m.type === 'agent_activity');
      expect(replayed).toMatchObject({ seq: welcome.seq + 1, data: { activity: { i: 1 } } });
      expect(await second.next((m) => m.type === 'resumed')).toEqual({ type: 'resumed', seq: after.seq });
    } finally {
      for (const s of sockets) s.close();
      await t.close();
      await removeDirs(t.workspace, t.dataDir);
    }
  });
});

describe('Gateway security', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ env: { MC_API_TOKEN: 'tok3n', MC_CORS_ORIGINS: 'http://dash.example' } });
  });

  afterAll(async () => {
    await t.close();
    await removeDirs(t.workspace, t.dataDir);
  });

  it('refuses an upgrade without the token with 401, before any WebSocket opens', async () => {
    await expect(TestSocket.open(t.wsUrl)).rejects.toThrow('HTTP 401');
    await expect(TestSocket.open(`${t.wsUrl}/?token=wrong`)).rejects.toThrow('HTTP 401');
  });

  it('accepts the token in the query or the Authorization header', async () => {
    const a = await TestSocket.open(`${t.wsUrl}/?token=tok3n`);
    await a.next((m) => m.type === 'welcome');
    a.close();
    const b = await TestSocket.open(t.wsUrl, { headers: { authorization: 'Bearer tok3n' } });
    await b.next((m) => m.type === 'welcome');
    b.close();
  });

  it('refuses a browser origin not in MC_CORS_ORIGINS, and accepts a listed one', async () => {
    await expect(TestSocket.open(`${t.wsUrl}/?token=tok3n`, { origin: 'http://evil.example' })).rejects.toThrow(
      'HTTP 403',
    );
    const ok = await TestSocket.open(`${t.wsUrl}/?token=tok3n`, { origin: 'http://dash.example' });
    await ok.next((m) => m.type === 'welcome');
    ok.close();
  });
});

describe('After a restart', () => {
  it('asks a client resuming with the old server id to resync', async () => {
    const first = await startApp();
    const socket = await TestSocket.open(first.wsUrl);
    const welcome = await socket.next((m) => m.type === 'welcome');
    socket.close();
    await first.close();
    const second = await startApp({ workspace: first.workspace, dataDir: first.dataDir });
    try {
      const again = await TestSocket.open(second.wsUrl);
      const newWelcome = await again.next((m) => m.type === 'welcome');
      expect(newWelcome.server_id).not.toBe(welcome.server_id);
      again.send({ type: 'resume', since: welcome.seq, server_id: welcome.server_id });
      await again.next((m) => m.type === 'resync_required');
      again.close();
    } finally {
      await second.close();
      await removeDirs(first.workspace, first.dataDir);
    }
  });
});
