import { EventEmitter2 } from '@nestjs/event-emitter';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DomainEvent, EventsLoggedEvent } from '../src/contracts/domain-events';
import { api, removeDirs, startApp, TestApp, waitFor } from './support/app-harness';
import { holdEventsWriteLock } from './support/test-database';

describe('Events API', () => {
  let t: TestApp;
  const post = (path: string, json: unknown, headers: Record<string, string> = {}) =>
    api(t.url, path, { method: 'POST', json, headers });
  const count = async () => (await api(t.url, '/api/system/events?limit=1000')).body.events.length;

  beforeAll(async () => {
    t = await startApp({ fixture: false });
  });

  afterAll(async () => {
    await t.close();
    await removeDirs(t.workspace, t.dataDir);
  });

  it('stores one event, answering with it once committed, and emits events.logged', async () => {
    const logged: EventsLoggedEvent[] = [];
    t.app.get(EventEmitter2).on(DomainEvent.EventsLogged, (e: EventsLoggedEvent) => logged.push(e));
    const { status, body } = await post('/api/events', {
      event_type: 'task_completed',
      agent_id: 'ghost-agent',
      timestamp: '2026-02-17T08:46:00+08:00',
      data: { task_id: 'T1', duration: 12.5 },
    });
    expect(status).toBe(201);
    expect(body).toEqual({
      id: expect.any(Number),
      timestamp: '2026-02-17T00:46:00.000Z',
      type: 'task_completed',
      agent_id: 'ghost-agent',
      data: { task_id: 'T1', duration: 12.5 },
    });
    expect(logged.flatMap((e) => e.events)).toContainEqual(body);

    const page = await api(t.url, `/api/system/events?agent_id=ghost-agent`);
    expect(page.body).toEqual({ events: [body], next_cursor: null });
  });

  it('stamps events without a timestamp with the time of arrival', async () => {
    const before = Date.now();
    const { body } = await post('/api/events', { event_type: 'message_sent', agent_id: 'forge' });
    expect(Date.parse(body.timestamp)).toBeGreaterThanOrEqual(before - 5);
    expect(body.data).toEqual({});
  });

  it.each([
    [{}, 'event_type'],
    [{ event_type: 'Task Completed' }, 'event_type'],
    [{ event_type: 'x'.repeat(65) }, 'event_type'],
    [{ event_type: 'ok', agent_id: '../etc' }, 'agent_id'],
    [{ event_type: 'ok', timestamp: 'yesterday' }, 'timestamp'],
    [{ event_type: 'ok', timestamp: '2026-02-30T10:00:00Z' }, 'timestamp'],
    [{ event_type: 'ok', data: [1, 2] }, 'data'],
    [{ event_type: 'ok', data: 'text' }, 'data'],
    [{ event_type: 'ok', data: { blob: 'x'.repeat(16 * 1024) } }, 'data'],
  ])('rejects bad event %# with 400 naming %s, storing nothing', async (event, field) => {
    const before = await count();
    const { status, body } = await post('/api/events', event);
    expect(status).toBe(400);
    expect(body.details.map((d: { field: string }) => d.field)).toContain(field);
    expect(await count()).toBe(before);
  });

  it('stores a batch in order and answers with the ids', async () => {
    const events = Array.from({ length: 300 }, (_, i) => ({
      event_type: 'message_received',
      agent_id: 'batcher',
      data: { n: i },
    }));
    const { status, body } = await post('/api/events/batch', { events });
    expect(status).toBe(201);
    expect(body.stored).toBe(300);
    expect(body.ids).toEqual(Array.from({ length: 300 }, (_, i) => body.ids[0] + i));
    const page = await api(t.url, '/api/system/events?agent_id=batcher&limit=1000');
    expect(page.body.events).toHaveLength(300);
  });

  it('rejects a whole batch when any event is bad, naming the index of each bad one', async () => {
    const before = await count();
    const events = [{ event_type: 'ok' }, { event_type: 'BAD' }, { event_type: 'ok' }, { event_type: 'ok', data: 5 }];
    const { status, body } = await post('/api/events/batch', { events });
    expect(status).toBe(400);
    expect(body.invalid_indexes).toEqual([1, 3]);
    expect(body.error).toContain('events.1.event_type');
    expect(body.error).toContain('events.3.data');
    expect(await count()).toBe(before);
  });

  it('refuses items of a batch that are not events at all', async () => {
    const before = await count();
    const events = [
      { event_type: 'ok' },
      null,
      ['event_type'],
      'task_completed',
      { event_type: 'ok', data: [1] },
      { event_type: 'ok', timestamp: '2026-02-30T10:00:00Z' },
    ];
    const { status, body } = await post('/api/events/batch', { events });
    expect(status).toBe(400);
    expect(body.invalid_indexes).toEqual([1, 2, 3, 4, 5]);
    expect(await count()).toBe(before);
  });

  it('refuses lists where events belong, naming their index, and stores nothing', async () => {
    const before = await count();
    for (const [events, bad] of [
      [[[]], [0]],
      [[{ event_type: 'keep1' }, []], [1]],
      [
        [[{ event_type: 'nested' }], { event_type: 'keep2' }, [[]]],
        [0, 2],
      ],
    ] as const) {
      const { status, body } = await post('/api/events/batch', { events });
      expect([status, body.invalid_indexes]).toEqual([400, bad]);
      expect(body.details.map((d: { field: string }) => d.field)).toEqual(bad.map((i) => `events.${i}`));
    }
    expect(await count()).toBe(before);
  });

  it('refuses bodies and data nested too deep with a 400 that says so, never a 500', async () => {
    const deep = (levels: number) => JSON.parse(`${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`);
    const tooDeep = await post('/api/events', { event_type: 'deep', data: deep(3000) });
    expect(tooDeep.status).toBe(400);
    expect(tooDeep.body.error).toContain('nests deeper than 64 levels');
    const batch = await post('/api/events/batch', { events: [{ event_type: 'deep', data: deep(3000) }] });
    expect(batch.status).toBe(400);
    const backup = await post('/api/backups', { type: 'snapshot', extra: deep(3000) });
    expect(backup.status).toBe(400);
    const data = await post('/api/events', { event_type: 'deep', data: deep(40) });
    expect(data.status).toBe(400);
    expect(data.body.details).toEqual([{ field: 'data', messages: ['data must nest at most 32 levels'] }]);
    expect((await post('/api/events', { event_type: 'deep', data: deep(30) })).status).toBe(201);
  });

  it('refuses a timestamp that is ISO 8601 but not a date JavaScript reads (week and ordinal dates) with a 400, never a 500', async () => {
    for (const timestamp of ['2026-W48-7T10:00:00Z', '2026-330T10:00:00Z']) {
      const { status, body } = await post('/api/events', { event_type: 'dated', timestamp });
      expect([timestamp, status]).toEqual([timestamp, 400]);
      expect(body.details).toEqual([{ field: 'timestamp', messages: ['timestamp must be an ISO 8601 date-time'] }]);
    }
  });

  it('stores a batch whose events leave optional fields null and carry fields it does not know', async () => {
    const events = [{ event_type: 'ok', agent_id: null, timestamp: null, data: null, colour: 'blue' }];
    const { status, body } = await post('/api/events/batch', { events, comment: 'ignored' });
    expect(status).toBe(201);
    const page = await api(t.url, '/api/system/events?type=ok&limit=1');
    expect(page.body.events[0]).toEqual({
      id: body.ids[0],
      timestamp: expect.any(String),
      type: 'ok',
      agent_id: null,
      data: {},
    });
  });

  it.each([
    [{ events: [] }, /at least one/],
    [{ events: Array.from({ length: 1001 }, () => ({ event_type: 'x' })) }, /at most 1000/],
    [{ events: 'nope' }, /events must be a list/],
    [{}, /events must be a list/],
  ])('rejects a malformed batch %#', async (body, message) => {
    const res = await post('/api/events/batch', body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(message);
  });

  it('answers 413 for a body over the size limit', async () => {
    const res = await api(t.url, '/api/events', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"event_type":"x","data":{"a":"${'y'.repeat(21 * 1024 * 1024)}"}}`,
    });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ status_code: 413, error: 'Request body is too large' });
  });

  it('commits single events that arrive while the database is busy together, in at most half as many commits, without losing any', async () => {
    /** A figure of /metrics, summed over its labels. */
    const figure = async (name: string) => {
      const text = await (await fetch(`${t.url}/metrics`)).text();
      return text
        .split('\n')
        .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
        .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
    };
    const [commitsBefore, loggedBefore] = [
      await figure('mission_control_event_commits_total'),
      await figure('mission_control_events_logged_total'),
    ];
    // Another connection holds the write lock, as a long write would: the app's next commit waits (on SQLite, its busy timeout is 5 s).
    const release = await holdEventsWriteLock(t.dataDir);
    const posting = Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        post('/api/events', { event_type: 'message_sent', agent_id: 'crowd', data: { i } }),
      ),
    );
    // Long enough for all 200 requests to reach the app and queue behind the lock.
    await new Promise((r) => setTimeout(r, 1000));
    await release();
    const results = await posting;

    expect(results.every((r) => r.status === 201)).toBe(true);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(200);
    expect((await figure('mission_control_events_logged_total')) - loggedBefore).toBe(200);
    const commits = (await figure('mission_control_event_commits_total')) - commitsBefore;
    // One commit per request would be 200. Requests queued behind the lock go in the next group (a few commits
    // when warm); half is the bound, for requests that reach a loaded machine's app after the lock is gone.
    expect(commits).toBeGreaterThanOrEqual(1);
    expect(commits).toBeLessThanOrEqual(100);
    const stored = (await api(t.url, '/api/system/events?agent_id=crowd&limit=1000')).body.events;
    expect(stored.map((e: { data: { i: number } }) => e.data.i).sort((a: number, b: number) => a - b)).toEqual(
      Array.from({ length: 200 }, (_, i) => i),
    );
  });
});

describe('Event log queries', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ fixture: false });
    const base = Date.parse('2026-03-01T00:00:00Z');
    const events = Array.from({ length: 250 }, (_, i) => ({
      event_type: i % 5 === 0 ? 'error' : 'message_sent',
      agent_id: i % 2 ? 'odd' : 'even',
      // Pairs of events share a timestamp, so ordering must fall back on the id.
      timestamp: new Date(base + Math.floor(i / 2) * 60_000).toISOString(),
      data: { i },
    }));
    await api(t.url, '/api/events/batch', { method: 'POST', json: { events } });
  });

  afterAll(async () => {
    await t.close();
    await removeDirs(t.workspace, t.dataDir);
  });

  it('filters by type, agent and time range, newest first', async () => {
    const { body } = await api(
      t.url,
      '/api/system/events?type=error&agent_id=even&since=2026-03-01T00:10:00Z&until=2026-03-01T01:00:00Z',
    );
    const is = body.events.map((e: { data: { i: number } }) => e.data.i);
    expect(is).toEqual([120, 110, 100, 90, 80, 70, 60, 50, 40, 30, 20]);
    expect(body.events[0]).toMatchObject({ type: 'error', agent_id: 'even', timestamp: '2026-03-01T01:00:00.000Z' });
  });

  it('pages with a cursor, neither skipping nor repeating while new events arrive', async () => {
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `/api/system/events?limit=40${cursor ? `&cursor=${cursor}` : ''}`;
      const { body } = await api(t.url, query);
      seen.push(...body.events.map((e: { data: { i?: number } }) => e.data.i));
      cursor = body.next_cursor;
      pages++;
      // New events keep arriving, both newer than everything and at an old timestamp.
      await api(t.url, '/api/events', { method: 'POST', json: { event_type: 'late', data: { late: pages } } });
      await api(t.url, '/api/events', {
        method: 'POST',
        json: { event_type: 'late', timestamp: '2026-03-01T00:30:00Z', data: { late: pages } },
      });
    } while (cursor);
    const original = seen.filter((i) => i !== undefined);
    expect(original).toEqual(Array.from({ length: 250 }, (_, k) => 249 - k));
    expect(pages).toBe(7);
  });

  // Week (2026-W48-7) and ordinal (2026-330) dates are ISO 8601 that Date cannot read: once a 500.
  it.each([
    'limit=0',
    'limit=1001',
    'limit=ten',
    'since=last-week',
    'until=2026-13-01',
    'until=2026-W48-7',
    'since=2026-330',
    'cursor=!!',
    `cursor=${Buffer.from('x|y').toString('base64url')}`,
    'type=A B',
    'agent_id=..%2F',
  ])('rejects %s with 400 naming the parameter', async (query) => {
    const { status, body } = await api(t.url, `/api/system/events?${query}`);
    expect(status).toBe(400);
    expect(body.details[0].field).toBe(query.split('=')[0]);
  });

  it('logs status changes it sees in the workspace as events', async () => {
    const w = await startApp();
    try {
      await writeFile(
        join(w.mc, 'agents', 'forge', 'state.json'),
        JSON.stringify({ status: 'idle', lastActive: new Date().toISOString() }),
      );
      const { body } = await waitFor(async () => {
        const res = await api(w.url, '/api/system/events?type=status_changed&agent_id=forge');
        return res.body.events.length > 0 && res;
      });
      expect(body.events).toHaveLength(1);
      expect(body.events[0].data).toMatchObject({
        from: 'offline',
        to: 'idle',
        raw_status: 'idle',
        source: 'workspace',
      });
    } finally {
      await w.close();
      await removeDirs(w.workspace, w.dataDir);
    }
  });
});
