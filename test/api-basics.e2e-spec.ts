import { request } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { api, makeTempDir, removeDirs, startApp, TestApp } from './support/app-harness';
import { testEngine } from './support/test-database';

describe('API basics: documentation, errors, CORS', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ env: { MC_CORS_ORIGINS: 'http://dash.example, http://localhost:3000' } });
  });

  afterAll(async () => {
    await t.close();
    await removeDirs(t.workspace, t.dataDir);
  });

  it('serves Swagger UI at /docs and documents every endpoint and field at /docs-json', async () => {
    const ui = await api(t.url, '/docs');
    expect(ui.status).toBe(200);
    expect(String(ui.body)).toContain('swagger');

    const { body: doc } = await api(t.url, '/docs-json');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/agents', '/api/agents/{id}', '/api/health', '/api/tasks', '/api/tasks/active']),
    );
    expect(doc.paths['/api/agents'].get.parameters).toEqual([
      expect.objectContaining({ name: 'status', in: 'query', required: false }),
    ]);
    expect(doc.paths['/api/agents/{id}'].get.responses['200'].content['application/json'].schema.$ref).toBe(
      '#/components/schemas/AgentDetailDto',
    );
    const agent = doc.components.schemas.AgentDto;
    expect(Object.keys(agent.properties)).toEqual(
      expect.arrayContaining([
        'id',
        'name',
        'role',
        'status',
        'raw_status',
        'current_tasks',
        'tasks_completed',
        'tasks_failed',
        'last_active',
        'metrics',
      ]),
    );
    expect(agent.properties.name.description).toMatch(/SOUL\.md heading/);
    expect(agent.properties.status.enum).toEqual(['active', 'idle', 'error', 'offline']);
    expect(doc.components.schemas.TaskDto.properties.subtasks.items.$ref).toBe('#/components/schemas/TaskDto');
    expect(doc.paths['/api/agents/{id}'].get.responses['404'].content['application/json'].schema.$ref).toBe(
      '#/components/schemas/ErrorDto',
    );
    expect(Object.keys(doc.components.schemas.ErrorDto.properties)).toEqual(
      expect.arrayContaining(['error', 'status_code', 'details']),
    );
  });

  it('gives unknown routes and bad bodies the one error shape', async () => {
    const missing = await api(t.url, '/api/nope');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      error: 'Cannot GET /api/nope',
      status_code: 404,
      path: '/api/nope',
      timestamp: expect.any(String),
    });

    const badJson = await api(t.url, '/api/agents', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":',
    });
    expect(badJson.status).toBe(400);
    expect(badJson.body).toMatchObject({ error: expect.stringContaining('JSON'), status_code: 400 });
  });

  it('names the path of a request refused by a middleware (origin, content type), not the path left after its mount', async () => {
    const crossSite = await api(t.url, '/api/events?x=1', {
      method: 'POST',
      headers: { origin: 'http://evil.example' },
      json: { event_type: 'x' },
    });
    expect(crossSite.body).toMatchObject({ status_code: 403, path: '/api/events?x=1' });
    const textPlain = await api(t.url, '/api/backups', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'type=full',
    });
    expect(textPlain.body).toMatchObject({ status_code: 415, path: '/api/backups' });
  });

  it('answers requests that fail before routing (headers too large, a malformed request) in the error shape', async () => {
    const raw = (request: string) =>
      new Promise<string>((resolve, reject) => {
        const { port } = new URL(t.url);
        const socket = connect(Number(port), '127.0.0.1', () => socket.write(request));
        let answer = '';
        socket.on('data', (chunk) => (answer += chunk));
        socket.on('end', () => resolve(answer));
        socket.on('error', reject);
      });
    const parse = (answer: string) => ({
      status: Number(answer.split(' ')[1]),
      body: JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)),
    });
    const huge = parse(
      await raw(`GET /api/health HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`),
    );
    expect(huge).toEqual({
      status: 431,
      body: { error: 'Request headers are too large', status_code: 431, path: '', timestamp: expect.any(String) },
    });
    // Answered without a body when it was a HEAD, which a client would read as the start of another answer.
    const head = await raw(`HEAD /api/health HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`);
    expect(head).toMatch(/^HTTP\/1.1 431 .*\r\n\r\n$/s);
    const garbage = parse(await raw('NOT HTTP AT ALL\r\n\r\n'));
    expect(garbage).toMatchObject({ status: 400, body: { error: 'Malformed HTTP request', status_code: 400 } });
    expect((await api(t.url, '/api/health')).status).toBe(200);
  });

  it('lets a client that is still sending a large body read the 431 for its headers (the fuzzer saw the connection reset instead)', async () => {
    const body = Buffer.alloc(1_100_000, 'x');
    const attempt = () =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          `${t.url}/api/notifications/webhooks/${'x'.repeat(20_000)}`,
          { method: 'DELETE', headers: { 'content-type': 'application/json' } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    const statuses = [];
    for (let i = 0; i < 50; i++) statuses.push(await attempt());
    expect(new Set(statuses)).toEqual(new Set([431]));
  });

  it('refuses writes from pages of other origins, and bodies a page can send cross-site without asking, whatever the token', async () => {
    const form = (path: string, origin?: string) =>
      api(t.url, path, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(origin && { origin }) },
        body: 'type=full',
      });
    // What a cross-site <form> sends: refused before anything runs, and nothing is made.
    expect((await form('/api/backups', 'http://evil.example')).status).toBe(403);
    expect((await form('/api/backups/20260101_000000/restore', 'http://evil.example')).status).toBe(403);
    const noOrigin = await form('/api/backups');
    expect(noOrigin.status).toBe(415);
    expect(noOrigin.body).toMatchObject({ status_code: 415, error: expect.stringContaining('application/json') });
    const textPlain = await api(t.url, '/api/events', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{"event_type":"x"}',
    });
    expect(textPlain.status).toBe(415);
    const crossFetch = await api(t.url, '/api/events', {
      method: 'POST',
      headers: { origin: 'http://evil.example' },
      json: { event_type: 'x' },
    });
    expect(crossFetch.status).toBe(403);
    expect(crossFetch.body).toMatchObject({ status_code: 403, origin: 'http://evil.example' });
    // The dashboard's own page (same origin), a listed origin, and scripts (no Origin) write as before.
    const host = new URL(t.url).host;
    expect(
      (
        await api(t.url, '/api/events', {
          method: 'POST',
          headers: { origin: `http://${host}` },
          json: { event_type: 'same_origin' },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await api(t.url, '/api/events', {
          method: 'POST',
          headers: { origin: 'http://dash.example' },
          json: { event_type: 'listed' },
        })
      ).status,
    ).toBe(201);
    expect((await api(t.url, '/api/events', { method: 'POST', json: { event_type: 'script' } })).status).toBe(201);
    expect((await api(t.url, '/api/system/metrics/collect', { method: 'POST' })).status).toBe(200);
    expect((await api(t.url, '/api/backups')).body.backups).toEqual([]);
  });

  it('answers CORS for listed origins only', async () => {
    const allowed = await fetch(`${t.url}/api/agents`, { headers: { origin: 'http://dash.example' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://dash.example');
    const other = await fetch(`${t.url}/api/agents`, { headers: { origin: 'http://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('reports health from real checks', async () => {
    const { status, body } = await api(t.url, '/api/health');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      status: 'healthy',
      services: {
        api: { status: 'up' },
        database: { status: 'up' },
        workspace: { status: 'up', agents: 6, watching: true },
        disk: { status: 'up' },
      },
    });
    expect(Date.parse(body.timestamp)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('writes status.json at start with counts', async () => {
    const status = JSON.parse(
      await import('node:fs/promises').then((fs) => fs.readFile(join(t.dataDir, 'status.json'), 'utf8')),
    );
    expect(status).toMatchObject({
      service: 'mission-control',
      state: 'running',
      pid: process.pid,
      counts: { agents: 6, tasks: 3, events_logged: expect.any(Number) },
      last_collection: null,
      last_backup: null,
    });
  });
});

describe('MC_API_TOKEN', () => {
  let t: TestApp;
  const token = 's3cret-token';

  beforeAll(async () => {
    t = await startApp({ env: { MC_API_TOKEN: token, MC_CORS_ORIGINS: 'http://x.example' } });
  });

  afterAll(async () => {
    await t.close();
    await removeDirs(t.workspace, t.dataDir);
  });

  it('keeps reads open', async () => {
    expect((await api(t.url, '/api/agents')).status).toBe(200);
  });

  it.each(['POST', 'PUT', 'PATCH', 'DELETE'])('refuses %s without the token, or with a wrong one', async (method) => {
    const none = await api(t.url, '/api/agents/forge', { method });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(none.body).toMatchObject({ status_code: 401, error: expect.stringContaining('Authorization: Bearer') });
    const wrong = await api(t.url, '/api/agents/forge', { method, headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('Invalid API token');
  });

  it('refuses a write without the token before reading its body: neither parsed (401, not 400) nor counted among the events in progress', async () => {
    const broken = `{"events": [${'{"event_type": "x"},'.repeat(50_000)}`;
    const refused = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const answer = await fetch(`${t.url}/api/events/batch`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: broken,
        });
        await answer.arrayBuffer();
        return answer.status;
      }),
    );
    expect(refused).toEqual(Array(20).fill(401));
    const parsed = await api(t.url, '/api/events/batch', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: broken,
    });
    expect(parsed.status).toBe(400);
  });

  it('lets a request with the right token through to the route', async () => {
    const res = await api(t.url, '/api/agents/forge', {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(404);
  });

  it('lets CORS preflight through', async () => {
    const res = await fetch(`${t.url}/api/agents`, {
      method: 'OPTIONS',
      headers: { origin: 'http://x.example', 'access-control-request-method': 'POST' },
    });
    expect(res.status).toBe(204);
  });
});

// metrics.db is SQLite's file: on PostgreSQL the server keeps the data, and its own checks.
(testEngine === 'sqlite' ? describe : describe.skip)('A corrupt database', () => {
  it('stops the start with a message naming the file, and leaves the file as it was', async () => {
    const dataDir = await makeTempDir('mc-corrupt-');
    const file = join(dataDir, 'metrics.db');
    const garbage = "this is not a sqlite database, but it might be somebody's only copy".repeat(100);
    await writeFile(file, garbage);
    await expect(startApp({ dataDir })).rejects.toThrow(
      new RegExp(`Database ${file} is unreadable or corrupt .*Move it aside`),
    );
    const { readFile } = await import('node:fs/promises');
    expect(await readFile(file, 'utf8')).toBe(garbage);
    await removeDirs(dataDir);
  });
});

describe('Health with the database down', () => {
  it('answers 503 unhealthy, naming the database, while the other checks still answer', async () => {
    const t = await startApp();
    try {
      expect((await api(t.url, '/api/health')).status).toBe(200);
      // The app's own connection, closed under it: every query now fails, as with a database that went away.
      await t.app.get(DataSource).destroy();
      const { status, body } = await api(t.url, '/api/health');
      expect(status).toBe(503);
      expect(body).toMatchObject({
        status: 'unhealthy',
        services: {
          api: { status: 'up' },
          database: { status: 'down' },
          workspace: { status: 'up', agents: 6 },
          disk: { status: 'up' },
        },
      });
    } finally {
      await t.close();
      await removeDirs(t.workspace, t.dataDir);
    }
  });
});
