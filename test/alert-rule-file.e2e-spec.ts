import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createApp } from '../src/app.factory';
import { api, makeTempDir, removeDirs, startApp, TestApp, withEnv } from './support/app-harness';
import { databaseEnv } from './support/test-database';
import { verifySignature, WebhookReceiver } from './support/webhook-receiver';

const TOKEN = 'file-token';
const auth = { authorization: `Bearer ${TOKEN}` };

describe('The alert rule file (MC_ALERT_RULES)', () => {
  let dir: string;
  let receiver: WebhookReceiver;
  let t: TestApp | undefined;

  beforeAll(async () => {
    dir = await makeTempDir('mc-rule-file-');
    receiver = await WebhookReceiver.start();
  });

  afterEach(async () => {
    await t?.close();
    await removeDirs(t?.workspace, t?.dataDir);
    t = undefined;
  });

  afterAll(async () => {
    await receiver?.close();
    await removeDirs(dir);
  });

  const start = (file: string, env: Record<string, string> = {}, dataDir?: string) =>
    startApp({ dataDir, env: { MC_ALERT_RULES: file, MC_API_TOKEN: TOKEN, MC_METRICS_INTERVAL: '3600', ...env } });

  it('loads channels and rules from YAML, secrets from the environment, read-only over the API; a restart with a JSON file updates them', async () => {
    const yamlFile = join(dir, 'alerts.yaml');
    await writeFile(
      yamlFile,
      `# kept in git
channels:
  - id: ops
    name: Ops hook
    format: generic
    url_env: OPS_HOOK_URL
    secret_env: OPS_HOOK_SECRET
rules:
  - id: forge-offline
    name: Forge offline
    kind: agent_offline
    params: { agent_id: forge, minutes: 10 }
    severity: critical
    channels: [ops]
  - id: errors
    name: Errors
    kind: event_count
    params: { event_type: error, at_least: 5, window_minutes: 15 }
`,
    );
    t = await start(yamlFile, { OPS_HOOK_URL: receiver.url, OPS_HOOK_SECRET: 'from-the-environment' });
    const { rules } = (await api(t.url, '/api/alerts/rules')).body;
    expect(rules.map((r: { id: string; managed: string }) => [r.id, r.managed])).toEqual([
      ['errors', 'file'],
      ['forge-offline', 'file'],
    ]);
    expect(rules[1]).toMatchObject({
      severity: 'critical',
      params: { agent_id: 'forge', minutes: 10 },
      channels: ['ops'],
      cooldown_minutes: 15,
      enabled: true,
    });
    const channel = (await api(t.url, '/api/notifications/webhooks/ops')).body;
    expect(channel).toMatchObject({ id: 'ops', managed: 'file', has_secret: true, url: receiver.url });
    expect(JSON.stringify(channel)).not.toContain('from-the-environment');

    for (const [method, path] of [
      ['PATCH', '/api/alerts/rules/errors'],
      ['DELETE', '/api/alerts/rules/errors'],
      ['PATCH', '/api/notifications/webhooks/ops'],
      ['DELETE', '/api/notifications/webhooks/ops'],
    ]) {
      const { status, body } = await api(t.url, path, {
        method,
        json: method === 'PATCH' ? { enabled: false } : undefined,
        headers: auth,
      });
      expect(status).toBe(409);
      expect(body.error).toContain('comes from the rule file (MC_ALERT_RULES) and is read-only');
    }
    // The file's channel signs with the secret from the environment.
    expect(
      (await api(t.url, '/api/notifications/webhooks/ops/test', { method: 'POST', headers: auth })).body.status,
    ).toBe('delivered');
    const [signed] = receiver.received;
    expect(verifySignature('from-the-environment', signed.headers, signed.body)).toBe(true);
    expect(verifySignature('another-secret', signed.headers, signed.body)).toBe(false);
    const dataDir = t.dataDir;
    await t.close();

    const jsonFile = join(dir, 'alerts.json');
    await writeFile(
      jsonFile,
      JSON.stringify({
        channels: [{ id: 'ops', name: 'Ops hook', url: receiver.url }],
        rules: [
          {
            id: 'errors',
            name: 'Many errors',
            kind: 'event_count',
            params: { event_type: 'error', at_least: 10, window_minutes: 15 },
            channels: ['ops'],
          },
        ],
      }),
    );
    t = await start(jsonFile, {}, dataDir);
    const after = (await api(t.url, '/api/alerts/rules')).body.rules;
    expect(after).toEqual([
      expect.objectContaining({
        id: 'errors',
        name: 'Many errors',
        params: { event_type: 'error', at_least: 10, window_minutes: 15 },
        managed: 'file',
      }),
    ]);
    expect((await api(t.url, '/api/notifications/webhooks/ops')).body.has_secret).toBe(false);
    await removeDirs(dataDir);
  });

  it.each([
    [
      'an unknown kind',
      { rules: [{ id: 'r1', name: 'x', kind: 'lunar' }] },
      'rules[0] (id "r1"): kind: kind must be one of: agent_offline',
    ],
    [
      'a missing param',
      { rules: [{ id: 'r1', name: 'x', kind: 'no_backup' }] },
      'rules[0] (id "r1"): params.hours: hours must be a positive number of hours',
    ],
    [
      'an unknown channel',
      { rules: [{ id: 'r1', name: 'x', kind: 'health', channels: ['gone'] }] },
      'rules[0] (id "r1"): channels: no webhook channel has the id "gone"',
    ],
    [
      'a file: URL',
      { channels: [{ id: 'c1', name: 'x', url: 'file:///etc/passwd' }] },
      'channels[0] (id "c1"): url: url must be an http:// or https:// URL',
    ],
    [
      'an unset secret variable',
      { channels: [{ id: 'c1', name: 'x', url: 'https://example.com/h', secret_env: 'NOT_SET_ANYWHERE' }] },
      'channels[0] (id "c1"): secret_env names the environment variable "NOT_SET_ANYWHERE", which is not set',
    ],
    [
      'a misspelt field',
      { rules: [{ id: 'r1', name: 'x', kind: 'health', severty: 'info' }] },
      'rules[0] (id "r1"): severty: property severty should not exist',
    ],
    [
      'a repeated id',
      {
        rules: [
          { id: 'r1', name: 'x', kind: 'health' },
          { id: 'r1', name: 'y', kind: 'health' },
        ],
      },
      'rules has the id "r1" twice',
    ],
  ])('stops the start on a file with %s, naming the entry and the field', async (_what, content, message) => {
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify(content));
    const dataDir = await makeTempDir('mc-bad-rules-');
    // As main.ts starts it, short of listening: the start fails, and what it opened is closed.
    const app = await withEnv(
      {
        MC_ALERT_RULES: file,
        MC_DATA_DIR: dataDir,
        MC_WORKSPACE: dataDir,
        MC_BACKUP_DIR: join(dataDir, 'backups'),
        MC_OPENCLAW: 'off',
        ...databaseEnv(dataDir),
      },
      () => createApp({ logger: false }),
    );
    const failed = await app.init().then(
      () => null,
      (error: Error) => error,
    );
    await app.close();
    await removeDirs(dataDir);
    expect(failed?.message).toContain(`MC_ALERT_RULES (${file}): ${message}`);
  });
});
