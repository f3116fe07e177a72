import { join } from 'node:path';
import { api, FIXTURE_WORKSPACE, makeTempDir, removeDirs, waitFor } from './support/app-harness';
import { spawnService } from './support/service-process';
import { WebhookReceiver } from './support/webhook-receiver';

describe('Durable delivery across a crash', () => {
  jest.setTimeout(120_000);

  it('delivers what was pending when the service was killed (SIGKILL) once it restarts, and nothing twice to a receiver that had answered', async () => {
    const dataDir = await makeTempDir('mc-crash-');
    const answered = await WebhookReceiver.start();
    let healed = false;
    const down = await WebhookReceiver.start(() => (healed ? 200 : 503));
    const env = {
      MC_WORKSPACE: FIXTURE_WORKSPACE,
      MC_DATA_DIR: dataDir,
      MC_BACKUP_DIR: join(dataDir, 'backups'),
      MC_OPENCLAW: 'off',
      MC_METRICS_INTERVAL: '3600',
      MC_WEBHOOK_RETRY_BASE: '2',
    };
    let run = spawnService('src/main.ts', [], env);
    try {
      const url = await run.url();
      const post = (path: string, json: unknown) => api(url, path, { method: 'POST', json });
      const a = (await post('/api/notifications/webhooks', { name: 'Answers', url: answered.url })).body;
      const b = (await post('/api/notifications/webhooks', { name: 'Down for now', url: down.url })).body;
      const rule = (await post('/api/alerts/rules', { name: 'Deploys', kind: 'event_count', params: { event_type: 'deploy_failed', at_least: 1, window_minutes: 60 }, channels: [a.id, b.id] })).body;
      await post('/api/events', { event_type: 'deploy_failed', agent_id: 'forge' });
      await answered.waitFor(1);
      await down.waitFor(1);
      const delivery = async (base: string, channelId: string) => (await api(base, `/api/notifications/deliveries?channel_id=${channelId}`)).body.deliveries[0];
      await waitFor(async () => (await delivery(url, a.id))?.status === 'delivered', 5000, 'the first receiver marked delivered');
      await waitFor(async () => (await delivery(url, b.id))?.attempts >= 1, 5000, 'the failed attempt recorded');
      expect(await delivery(url, b.id)).toMatchObject({ status: 'pending', http_status: 503 });

      run.child.kill('SIGKILL');
      await run.exited;
      healed = true;
      run = spawnService('src/main.ts', [], env);
      const again = await run.url();
      await waitFor(async () => (await delivery(again, b.id))?.status === 'delivered', 20_000, 'the pending delivery after the restart');
      expect(down.accepted()).toHaveLength(1);
      expect(down.accepted()[0].json).toMatchObject({ event: 'fired', alert: { rule_id: rule.id } });
      expect(answered.received).toHaveLength(1);
      // The alert survived the crash as it was: still the one firing alert, not fired again.
      expect((await api(again, `/api/alerts?rule_id=${rule.id}`)).body.alerts).toEqual([expect.objectContaining({ state: 'firing' })]);
    } finally {
      await run.stop();
      await answered.close();
      await down.close();
      await removeDirs(dataDir);
    }
  });
});
