import { request as httpRequest } from 'node:http';
import { api, removeDirs, startApp, TestApp } from './support/app-harness';
import { TestSocket } from './support/ws-client';

const QUIET = { MC_METRICS_INTERVAL: '3600' };
const postBatch = (t: TestApp, events: object[]) =>
  api(t.url, '/api/events/batch', { method: 'POST', json: { events } });
const batchOf = (type: string, count: number, data: object = {}) => ({
  events: Array.from({ length: count }, (_, i) => ({ event_type: type, agent_id: 'forge', data: { ...data, i } })),
});

/** A POST whose headers the service has seen (it answered 100 Continue) and whose body is still to come. */
function startPost(url: string, body: string): Promise<{ finish: () => Promise<{ status: number; body: any }> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}/api/events/batch`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        expect: '100-continue',
      },
    });
    const answered = new Promise<{ status: number; body: any }>((done) =>
      req.on('response', (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => done({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      }),
    );
    req.on('error', reject);
    req.on('continue', () => resolve({ finish: () => (req.end(body), answered) }));
  });
}

describe('Event ingestion back-pressure (MC_INGEST_MAX_MB)', () => {
  let t: TestApp;

  beforeAll(async () => {
    // About 10 KB of event requests at once.
    t = await startApp({ env: { ...QUIET, MC_INGEST_MAX_MB: '0.01' } });
  });

  afterAll(async () => {
    await t.close();
    await removeDirs(t.workspace, t.dataDir);
  });

  it('refuses a request that would pass the bound with 429 and Retry-After, storing nothing of it, and always lets one in alone', async () => {
    const first = await startPost(t.url, JSON.stringify(batchOf('gate_first', 60, { note: 'x'.repeat(60) })));
    const refused = await postBatch(t, batchOf('gate_refused', 60, { note: 'x'.repeat(60) }).events);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.body).toEqual({
      error: expect.stringContaining('MC_INGEST_MAX_MB'),
      status_code: 429,
      retry_after_seconds: 1,
      path: '/api/events/batch',
      timestamp: expect.any(String),
    });
    expect(await first.finish()).toMatchObject({ status: 201, body: { stored: 60 } });

    const alone = await postBatch(t, batchOf('gate_alone', 100, { note: 'x'.repeat(200) }).events);
    expect([alone.status, alone.body.stored]).toEqual([201, 100]);
    const stored = async (type: string) =>
      (await api(t.url, `/api/system/events?type=${type}&limit=1000`)).body.events.length;
    expect([await stored('gate_first'), await stored('gate_refused'), await stored('gate_alone')]).toEqual([
      60, 0, 100,
    ]);
  });
});

describe('Collections over windows larger than a page of events', () => {
  const BASE = Date.now() - 3_600_000;
  const at = (seconds: number) => new Date(BASE + seconds * 1000).toISOString();
  /** Task i starts at second i and completes at second 2000, so the mean duration tells how many starts were matched. */
  const starts = (count: number) =>
    Array.from({ length: count }, (_, i) => ({
      event_type: 'task_started',
      agent_id: 'pager',
      timestamp: at(i),
      data: { task_id: `T${i}` },
    }));
  const completions = (count: number) =>
    Array.from({ length: count }, (_, i) => ({
      event_type: 'task_completed',
      agent_id: 'pager',
      timestamp: at(2000),
      data: { task_id: `T${i}` },
    }));
  const meanDuration = (count: number) => 2000 - (count - 1) / 2;
  /** Runs a collection and answers the row it wrote for the agent. */
  const collect = async (t: TestApp) => {
    expect((await api(t.url, '/api/system/metrics/collect', { method: 'POST' })).status).toBe(200);
    return (await api(t.url, '/api/agents/pager/history?hours=24')).body.history?.at(-1);
  };

  it('times every task of a window of 1,800 task events, read a page at a time', async () => {
    const t = await startApp({ fixture: false, env: QUIET });
    try {
      await collect(t);
      expect((await postBatch(t, starts(900))).status).toBe(201);
      expect((await postBatch(t, completions(900))).status).toBe(201);
      expect(await collect(t)).toMatchObject({ tasks_completed: 900, avg_task_duration: meanDuration(900) });
    } finally {
      await t.close();
      await removeDirs(t.workspace, t.dataDir);
    }
  });

  it('remembers every task still open across a restart, read a page at a time', async () => {
    const first = await startApp({ fixture: false, env: QUIET });
    try {
      expect((await postBatch(first, starts(700))).status).toBe(201);
      await collect(first);
    } finally {
      await first.close();
    }
    const again = await startApp({ workspace: first.workspace, dataDir: first.dataDir, env: QUIET });
    try {
      expect((await postBatch(again, completions(700))).status).toBe(201);
      expect(await collect(again)).toMatchObject({ tasks_completed: 700, avg_task_duration: meanDuration(700) });
    } finally {
      await again.close();
      await removeDirs(first.workspace, first.dataDir);
    }
  });
});

describe('Figures that follow what clients send', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ env: QUIET });
  });

  afterAll(async () => {
    await t.close();
    await removeDirs(t.workspace, t.dataDir);
  });

  it('counts events of at most 1,000 types by name in /metrics, the others together as _other', async () => {
    const types = Array.from({ length: 1100 }, (_, i) => `invented_${i}`);
    for (let i = 0; i < types.length; i += 550) {
      expect(
        (
          await postBatch(
            t,
            types.slice(i, i + 550).map((event_type) => ({ event_type })),
          )
        ).status,
      ).toBe(201);
    }
    const series = [
      ...((await api(t.url, '/metrics')).body as string).matchAll(
        /^mission_control_events_logged_total\{type="([^"]+)"\} (\d+)$/gm,
      ),
    ];
    expect(series.length).toBe(1001);
    const other = series.find(([, type]) => type === '_other');
    const invented = series.filter(([, type]) => type.startsWith('invented_')).length;
    expect(Number(other?.[2])).toBe(1100 - invented);
  });
});

describe('The unsent data a WebSocket client may leave (MC_WS_CLIENT_MAX_MB)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ env: { ...QUIET, MC_WS_CLIENT_MAX_MB: '256' } });
  });

  afterAll(async () => {
    await t.close();
    await removeDirs(t.workspace, t.dataDir);
  });

  it('keeps a client that reads nothing for a while when its allowance covers what it was sent', async () => {
    const paused = await TestSocket.open(t.wsUrl);
    const reading = await TestSocket.open(t.wsUrl);
    for (const socket of [paused, reading]) {
      socket.send({ type: 'ping' });
      await socket.next((m) => m.type === 'pong');
    }
    paused.ws.pause();
    try {
      // The same 24 MB that gets a client dropped at the default allowance of 1 MB.
      const big = { blob: 'x'.repeat(15 * 1024) };
      for (let round = 0; round < 8; round++) {
        expect(
          (
            await postBatch(
              t,
              Array.from({ length: 200 }, (_, i) => ({
                event_type: 'message_sent',
                agent_id: 'forge',
                data: { ...big, round, i },
              })),
            )
          ).status,
        ).toBe(201);
      }
      await reading.next(
        (m) => m.type === 'agent_activity' && m.data.activity.round === 7 && m.data.activity.i === 199,
        10_000,
      );
      expect((await api(t.url, '/api/websocket/status')).body.slow_consumer_drops).toBe(0);
      paused.ws.resume();
      await paused.next(
        (m) => m.type === 'agent_activity' && m.data.activity.round === 7 && m.data.activity.i === 199,
        20_000,
      );
      expect(paused.closed).toBeNull();
    } finally {
      paused.close();
      reading.close();
    }
  });
});
