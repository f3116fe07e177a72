import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { Client } from 'pg';
import { api, freePort, holdsFor, waitFor } from '../support/app-harness';
import { Received, WebhookReceiver } from '../support/webhook-receiver';
import { Cluster } from './cluster-harness';

/**
 * A Redis of this file's own, on a port of its own: stopping it (the bus down) touches no other suite,
 * and the other cluster suite's FLUSHALL and restart of the machine's Redis do not touch it.
 */
class OwnRedis {
  private child: ChildProcess | null = null;
  private constructor(readonly port: number) {}

  static async start(): Promise<OwnRedis> {
    const redis = new OwnRedis(await freePort());
    await redis.up();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  async up(): Promise<void> {
    this.child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    await waitFor(
      async () => execFileSync('redis-cli', ['-p', String(this.port), 'ping'], { encoding: 'utf8' }).includes('PONG'),
      10_000,
      'our Redis to answer',
    );
  }

  async down(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

/** The pid of the process whose TCP socket has this local port: a webhook's sender, while its request is open. */
function senderPid(port: number): number | null {
  const sockets = execFileSync('ss', ['-tnpH', 'state', 'established', `( sport = :${port} )`], { encoding: 'utf8' });
  return Number(sockets.match(/pid=(\d+)/)?.[1]) || null;
}

describe('Cluster mode: webhooks from the leader alone, pending ones taken over, a leader that loses its connection, a bus that is down', () => {
  let cluster: Cluster;
  let redis: OwnRedis;
  const receivers: WebhookReceiver[] = [];
  let n = 0;

  beforeAll(async () => {
    redis = await OwnRedis.start();
    cluster = await Cluster.create({ MC_METRICS_INTERVAL: '1', MC_WEBHOOK_RETRY_BASE: '0.5' }, redis.url);
    await cluster.start('a', 'b', 'c');
  });

  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await cluster?.close();
    await redis?.down();
  });

  const live = () => [...cluster.instances.keys()];
  const url = (id: string) => cluster.get(id).url;
  const instanceOf = (pid: number | null) =>
    live().find((id) => cluster.get(id).process.child.pid === pid) ?? `pid ${pid}`;
  /** A receiver that notes, for each request, the instance that sent it. */
  const receiver = async (reply: (request: Received) => number | 'hang') => {
    const senders: string[] = [];
    const r = await WebhookReceiver.start((_, request) => {
      senders.push(instanceOf(senderPid(request.remotePort)));
      return reply(request);
    });
    receivers.push(r);
    return { r, senders };
  };
  /** A channel and an alert rule, made on instance `on`, that fires at the first event of its own type. */
  const ruleFor = async (on: string, hook: string) => {
    const channel = await api(url(on), '/api/notifications/webhooks', {
      method: 'POST',
      json: { name: `hook ${++n}`, url: hook },
    });
    expect(channel.status).toBe(201);
    const type = `cluster_hook_${n}`;
    const rule = await api(url(on), '/api/alerts/rules', {
      method: 'POST',
      json: {
        name: `Hooks ${n}`,
        kind: 'event_count',
        params: { event_type: type, at_least: 1, window_minutes: 60 },
        cooldown_minutes: 0,
        channels: [channel.body.id],
      },
    });
    expect(rule.status).toBe(201);
    const fire = async (at: string) =>
      expect((await api(url(at), '/api/events', { method: 'POST', json: { event_type: type, data: {} } })).status).toBe(
        201,
      );
    return { channel: channel.body.id as string, rule: rule.body.id as string, fire };
  };
  const deliveries = async (channel: string) =>
    (await api(url(live()[0]), `/api/notifications/deliveries?channel_id=${channel}`)).body.deliveries;

  it('reports health degraded, the bus down, while Redis is unreachable, and healthy again once it is back', async () => {
    const id = live()[0];
    const downServices = (body: { services: Record<string, { status: string }> }) =>
      Object.keys(body.services).filter((name) => body.services[name].status === 'down');
    // Healthy before, every service up (the first collection and the bus connected).
    const ok = await waitFor(
      async () => {
        const body = await cluster.health(id);
        if (body.status !== 'healthy') throw new Error(`${body.status}, down: ${downServices(body).join(', ')}`);
        return body;
      },
      20_000,
      'a healthy instance',
    );
    expect(ok).toMatchObject({ cluster: { bus: { up: true } }, services: { bus: { status: 'up' } } });
    await redis.down();
    try {
      const down = await waitFor(
        async () => {
          const body = await cluster.health(id);
          return body.services.bus.status === 'down' ? body : undefined;
        },
        10_000,
        'the bus down in health',
      );
      expect(down).toMatchObject({ status: 'degraded', cluster: { bus: { up: false } } });
      // Only the bus: the database and the rest are up.
      expect(downServices(down)).toEqual(['bus']);
    } finally {
      await redis.up();
    }
    await waitFor(async () => (await cluster.health(id)).status === 'healthy' || undefined, 20_000, 'healthy again');
    expect((await cluster.health(id)).services.bus.status).toBe('up');
  });

  it('delivers every notification once, from the leader, also those queued by a follower (an acknowledgement made there)', async () => {
    const leader = await cluster.leader();
    const [follower, other] = live().filter((id) => id !== leader);
    const { r, senders } = await receiver(() => 200);
    const { channel, rule, fire } = await ruleFor(follower, r.url);
    await fire(other);
    const alert = await waitFor(
      async () => (await api(url(follower), `/api/alerts?rule_id=${rule}`)).body.alerts[0],
      15_000,
      'the alert',
    );
    // Written by the follower with the acknowledgement, in one transaction: the leader sends it.
    expect(
      (await api(url(follower), `/api/alerts/${alert.id}/ack`, { method: 'POST', json: { by: 'ops' } })).status,
    ).toBe(200);
    expect(
      (await api(url(other), `/api/alerts/rules/${rule}`, { method: 'PATCH', json: { enabled: false } })).status,
    ).toBe(200);
    await waitFor(
      async () =>
        (await deliveries(channel)).filter((d: { status: string }) => d.status === 'delivered').length === 3 ||
        undefined,
      20_000,
      'three notifications delivered',
    );
    // Longer than the 5 s at which every instance looks for notifications to send: nothing comes again.
    await holdsFor(async () => r.received.length === 3, 6_000, 'three requests, no more');
    expect(r.received.map((x) => x.json.event).sort()).toEqual(['acked', 'fired', 'resolved']);
    expect(new Set(r.received.map((x) => x.headers['x-mc-delivery'])).size).toBe(3);
    expect(senders).toEqual([leader, leader, leader]);
  });

  it('sends the deliveries the leader had under way when it was SIGKILLed, from the next leader, once', async () => {
    const leader = await cluster.leader();
    let killed = false;
    // The first leader's attempts hang until it dies; the next one's are answered.
    const { r, senders } = await receiver(() => (killed ? 200 : 'hang'));
    const { channel, fire } = await ruleFor(leader, r.url);
    await fire(leader);
    await r.waitFor(1, 20_000);
    expect(senders[0]).toBe(leader);
    // SIGKILL first: whatever is answered from then on cannot come from it.
    const gone = cluster.kill(leader);
    killed = true;
    await gone;
    const next = await cluster.leader(live(), 15_000);
    await waitFor(
      async () => (await deliveries(channel))[0]?.status === 'delivered' || undefined,
      20_000,
      'the pending delivery sent by the next leader',
    );
    await holdsFor(async () => r.accepted().length === 1, 6_000, 'one accepted request');
    const [sent] = r.accepted();
    expect(sent.json.event).toBe('fired');
    expect(sent.headers['x-mc-delivery']).toBe(r.received[0].headers['x-mc-delivery']);
    expect(senders[r.received.indexOf(sent)]).toBe(next);
    expect(senders.filter((s) => s !== leader && s !== next)).toEqual([]);
  });

  it('steps a leader down at once when its database connection is cut, and another leads within 10 s', async () => {
    await cluster.start('d');
    const leader = await cluster.leader();
    const rest = live().filter((id) => id !== leader);
    const pg = new Client({ connectionString: cluster.databaseUrl });
    await pg.connect();
    // Its leadership session is ended by the server, again and again: it cannot hold one.
    const cut = () =>
      pg.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [
        `mission-control-leader ${leader}`,
      ]);
    let cutting = true;
    const cutter = (async () => {
      while (cutting) await Promise.all([cut(), new Promise((r) => setTimeout(r, 100))]);
    })();
    try {
      const cutAt = Date.now();
      await waitFor(
        async () => (await cluster.health(leader)).instance.role === 'follower' || undefined,
        10_000,
        'the leader to step down',
      );
      const steppedDown = Date.now() - cutAt;
      // Among the others: until one of them leads, the old leader may take the free lock for the moment before its next cut.
      const next = await cluster.leader(rest, 15_000);
      // No scheduled work by it while another leads: every collection slot is claimed by the new leader.
      const since = new Date().toISOString();
      await holdsFor(
        async () => (await cluster.health(leader)).instance.role === 'follower',
        3_000,
        'the old leader to follow',
      );
      const claimants = cluster.query(
        `SELECT DISTINCT "instance" FROM "scheduled_runs" WHERE "job" = 'metrics-collection' AND "slot" > '${since}'`,
      );
      expect(claimants).toEqual([next]);
      // "At once": on the connection's error, not at the next 5-second check.
      expect(steppedDown).toBeLessThan(2_500);
    } finally {
      cutting = false;
      await cutter;
      await pg.end();
    }
    await cluster.leader();
  });
});
