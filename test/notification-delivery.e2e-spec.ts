import { readFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DatabaseWriter } from '../src/database/database-writer';
import { Delivery } from '../src/notifications/delivery.entity';
import { api, holdsFor, removeDirs, startApp, TestApp, waitFor } from './support/app-harness';
import { WebhookReceiver } from './support/webhook-receiver';

const TOKEN = 'delivery-token';
const auth = { authorization: `Bearer ${TOKEN}` };
const HOUR = 3_600_000;
const VERSION = (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string })
  .version;

interface DeliveryRow {
  id: number;
  status: string;
  attempts: number;
  http_status: number | null;
  last_error: string | null;
  next_attempt_at: string | null;
  last_attempt_at: string | null;
}

/** Channels, rules that fire at the first event of their own type, and the delivery log, over the API. */
function deliveryHarness(t: () => TestApp) {
  let n = 0;
  const post = (path: string, json: unknown) => api(t().url, path, { method: 'POST', json, headers: auth });
  return {
    post,
    channel: async (url: string, fields: Record<string, unknown> = {}) => {
      const { status, body } = await post('/api/notifications/webhooks', { name: `channel ${++n}`, url, ...fields });
      expect(status).toBe(201);
      return body as { id: string };
    },
    rule: async (channels: string[]) => {
      const type = `release_failed_${++n}`;
      const { status, body } = await post('/api/alerts/rules', {
        name: `Releases ${n}`,
        kind: 'event_count',
        params: { event_type: type, at_least: 1, window_minutes: 60 },
        channels,
      });
      expect(status).toBe(201);
      return { rule: body, type, fire: () => post('/api/events', { event_type: type, agent_id: 'forge' }) };
    },
    deliveries: async (channelId: string): Promise<DeliveryRow[]> =>
      (await api(t().url, `/api/notifications/deliveries?channel_id=${channelId}`)).body.deliveries,
  };
}

describe('Webhook delivery: backoff, giving up, answers, concurrency and channels that go away', () => {
  let t: TestApp;
  const receivers: WebhookReceiver[] = [];
  const h = deliveryHarness(() => t);
  const receiver = async (...args: Parameters<typeof WebhookReceiver.start>) => {
    const r = await WebhookReceiver.start(...args);
    receivers.push(r);
    return r;
  };
  /** The one delivery of a channel once `check` holds for it. */
  const deliveryWhen = (channelId: string, check: (d: DeliveryRow) => boolean, timeoutMs: number, what: string) =>
    waitFor(async () => (await h.deliveries(channelId)).find(check), timeoutMs, what);

  beforeAll(async () => {
    t = await startApp({ env: { MC_API_TOKEN: TOKEN, MC_METRICS_INTERVAL: '3600', MC_WEBHOOK_RETRY_BASE: '0.5' } });
  });

  afterAll(async () => {
    await t?.close();
    await Promise.all(receivers.map((r) => r.close()));
    await removeDirs(t?.workspace, t?.dataDir);
  });

  it('retries after about MC_WEBHOOK_RETRY_BASE, then twice and four times as long (±25 %), as one notification with the User-Agent', async () => {
    const arrivals: number[] = [];
    const r = await receiver((i) => (arrivals.push(Date.now()), i < 4 ? { status: 500, body: 'down' } : 200));
    const c = await h.channel(r.url);
    const { fire } = await h.rule([c.id]);
    await fire();
    // Each attempt records when it was made and when the next is due: the wait the worker chose.
    const waits: number[] = [];
    for (const attempt of [1, 2, 3, 4]) {
      const d = await deliveryWhen(c.id, (x) => x.attempts === attempt, 20_000, `attempt ${attempt} recorded`);
      expect(d).toMatchObject({ status: 'pending', http_status: 500, last_error: 'HTTP 500: down' });
      waits.push(Date.parse(d.next_attempt_at!) - Date.parse(d.last_attempt_at!));
    }
    waits.forEach((wait, i) => {
      expect(wait).toBeGreaterThanOrEqual(0.75 * 500 * 2 ** i);
      expect(wait).toBeLessThanOrEqual(1.25 * 500 * 2 ** i);
    });
    await deliveryWhen(c.id, (x) => x.status === 'delivered', 20_000, 'the fifth attempt delivered');
    // The receiver saw those waits too (less a little: the wait is counted from the recording, after the answer).
    await r.waitFor(5);
    arrivals.slice(1).forEach((at, i) => expect(at - arrivals[i]).toBeGreaterThanOrEqual(0.75 * 500 * 2 ** i - 50));
    expect(new Set(r.received.map((x) => x.headers['x-mc-delivery'])).size).toBe(1);
    for (const request of r.received)
      expect(request.headers).toMatchObject({ 'user-agent': `MissionControl/${VERSION}`, 'x-mc-event': 'fired' });
  });

  it('gives a notification up as failed once its next attempt would come more than 24 hours after it was queued', async () => {
    const r = await receiver(() => ({ status: 503, body: 'maintenance' }));
    const c = await h.channel(r.url);
    const { fire } = await h.rule([c.id]);
    await fire();
    const first = await deliveryWhen(c.id, (x) => x.attempts >= 1, 10_000, 'the first attempt');
    // The test's own way into the real outbox: the row says it was queued long ago. An attempt already
    // under way may have read the row before, so each age is judged by the second attempt after it.
    const queuedAgo = (ms: number) =>
      t.app
        .get(DatabaseWriter)
        .transaction((m) =>
          m.update(Delivery, { id: first.id }, { created_at: new Date(Date.now() - ms).toISOString() }),
        );

    await queuedAgo(23 * HOUR);
    const at23h = (await h.deliveries(c.id))[0].attempts;
    const still = await deliveryWhen(c.id, (x) => x.attempts >= at23h + 2, 20_000, 'two more attempts at 23 hours');
    expect(still).toMatchObject({ status: 'pending', next_attempt_at: expect.any(String) });

    await queuedAgo(24 * HOUR + 60_000);
    const failed = await deliveryWhen(c.id, (x) => x.status === 'failed', 20_000, 'the delivery given up');
    expect(failed).toMatchObject({
      status: 'failed',
      http_status: 503,
      last_error: 'HTTP 503: maintenance',
      next_attempt_at: null,
    });
    const sent = r.received.length;
    await holdsFor(async () => r.received.length === sent, 3000, 'no attempt after giving up');
    expect((await api(t.url, '/metrics')).body).toContain(
      `mission_control_notifications_total{channel="${c.id}",outcome="failed"} 1`,
    );
  });

  it('reads at most 64 KiB of an answer: a receiver sending 64 MiB is cut off, and its status and first words recorded', async () => {
    const TOTAL = 64 * 1024 * 1024;
    let flushed = -1;
    const server: Server = createServer((req, res) => {
      req.resume();
      res.writeHead(500, { 'content-type': 'text/plain', 'content-length': String(TOTAL) });
      const chunk = Buffer.alloc(256 * 1024, 'a');
      let sent = 0;
      res.once('close', () => (flushed = req.socket.bytesWritten));
      const more = () => {
        while (sent < TOTAL && !res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', more);
        }
        res.end();
      };
      more();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const c = await h.channel(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`);
      const { status, body } = await h.post(`/api/notifications/webhooks/${c.id}/test`, {});
      expect(status).toBe(200);
      expect(body).toMatchObject({
        status: 'failed',
        http_status: 500,
        last_error: expect.stringMatching(/^HTTP 500: a{100,}$/),
      });
      await waitFor(async () => flushed >= 0, 10_000, 'the answer to end');
      // What the service read, plus what the two kernels' socket buffers held: far from the whole answer.
      expect(flushed).toBeLessThan(TOTAL / 2);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('runs at most 4 deliveries to one channel at once', async () => {
    const r = await receiver((i) => (i < 4 ? 'hang' : 200));
    const c = await h.channel(r.url);
    const rules = await Promise.all([1, 2, 3, 4, 5, 6].map(() => h.rule([c.id])));
    await h.post('/api/events/batch', { events: rules.map(({ type }) => ({ event_type: type, agent_id: 'forge' })) });
    await r.waitFor(4);
    await waitFor(async () => (await h.deliveries(c.id)).length === 6, 5000, 'six deliveries due');
    // Six are due and four receivers hang: the other two wait for a free slot.
    await holdsFor(async () => r.received.length === 4, 2000, 'four requests at most');
    await waitFor(
      async () => (await h.deliveries(c.id)).every((d) => d.status === 'delivered'),
      30_000,
      'all six delivered',
    );
    // The four that hung timed out once each, then went through; the two that waited went through at once.
    expect((await h.deliveries(c.id)).map((d) => d.attempts).sort()).toEqual([1, 1, 2, 2, 2, 2]);
  });

  it('fails a delivery to a channel disabled meanwhile with that reason, and queues nothing new for it', async () => {
    const r = await receiver(() => 500);
    const c = await h.channel(r.url);
    const { fire } = await h.rule([c.id]);
    await fire();
    await deliveryWhen(c.id, (x) => x.attempts >= 1, 10_000, 'the first attempt');
    expect(
      (
        await api(t.url, `/api/notifications/webhooks/${c.id}`, {
          method: 'PATCH',
          json: { enabled: false },
          headers: auth,
        })
      ).status,
    ).toBe(200);
    const sent = r.received.length;
    const failed = await deliveryWhen(c.id, (x) => x.status === 'failed', 10_000, 'the delivery failed');
    expect(failed).toMatchObject({ http_status: null, last_error: 'the channel is disabled', next_attempt_at: null });
    // An attempt already under way when the channel was disabled may still arrive; none after it.
    expect(r.received.length).toBeLessThanOrEqual(sent + 1);

    const second = await h.rule([c.id]);
    await second.fire();
    await waitFor(
      async () => (await api(t.url, `/api/alerts?rule_id=${second.rule.id}`)).body.alerts.length === 1,
      5000,
      'the second rule to fire',
    );
    expect(await h.deliveries(c.id)).toHaveLength(1);
  });
});

describe('Webhook delivery: deleting a channel', () => {
  let t: TestApp;
  let r: WebhookReceiver;
  const h = deliveryHarness(() => t);

  beforeAll(async () => {
    // Retries minutes apart: a pending delivery that fails at once was failed by the DELETE, not by a retry.
    t = await startApp({ env: { MC_API_TOKEN: TOKEN, MC_METRICS_INTERVAL: '3600', MC_WEBHOOK_RETRY_BASE: '300' } });
    r = await WebhookReceiver.start(() => 503);
  });

  afterAll(async () => {
    await t?.close();
    await r?.close();
    await removeDirs(t?.workspace, t?.dataDir);
  });

  it('fails its pending deliveries with the reason as it deletes it', async () => {
    const c = await h.channel(r.url);
    const other = await h.channel(`${r.url}?other`);
    const { fire } = await h.rule([c.id, other.id]);
    await fire();
    const pending = await waitFor(
      async () => (await h.deliveries(c.id)).find((d) => d.attempts === 1),
      10_000,
      'the first attempt',
    );
    expect(Date.parse(pending.next_attempt_at!) - Date.now()).toBeGreaterThan(60_000);
    await waitFor(async () => (await h.deliveries(other.id))[0]?.attempts === 1, 10_000, 'the other channel attempted');

    expect((await api(t.url, `/api/notifications/webhooks/${c.id}`, { method: 'DELETE', headers: auth })).status).toBe(
      200,
    );
    expect(await h.deliveries(c.id)).toEqual([
      expect.objectContaining({
        status: 'failed',
        attempts: 1,
        http_status: 503,
        last_error: 'the channel was deleted',
        next_attempt_at: null,
      }),
    ]);
    expect(await h.deliveries(other.id)).toEqual([
      expect.objectContaining({ status: 'pending', last_error: 'HTTP 503' }),
    ]);
    expect(
      (await api(t.url, '/api/notifications/deliveries?status=failed')).body.deliveries.map(
        (d: { channel_id: string }) => d.channel_id,
      ),
    ).toEqual([c.id]);
  });
});
