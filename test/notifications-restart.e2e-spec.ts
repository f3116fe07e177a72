import { join } from 'node:path';
import { api, FIXTURE_WORKSPACE, makeTempDir, removeDirs, waitFor } from './support/app-harness';
import { ServiceProcess, spawnService } from './support/service-process';
import { Reply, WebhookReceiver } from './support/webhook-receiver';

/** The service as a child process on a data folder of its own, a channel to `receiver` and a rule that fires on one event. */
async function scenario(dataDir: string, receivers: WebhookReceiver[]) {
  const env = {
    MC_WORKSPACE: FIXTURE_WORKSPACE,
    MC_DATA_DIR: dataDir,
    MC_BACKUP_DIR: join(dataDir, 'backups'),
    MC_OPENCLAW: 'off',
    MC_METRICS_INTERVAL: '3600',
    MC_WEBHOOK_RETRY_BASE: '2',
  };
  const run = spawnService('src/main.ts', [], env);
  const url = await run.url();
  const post = async (path: string, json: unknown) => (await api(url, path, { method: 'POST', json })).body;
  const channels = [];
  for (const [i, r] of receivers.entries())
    channels.push(await post('/api/notifications/webhooks', { name: `Receiver ${i}`, url: r.url }));
  const rule = await post('/api/alerts/rules', {
    name: 'Deploys',
    kind: 'event_count',
    params: { event_type: 'deploy_failed', at_least: 1, window_minutes: 60 },
    channels: channels.map((c) => c.id),
  });
  await post('/api/events', { event_type: 'deploy_failed', agent_id: 'forge' });
  return { env, run, url, channels, rule };
}

const deliveriesOf = async (base: string, channelId: string) =>
  (await api(base, `/api/notifications/deliveries?channel_id=${channelId}`)).body.deliveries;
const alertsOf = async (base: string, ruleId: string) => (await api(base, `/api/alerts?rule_id=${ruleId}`)).body.alerts;

describe('Durable delivery across a crash', () => {
  jest.setTimeout(120_000);
  let dataDir: string;
  let run: ServiceProcess | undefined;
  const receivers: WebhookReceiver[] = [];
  const receiver = async (reply: (n: number) => Reply) => {
    const r = await WebhookReceiver.start(reply);
    receivers.push(r);
    return r;
  };

  beforeEach(async () => {
    dataDir = await makeTempDir('mc-crash-');
  });

  afterEach(async () => {
    if (run?.child.exitCode === null) await run.stop();
    run = undefined;
    await Promise.all(receivers.splice(0).map((r) => r.close()));
    await removeDirs(dataDir);
  });

  it('delivers what was pending when the service was killed (SIGKILL) once it restarts, and nothing twice to a receiver that had answered', async () => {
    const answered = await receiver(() => 200);
    let healed = false;
    const down = await receiver(() => (healed ? 200 : 503));
    const s = await scenario(dataDir, [answered, down]);
    run = s.run;
    const [a, b] = s.channels;
    await answered.waitFor(1);
    await down.waitFor(1);
    await waitFor(
      async () => (await deliveriesOf(s.url, a.id))[0]?.status === 'delivered',
      5000,
      'the first receiver marked delivered',
    );
    await waitFor(async () => (await deliveriesOf(s.url, b.id))[0]?.attempts >= 1, 5000, 'the failed attempt recorded');
    const [pending] = await deliveriesOf(s.url, b.id);
    expect(pending).toMatchObject({ status: 'pending', http_status: 503 });
    const [alert] = await alertsOf(s.url, s.rule.id);

    run.child.kill('SIGKILL');
    await run.exited;
    healed = true;
    run = spawnService('src/main.ts', [], s.env);
    const again = await run.url();
    await waitFor(
      async () => (await deliveriesOf(again, b.id))[0]?.status === 'delivered',
      30_000,
      'the pending delivery after the restart',
    );
    expect(down.accepted()).toHaveLength(1);
    expect(down.accepted()[0].json).toMatchObject({ event: 'fired', alert: { id: alert.id, rule_id: s.rule.id } });
    expect(answered.received).toHaveLength(1);
    // The same delivery resumed, of the same alert: not fired again as a new one.
    expect((await deliveriesOf(again, b.id)).map((d: { id: number }) => d.id)).toEqual([pending.id]);
    expect(await alertsOf(again, s.rule.id)).toEqual([expect.objectContaining({ id: alert.id, state: 'firing' })]);
  });

  it.each([
    ['killed (SIGKILL)', 'SIGKILL'],
    ['stopped (SIGTERM)', 'SIGTERM'],
  ] as const)(
    'resumes an attempt cut mid-flight when the service is %s while the receiver holds the request: the same delivery of the same alert, once',
    async (_what, signal) => {
      let holding = true;
      const r = await receiver(() => (holding ? 'hang' : 200));
      const s = await scenario(dataDir, [r]);
      run = s.run;
      const [held] = await r.waitFor(1);
      const [alert] = await alertsOf(s.url, s.rule.id);
      const [delivery] = await deliveriesOf(s.url, s.channels[0].id);
      expect(delivery).toMatchObject({ status: 'pending', attempts: 0 });
      expect(held.headers['x-mc-delivery']).toBe(String(delivery.id));

      run.child.kill(signal);
      const exit = await run.exited;
      // A shutdown does not wait for the receiver: it cuts the attempt short and stops cleanly.
      if (signal === 'SIGTERM') expect(exit).toEqual({ code: 0, signal: null });
      holding = false;
      run = spawnService('src/main.ts', [], s.env);
      const again = await run.url();
      await waitFor(
        async () => (await deliveriesOf(again, s.channels[0].id))[0]?.status === 'delivered',
        30_000,
        'the cut delivery after the restart',
      );
      // The cut attempt was not counted, and the same delivery came again with its X-MC-Delivery.
      expect(await deliveriesOf(again, s.channels[0].id)).toEqual([
        expect.objectContaining({ id: delivery.id, attempts: 1, alert_id: alert.id }),
      ]);
      expect(r.received.map((x) => x.headers['x-mc-delivery'])).toEqual([String(delivery.id), String(delivery.id)]);
      expect(r.accepted()).toHaveLength(1);
      expect(r.accepted()[0].json).toMatchObject({ event: 'fired', alert: { id: alert.id } });
      expect(await alertsOf(again, s.rule.id)).toEqual([expect.objectContaining({ id: alert.id, state: 'firing' })]);
    },
  );
});
