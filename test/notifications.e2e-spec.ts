import { api, removeDirs, startApp, TestApp, waitFor } from './support/app-harness';
import { Received, verifySignature, WebhookReceiver } from './support/webhook-receiver';

const TOKEN = 'notify-token';
const auth = { authorization: `Bearer ${TOKEN}` };

describe('Webhook channels and notification delivery', () => {
  let t: TestApp;
  const receivers: WebhookReceiver[] = [];
  let n = 0;

  const post = (path: string, json: unknown) => api(t.url, path, { method: 'POST', json, headers: auth });
  const receiver = async (...args: Parameters<typeof WebhookReceiver.start>) => {
    const r = await WebhookReceiver.start(...args);
    receivers.push(r);
    return r;
  };
  const channel = async (url: string, fields: Record<string, unknown> = {}) => {
    const { status, body } = await post('/api/notifications/webhooks', { name: `channel ${++n}`, url, ...fields });
    expect(status).toBe(201);
    return body;
  };
  /** A rule that fires at the first event of its own type, notifying `channels`. */
  const ruleOn = async (channels: string[], extra: Record<string, unknown> = {}) => {
    const type = `deploy_failed_${++n}`;
    const { status, body } = await post('/api/alerts/rules', {
      name: `Deploys ${n}`,
      kind: 'event_count',
      params: { event_type: type, at_least: 1, window_minutes: 60 },
      channels,
      ...extra,
    });
    expect(status).toBe(201);
    return {
      rule: body,
      fire: () => post('/api/events', { event_type: type, agent_id: 'forge', data: { service: 'api' } }),
    };
  };
  const deliveries = async (channelId: string) =>
    (await api(t.url, `/api/notifications/deliveries?channel_id=${channelId}`)).body.deliveries;

  beforeAll(async () => {
    t = await startApp({ env: { MC_API_TOKEN: TOKEN, MC_METRICS_INTERVAL: '3600', MC_WEBHOOK_RETRY_BASE: '0.2' } });
  });

  afterAll(async () => {
    await t?.close();
    await Promise.all(receivers.map((r) => r.close()));
    await removeDirs(t?.workspace, t?.dataDir);
  });

  it('adds channels, never gives their secret back, and shows URLs only up to their first path segment', async () => {
    const created = await channel('https://hooks.slack.com/services/T000/B000/XXXX', {
      format: 'slack',
      secret: 'a-long-signing-secret',
    });
    expect(created).toEqual({
      id: expect.any(String),
      name: expect.any(String),
      url: 'https://hooks.slack.com/services/…',
      format: 'slack',
      enabled: true,
      has_secret: true,
      managed: 'api',
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const answers = [
      await api(t.url, `/api/notifications/webhooks/${created.id}`),
      await api(t.url, '/api/notifications/webhooks'),
      await api(t.url, `/api/notifications/webhooks/${created.id}`, {
        method: 'PATCH',
        json: { name: 'Renamed' },
        headers: auth,
      }),
    ];
    for (const { status, body } of answers) {
      expect(status).toBe(200);
      expect(JSON.stringify(body)).not.toContain('a-long-signing-secret');
      expect(JSON.stringify(body)).not.toContain('XXXX');
    }
    expect(answers[2].body).toMatchObject({ name: 'Renamed', has_secret: true });
    const cleared = await api(t.url, `/api/notifications/webhooks/${created.id}`, {
      method: 'PATCH',
      json: { secret: null },
      headers: auth,
    });
    expect(cleared.body.has_secret).toBe(false);
    for (const field of ['name', 'url', 'format', 'enabled']) {
      const nulled = await api(t.url, `/api/notifications/webhooks/${created.id}`, {
        method: 'PATCH',
        json: { [field]: null },
        headers: auth,
      });
      expect([nulled.status, nulled.body.details?.[0].field]).toEqual([400, field]);
    }
    expect(
      (
        await api(t.url, '/api/notifications/webhooks', {
          method: 'POST',
          json: { name: 'x', url: 'http://127.0.0.1/' },
        })
      ).status,
    ).toBe(401);
  });

  it.each([
    ['file:', 'file:///etc/passwd'],
    ['ftp:', 'ftp://example.com/hook'],
    ['no host', 'http://'],
    ['not a URL', 'hooks.example.com/x'],
    ['credentials', 'https://user:pass@example.com/hook'],
  ])('refuses a %s URL with a 400 naming the field', async (_what, url) => {
    const { status, body } = await post('/api/notifications/webhooks', { name: 'bad', url });
    expect(status).toBe(400);
    expect(body.details.map((d: { field: string }) => d.field)).toEqual(['url']);
  });

  it('refuses an unknown format, and answers 404 for an unknown channel', async () => {
    const bad = await post('/api/notifications/webhooks', {
      name: 'bad',
      url: 'https://example.com/x',
      format: 'teams',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].field).toBe('format');
    expect((await api(t.url, '/api/notifications/webhooks/nope')).status).toBe(404);
    expect((await post('/api/notifications/webhooks/nope/test', {})).status).toBe(404);
    expect((await api(t.url, '/api/notifications/webhooks/..%2Fx')).status).toBe(400);
  });

  it('signs each request so the receiver can check it, and posts the generic body', async () => {
    const r = await receiver();
    const c = await channel(r.url, { secret: 'receiver-shared-secret' });
    const { rule, fire } = await ruleOn([c.id], { severity: 'critical' });
    await fire();
    const [request] = await r.waitFor(1);
    expect(verifySignature('receiver-shared-secret', request.headers, request.body)).toBe(true);
    expect(verifySignature('another-secret', request.headers, request.body)).toBe(false);
    expect(verifySignature('receiver-shared-secret', request.headers, request.body.replace('critical', 'info'))).toBe(
      false,
    );
    expect(verifySignature('receiver-shared-secret', request.headers, request.body, Date.now() + 6 * 60_000)).toBe(
      false,
    );
    expect(request.headers).toMatchObject({
      'content-type': 'application/json',
      'x-mc-event': 'fired',
      'x-mc-delivery': expect.stringMatching(/^\d+$/),
    });
    expect(request.json).toEqual({
      alert: expect.objectContaining({
        rule_id: rule.id,
        subject: 'fleet',
        severity: 'critical',
        state: 'firing',
        value: 1,
        message: expect.any(String),
      }),
      rule: expect.objectContaining({ id: rule.id, kind: 'event_count', channels: [c.id] }),
      event: 'fired',
      sent_at: expect.any(String),
    });
  });

  it('delivers to a receiver that answers 500 twice on the third attempt, recording each attempt', async () => {
    // The second attempt is held until the first is checked: the record between the two lasts as long as the test needs.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const failure = { status: 500, body: 'upstream unavailable' };
    const r = await receiver((i) => (i === 0 ? failure : i === 1 ? held.then(() => failure) : 200));
    const c = await channel(r.url);
    const { fire } = await ruleOn([c.id]);
    await fire();
    await r.waitFor(2, 10_000);
    const [afterFirst] = await deliveries(c.id);
    expect(afterFirst).toMatchObject({
      status: 'pending',
      attempts: 1,
      http_status: 500,
      last_error: 'HTTP 500: upstream unavailable',
      next_attempt_at: expect.any(String),
    });
    release();
    await r.waitFor(3, 10_000);
    const [done] = await waitFor(
      async () => {
        const list = await deliveries(c.id);
        return list[0]?.status === 'delivered' ? list : undefined;
      },
      3000,
      'the delivery to be marked delivered',
    );
    expect(done).toMatchObject({
      status: 'delivered',
      attempts: 3,
      http_status: 200,
      last_error: null,
      next_attempt_at: null,
      delivered_at: expect.any(String),
      event: 'fired',
    });
    expect(r.accepted()).toHaveLength(1);
    expect(new Set(r.received.map((x) => x.headers['x-mc-delivery'])).size).toBe(1);
    const metrics = (await api(t.url, '/metrics')).body as string;
    expect(metrics).toContain(`mission_control_notifications_total{channel="${c.id}",outcome="retry"} 2`);
    expect(metrics).toContain(`mission_control_notifications_total{channel="${c.id}",outcome="delivered"} 1`);
  });

  it('does not let a receiver that never answers delay another', async () => {
    const hanging = await receiver(() => 'hang');
    const quick = await receiver();
    const slow = await channel(hanging.url);
    const fast = await channel(quick.url);
    const { fire } = await ruleOn([slow.id, fast.id]);
    await fire();
    await hanging.waitFor(1);
    await quick.waitFor(1);
    // The hanging receiver is still holding its request open while the other has been answered and recorded.
    const fastDone = await waitFor(
      async () => (await deliveries(fast.id))[0]?.status === 'delivered',
      3000,
      'the quick delivery',
    );
    expect(fastDone).toBe(true);
    const [held] = await deliveries(slow.id);
    expect(held).toMatchObject({ status: 'pending', attempts: 0 });
    const timedOut = await waitFor(
      async () => (await deliveries(slow.id)).find((d: { attempts: number }) => d.attempts >= 1),
      9000,
      'the hanging attempt to time out',
    );
    expect(timedOut).toMatchObject({ status: 'pending', http_status: null, last_error: 'no answer within 5 s' });
    hanging.reply = () => 204;
  });

  it('does not follow redirects', async () => {
    const target = await receiver();
    const redirecting = await receiver(() => ({ status: 302, headers: { location: target.url } }));
    const c = await channel(redirecting.url);
    expect((await post(`/api/notifications/webhooks/${c.id}/test`, {})).body).toMatchObject({
      status: 'failed',
      http_status: 302,
      last_error: 'HTTP 302 (redirects are not followed)',
    });
    expect(target.received).toHaveLength(0);
  });

  it('posts Slack and Discord bodies in their documented shapes', async () => {
    const r = await receiver();
    const slack = await channel(`${r.url}?format=slack`, { format: 'slack' });
    const discord = await channel(`${r.url}?format=discord`, { format: 'discord' });
    const { fire } = await ruleOn([slack.id, discord.id], { severity: 'warning', name: 'Deploys <failed> & more' });
    await fire();
    const got = await r.waitFor(2);
    const slackBody = got.find((x: Received) => 'blocks' in x.json)!.json;
    const discordBody = got.find((x: Received) => 'embeds' in x.json)!.json;
    expect(slackBody).toEqual({
      text: expect.stringMatching(
        /^\[WARNING\] Alert fired: Deploys <failed> & more: 1 deploy_failed_\d+ events in the last 60 minutes/,
      ),
      blocks: [
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: expect.stringMatching(/^\*Alert fired: Deploys &lt;failed&gt; &amp; more\*\n1 deploy_failed_/),
          },
        },
        {
          type: 'section',
          fields: expect.arrayContaining([
            { type: 'mrkdwn', text: '*Severity*\nwarning' },
            { type: 'mrkdwn', text: '*Subject*\nfleet' },
          ]),
        },
        {
          type: 'context',
          elements: [{ type: 'mrkdwn', text: expect.stringMatching(/^Mission Control · fired · alert \d+$/) }],
        },
      ],
    });
    expect(discordBody).toEqual({
      content: '[WARNING] Alert fired: Deploys <failed> & more',
      embeds: [
        {
          title: 'Alert fired: Deploys <failed> & more',
          description: expect.stringMatching(/^1 deploy_failed_\d+ events/),
          color: 0xecb22e,
          fields: expect.arrayContaining([
            { name: 'Severity', value: 'warning', inline: true },
            { name: 'Subject', value: 'fleet', inline: true },
          ]),
          timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          footer: { text: expect.stringMatching(/^Mission Control · fired · alert \d+$/) },
        },
      ],
      allowed_mentions: { parse: [] },
    });
  });

  it('sends a test notification on request and answers with the receiver status', async () => {
    const ok = await receiver();
    const failing = await receiver(() => ({ status: 503, body: 'maintenance' }));
    const good = await channel(ok.url, { format: 'discord' });
    const bad = await channel(failing.url);
    const sent = await post(`/api/notifications/webhooks/${good.id}/test`, {});
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({
      channel_id: good.id,
      event: 'test',
      status: 'delivered',
      http_status: 200,
      attempts: 1,
      alert_id: null,
    });
    expect(ok.received[0].json.embeds[0].title).toBe('Test notification: Test notification');
    expect((await post(`/api/notifications/webhooks/${bad.id}/test`, {})).body).toMatchObject({
      status: 'failed',
      http_status: 503,
      last_error: 'HTTP 503: maintenance',
      next_attempt_at: null,
    });
    expect(failing.received).toHaveLength(1);
    expect((await deliveries(good.id)).map((d: { event: string }) => d.event)).toEqual(['test']);
  });

  it('pages the delivery log and filters it by status', async () => {
    const first = await api(t.url, '/api/notifications/deliveries?limit=2');
    expect(first.body.deliveries).toHaveLength(2);
    const second = await api(t.url, `/api/notifications/deliveries?limit=2&cursor=${first.body.next_cursor}`);
    expect(second.body.deliveries[0].id).toBeLessThan(first.body.deliveries[1].id);
    const failed = (await api(t.url, '/api/notifications/deliveries?status=failed')).body.deliveries;
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((d: { status: string }) => d.status === 'failed')).toBe(true);
    expect((await api(t.url, '/api/notifications/deliveries?status=lost')).status).toBe(400);
    expect((await api(t.url, '/api/notifications/deliveries?cursor=bm9wZQ')).status).toBe(400);
  });

  it('takes a deleted channel out of the rules that named it', async () => {
    const r = await receiver();
    const c = await channel(r.url);
    const { rule } = await ruleOn([c.id]);
    expect((await api(t.url, `/api/notifications/webhooks/${c.id}`, { method: 'DELETE', headers: auth })).body.id).toBe(
      c.id,
    );
    await waitFor(
      async () => (await api(t.url, `/api/alerts/rules/${rule.id}`)).body.channels.length === 0,
      3000,
      'the rule to forget the channel',
    );
  });
});
