import { EventForwarder, ForwarderOptions, McEvent } from './forwarder';
import { BoundedQueue } from './queue';
import { freePort, sleep, TestServer, waitFor } from './test-server';

const event = (n: number, extra: Record<string, unknown> = {}): McEvent => ({
  event_type: 'tool_called',
  agent_id: 'main',
  timestamp: new Date().toISOString(),
  data: { n, ...extra },
});
const numbers = (events: McEvent[]) => events.map((e) => e.data.n);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('BoundedQueue', () => {
  it('keeps order, and when full drops the oldest and says so', () => {
    const q = new BoundedQueue<number>(3);
    expect([1, 2, 3].map((n) => q.push(n))).toEqual([false, false, false]);
    expect(q.push(4)).toBe(true);
    expect(q.size).toBe(3);
    expect(q.take(2)).toEqual([2, 3]);
    q.push(5);
    q.push(6);
    expect(q.push(7)).toBe(true);
    expect(q.take(10)).toEqual([5, 6, 7]);
    expect(q.size).toBe(0);
  });
});

describe('EventForwarder against a real local server', () => {
  let server: TestServer | undefined;
  const forwarders: EventForwarder[] = [];
  const make = (options: Partial<ForwarderOptions> & { url: string }) => {
    const f = new EventForwarder({ retryBaseMs: 20, retryMaxMs: 100, ...options });
    forwarders.push(f);
    return f;
  };

  afterEach(async () => {
    // Stop retry loops of failing cases before their server goes, so nothing outlives the test.
    await Promise.all(forwarders.splice(0).map((f) => f.shutdown(200)));
    await server?.close();
    server = undefined;
  });

  it('bounds the queue: the oldest events are dropped and counted', async () => {
    server = await TestServer.start();
    const f = make({ url: server.url, capacity: 5, flushIntervalMs: 60_000 });
    for (const n of range(0, 8)) f.enqueue(event(n));
    expect(f.stats()).toMatchObject({ pending: 5, dropped: 3, sent: 0 });
    await expect(f.shutdown()).resolves.toBe(true);
    expect(numbers(server.delivered())).toEqual([3, 4, 5, 6, 7]);
    expect(f.stats()).toMatchObject({ pending: 0, dropped: 3, sent: 5 });
  });

  it('posts as soon as 200 events wait, at most 200 per request, in order', async () => {
    server = await TestServer.start();
    const f = make({ url: server.url, flushIntervalMs: 60_000 });
    for (const n of range(0, 199)) f.enqueue(event(n));
    await sleep(200);
    expect(server.received).toHaveLength(0);
    f.enqueue(event(199));
    await waitFor(() => server!.received.length === 1);
    expect(server.received[0].events).toHaveLength(200);

    for (const n of range(200, 650)) f.enqueue(event(n));
    await waitFor(() => f.stats().pending === 0);
    expect(server.received.map((b) => b.events.length)).toEqual([200, 200, 200, 50]);
    expect(numbers(server.delivered())).toEqual(range(0, 650));
    expect(server.received[0].url).toBe('/api/events/batch');
    expect(server.received[0].headers['content-type']).toBe('application/json');
  });

  it('flushes a few waiting events after about a second', async () => {
    server = await TestServer.start();
    const f = make({ url: `${server.url}/` });
    const start = Date.now();
    f.enqueue(event(1));
    f.enqueue(event(2));
    await sleep(700);
    expect(server.received).toHaveLength(0);
    await waitFor(() => server!.received.length === 1, 2000);
    expect(Date.now() - start).toBeGreaterThanOrEqual(950);
    expect(numbers(server.delivered())).toEqual([1, 2]);
  });

  it('flushes within soonFlushMs when asked to, instead of waiting for the interval', async () => {
    server = await TestServer.start();
    const f = make({ url: server.url, flushIntervalMs: 60_000, soonFlushMs: 50 });
    f.flushSoon();
    f.enqueue(event(1));
    await sleep(150);
    expect(server.received).toHaveLength(0);
    f.flushSoon();
    f.enqueue(event(2));
    await waitFor(() => server!.received.length === 1, 300);
    expect(numbers(server.delivered())).toEqual([1, 2]);
  });

  it('retries 5xx and 429 answers with backoff; every event arrives once, in order', async () => {
    const answers: number[] = [500, 503, 429, 500];
    server = await TestServer.start(() => answers.shift() ?? 201);
    const f = make({ url: server.url, batchSize: 50, flushIntervalMs: 10 });
    for (const n of range(0, 120)) f.enqueue(event(n));
    await sleep(30);
    for (const n of range(120, 300)) f.enqueue(event(n));
    await waitFor(() => f.stats().pending === 0);
    expect(numbers(server.delivered())).toEqual(range(0, 300));
    expect(server.received.filter((b) => b.status !== 201)).toHaveLength(4);
    // A failed batch is resent as it was, before anything newer.
    expect(numbers(server.received[1].events)).toEqual(numbers(server.received[0].events));
    expect(f.stats()).toMatchObject({ sent: 300, dropped: 0, rejected: 0 });
  });

  it('waits out a server that refuses connections, then delivers everything in order', async () => {
    const port = await freePort();
    const warnings: string[] = [];
    const f = make({ url: `http://127.0.0.1:${port}`, flushIntervalMs: 10, logger: { warn: (m) => warnings.push(m) } });
    for (const n of range(0, 50)) f.enqueue(event(n));
    await sleep(300);
    for (const n of range(50, 100)) f.enqueue(event(n));
    expect(f.stats().sent).toBe(0);
    server = await TestServer.start(() => 201, port);
    await waitFor(() => f.stats().pending === 0, 3000);
    expect(numbers(server.delivered())).toEqual(range(0, 100));
    // Several failed attempts, one log line: the rest are held back by the rate limit.
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/retrying with backoff/);
  });

  it('drops a batch refused with a 4xx, counts it, logs once, and goes on', async () => {
    server = await TestServer.start((batch) => (batch.events.some((e) => e.data.bad) ? 400 : 201));
    const errors: string[] = [];
    const f = make({
      url: server.url,
      batchSize: 10,
      flushIntervalMs: 10,
      logger: { warn: () => undefined, error: (m) => errors.push(m) },
    });
    for (const n of range(0, 30)) f.enqueue(event(n, n === 12 || n === 25 ? { bad: true } : {}));
    await waitFor(() => f.stats().pending === 0);
    expect(numbers(server.delivered())).toEqual(range(0, 10));
    expect(server.received).toHaveLength(3);
    expect(f.stats()).toMatchObject({ sent: 10, rejected: 20 });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/HTTP 400/);
  });

  it('sends the token as a bearer header, and none without one', async () => {
    server = await TestServer.start();
    const withToken = make({ url: server.url, token: 's3cret' });
    const without = make({ url: server.url });
    withToken.enqueue(event(1));
    await withToken.shutdown();
    without.enqueue(event(2));
    await without.shutdown();
    expect(server.received[0].headers.authorization).toBe('Bearer s3cret');
    expect(server.received[1].headers.authorization).toBeUndefined();
  });

  it('gives up a shutdown flush after 2 s when the server hangs, leaving nothing running', async () => {
    server = await TestServer.start(() => 'hang');
    const f = make({ url: server.url, flushIntervalMs: 10, requestTimeoutMs: 30_000 });
    f.enqueue(event(1));
    // A post is already hanging when the shutdown starts.
    await waitFor(() => server!.received.length === 1);
    f.enqueue(event(2));
    const start = Date.now();
    await expect(f.shutdown()).resolves.toBe(false);
    const elapsed = Date.now() - start;
    expect(elapsed).toBeGreaterThanOrEqual(1900);
    expect(elapsed).toBeLessThan(2500);
    expect(f.stats().pending).toBe(2);
  });

  it('delivers on shutdown what the interval has not flushed yet', async () => {
    server = await TestServer.start();
    const f = make({ url: server.url, flushIntervalMs: 60_000 });
    for (const n of range(0, 3)) f.enqueue(event(n));
    await expect(f.shutdown()).resolves.toBe(true);
    expect(numbers(server.delivered())).toEqual([0, 1, 2]);
  });
});
