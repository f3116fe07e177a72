import { request } from 'node:http';
import { connect } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import WebSocket from 'ws';
import { api, removeDirs, startApp, TestApp } from './support/app-harness';
import { TestSocket } from './support/ws-client';

interface Answer {
  status: number;
  body: any;
  headers: Record<string, string | string[] | undefined>;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** An HTTP request to the app's port with headers exactly as given (fetch will not set Host). */
function send(
  t: TestApp,
  path: string,
  headers: Record<string, string>,
  method = 'GET',
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: new URL(t.url).port, path, method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: parse(text), headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A WebSocket upgrade with these headers: 101 when it opens (then closed), else the refusal and its body. */
function upgrade(t: TestApp, headers: Record<string, string>, path = '/'): Promise<{ status: number; body?: any }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(t.wsUrl + path, { headers });
    ws.once('open', () => (ws.terminate(), resolve({ status: 101 })));
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: parse(text) }));
    });
    ws.once('error', reject);
  });
}

const portOf = (url: string) => new URL(url).port;

describe('Default configuration: same origin only, known host names only', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
  });

  afterAll(async () => {
    await t.close();
    await removeDirs(t.workspace, t.dataDir);
  });

  it('answers no CORS headers to a page of another origin, preflight included', async () => {
    const read = await api(t.url, '/api/agents', { headers: { origin: 'http://evil.example' } });
    expect(read.status).toBe(200);
    expect(read.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${t.url}/api/events`, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.headers.get('access-control-allow-methods')).toBeNull();
  });

  it('refuses writes from another origin, and takes them from its own page and from scripts', async () => {
    const cross = await api(t.url, '/api/events', {
      method: 'POST',
      headers: { origin: 'http://evil.example' },
      json: { event_type: 'cross' },
    });
    expect(cross.status).toBe(403);
    expect(cross.body).toMatchObject({
      status_code: 403,
      origin: 'http://evil.example',
      error: expect.stringContaining('MC_CORS_ORIGINS'),
    });
    const own = await api(t.url, '/api/events', {
      method: 'POST',
      headers: { origin: `http://127.0.0.1:${portOf(t.url)}` },
      json: { event_type: 'own_page' },
    });
    expect(own.status).toBe(201);
    expect((await api(t.url, '/api/events', { method: 'POST', json: { event_type: 'script' } })).status).toBe(201);
    const logged = (await api(t.url, '/api/system/events?limit=1000')).body.events.map((e: { type: string }) => e.type);
    expect(logged).toEqual(expect.arrayContaining(['own_page', 'script']));
    expect(logged).not.toContain('cross');
  });

  it.each(['/api/health', '/', '/docs', '/docs-json', '/client/mission-control-client.js', '/no/such/path'])(
    'refuses Host: evil.example on %s with 403 in the error shape',
    async (path) => {
      for (const host of ['evil.example', `evil.example:${portOf(t.url)}`]) {
        const answer = await send(t, path, { Host: host });
        expect(answer.status).toBe(403);
        expect(answer.headers['content-type']).toMatch(/^application\/json/);
        expect(answer.body).toEqual({
          error: `Host ${host} is not a name this service answers to; if you reach Mission Control by that name, add it to MC_ALLOWED_HOSTS`,
          status_code: 403,
          host,
          path,
          timestamp: expect.any(String),
        });
      }
    },
  );

  it('refuses a write to an unknown host before anything runs', async () => {
    const answer = await send(
      t,
      '/api/events',
      { Host: 'evil.example', 'Content-Type': 'application/json' },
      'POST',
      '{"event_type":"rebound"}',
    );
    expect(answer.status).toBe(403);
    const logged = (await api(t.url, '/api/system/events?type=rebound')).body.events;
    expect(logged).toEqual([]);
  });

  it('answers localhost and the loopback addresses, whatever the port and case', async () => {
    const port = portOf(t.url);
    for (const host of [
      `localhost:${port}`,
      `127.0.0.1:${port}`,
      'localhost',
      'LocalHost',
      'localhost.',
      '127.0.0.2',
      `[::1]:${port}`,
      '[0:0:0:0:0:0:0:1]',
    ]) {
      expect({ host, status: (await send(t, '/api/health', { Host: host })).status }).toEqual({ host, status: 200 });
    }
  });

  it("refuses Host values that are not host names, and the machine's own name when listening on loopback only", async () => {
    for (const host of ['evil.example@127.0.0.1', '127.0.0.1.evil.example', 'localhost.evil.example', hostname()]) {
      expect({ host, status: (await send(t, '/api/health', { Host: host })).status }).toEqual({ host, status: 403 });
    }
  });

  it('refuses a request without a Host header (HTTP/1.0)', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(portOf(t.url)), '127.0.0.1', () =>
        socket.write('GET /api/health HTTP/1.0\r\n\r\n'),
      );
      let text = '';
      socket.on('data', (chunk) => (text += chunk));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer.split(' ')[1]).toBe('403');
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({
      status_code: 403,
      error: 'Requests must carry a Host header',
      host: null,
    });
  });

  it('refuses a WebSocket upgrade to an unknown host with 403 and a JSON body that does not echo the query', async () => {
    const refused = await upgrade(t, { Host: `evil.example:${portOf(t.wsUrl)}` }, '/?token=s3cret');
    expect(JSON.stringify(refused.body)).not.toContain('s3cret');
    expect(refused).toEqual({
      status: 403,
      body: {
        error: expect.stringContaining('MC_ALLOWED_HOSTS'),
        status_code: 403,
        host: `evil.example:${portOf(t.wsUrl)}`,
        path: '/',
        timestamp: expect.any(String),
      },
    });
    expect((await upgrade(t, { Host: `localhost:${portOf(t.wsUrl)}` })).status).toBe(101);
  });

  it("refuses a WebSocket from another origin's page, and accepts the dashboard's page and clients that send no Origin", async () => {
    const refused = await upgrade(t, { Origin: 'http://evil.example' });
    expect(refused).toMatchObject({
      status: 403,
      body: { status_code: 403, origin: 'http://evil.example', error: expect.stringContaining('MC_CORS_ORIGINS') },
    });
    // Same host name on another port, or the same port under another name: other origins all the same.
    expect((await upgrade(t, { Origin: 'http://127.0.0.1:9' })).status).toBe(403);
    expect((await upgrade(t, { Origin: `http://localhost:${portOf(t.url)}` })).status).toBe(403);
    expect((await upgrade(t, { Origin: 'null' })).status).toBe(403);

    const dashboard = await TestSocket.open(t.wsUrl, { origin: `http://127.0.0.1:${portOf(t.url)}` });
    await dashboard.next((m) => m.type === 'welcome');
    dashboard.close();
    expect(
      (await upgrade(t, { Host: `localhost:${portOf(t.wsUrl)}`, Origin: `http://localhost:${portOf(t.url)}` })).status,
    ).toBe(101);
    expect((await upgrade(t, { Origin: `http://127.0.0.1:${portOf(t.wsUrl)}` })).status).toBe(101);
    const script = await TestSocket.open(t.wsUrl);
    await script.next((m) => m.type === 'welcome');
    script.close();
  });
});

describe('MC_ALLOWED_HOSTS', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ env: { MC_ALLOWED_HOSTS: 'mc.example, 192.168.50.5' } });
  });

  afterAll(async () => {
    await t.close();
    await removeDirs(t.workspace, t.dataDir);
  });

  it('lets the listed names through, on the API and the gateway, and nothing else', async () => {
    for (const host of ['mc.example', `mc.example:${portOf(t.url)}`, 'MC.example', '192.168.50.5:8080']) {
      expect({ host, status: (await send(t, '/api/health', { Host: host })).status }).toEqual({ host, status: 200 });
    }
    expect((await send(t, '/api/health', { Host: 'other.example' })).status).toBe(403);
    expect((await send(t, '/api/health', { Host: 'sub.mc.example' })).status).toBe(403);
    // The dashboard reached as mc.example connects to the gateway under that name.
    expect(
      (await upgrade(t, { Host: `mc.example:${portOf(t.wsUrl)}`, Origin: `http://mc.example:${portOf(t.url)}` }))
        .status,
    ).toBe(101);
    expect((await upgrade(t, { Host: `other.example:${portOf(t.wsUrl)}` })).status).toBe(403);
  });
});

describe('MC_HOST=0.0.0.0', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ env: { MC_HOST: '0.0.0.0' } });
  });

  afterAll(async () => {
    await t.close();
    await removeDirs(t.workspace, t.dataDir);
  });

  it("answers to the machine's name and its interface addresses, and still not to other names", async () => {
    const external = Object.values(networkInterfaces())
      .flatMap((list) => list ?? [])
      .filter((entry) => !entry.internal && !entry.address.startsWith('fe80:'))
      .map((entry) => (entry.family === 'IPv6' ? `[${entry.address}]` : entry.address));
    for (const host of [hostname(), `${hostname()}:${portOf(t.url)}`, '0.0.0.0', ...external]) {
      expect({ host, status: (await send(t, '/api/health', { Host: host })).status }).toEqual({ host, status: 200 });
    }
    expect((await send(t, '/api/health', { Host: 'evil.example' })).status).toBe(403);
    expect((await upgrade(t, { Host: `${hostname()}:${portOf(t.wsUrl)}` })).status).toBe(101);
  });
});

describe('MC_CORS_ORIGINS=*', () => {
  let open: TestApp;
  let guarded: TestApp;

  beforeAll(async () => {
    open = await startApp({ env: { MC_CORS_ORIGINS: '*' } });
    guarded = await startApp({ env: { MC_CORS_ORIGINS: '*', MC_API_TOKEN: 'tok3n' } });
  });

  afterAll(async () => {
    await open.close();
    await guarded.close();
    await removeDirs(open.workspace, open.dataDir, guarded.workspace, guarded.dataDir);
  });

  it('lets any page read, but never write without the token', async () => {
    const read = await api(open.url, '/api/agents', { headers: { origin: 'http://evil.example' } });
    expect(read.headers.get('access-control-allow-origin')).toBe('*');
    const write = (t: TestApp, headers: Record<string, string>) =>
      api(t.url, '/api/events', {
        method: 'POST',
        headers: { origin: 'http://evil.example', ...headers },
        json: { event_type: 'x' },
      });
    expect((await write(open, {})).status).toBe(403);
    expect((await write(guarded, {})).status).toBe(403);
    expect((await write(guarded, { authorization: 'Bearer tok3n' })).status).toBe(201);
  });
});
