/// <reference lib="dom" />
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { AlertEvaluator } from '../../src/alerts/alert-evaluator.service';
import { MetricsCollectorService } from '../../src/metrics/metrics-collector.service';
import { api, startApp, TestApp, waitFor } from '../support/app-harness';
import { WebhookReceiver } from '../support/webhook-receiver';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = join(__dirname, 'screenshots');
const HOSTILE = '<img src=x onerror="window.__pwned=1">';
const MIN = 60_000;

async function openDashboard(browser: Browser, t: TestApp): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('response', (r) => r.status() >= 400 && problems.push(`${r.status()} ${r.url()}`));
  await page.goto(t.url, { waitUntil: 'networkidle' });
  await page.locator('#connection[data-state="live"]').waitFor();
  return { page, problems };
}

describe('The Alerts panel', () => {
  let browser: Browser;
  let t: TestApp;
  let receiver: WebhookReceiver;

  const writeState = async (id: string, state: Record<string, unknown>) => {
    await mkdir(join(t.mc, 'agents', id), { recursive: true });
    await writeFile(join(t.mc, 'agents', id, 'state.json'), JSON.stringify(state));
  };
  /** A metrics collection at `at` (the explicit clock), then the evaluations it asked for. */
  const collectAt = async (at: number) => {
    await t.app.get(MetricsCollectorService).collect(at);
    await t.app.get(AlertEvaluator).settled();
  };
  const texts = () => receiver.received.map((r) => String(r.json.text));

  beforeAll(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    receiver = await WebhookReceiver.start();
    t = await startApp();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await receiver?.close();
  });

  it('adds a Slack channel and rules from the page, tells of an agent going offline once and of its return, and acknowledges from the page', async () => {
    // The fixture's forge was last heard of long ago: it is at work now, so no rule fires on creation.
    await writeState('forge', { agent: 'forge', status: 'active', lastActive: new Date().toISOString() });
    await waitFor(async () => (await api(t.url, '/api/agents/forge')).body.status === 'active', 5000, 'forge active');
    const { page, problems } = await openDashboard(browser, t);
    await page.locator('#alert-count', { hasText: 'Nothing firing' }).waitFor();

    const channelForm = page.locator('#channel-form');
    await channelForm.locator('[name=name]').fill('Ops Slack');
    await channelForm.locator('[name=url]').fill(receiver.url);
    await channelForm.locator('[name=format]').selectOption('slack');
    await channelForm.locator('button[type=submit]').click();
    const channel = page.locator('#channels li', { hasText: 'Ops Slack' });
    await channel.waitFor();
    await channel.getByRole('button', { name: 'Send a test' }).click();
    await page.locator('.toast[data-level="success"]', { hasText: 'Test delivered' }).waitFor();
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0].json).toEqual(
      expect.objectContaining({ text: expect.any(String), blocks: expect.any(Array) }),
    );
    await page.locator('#deliveries td', { hasText: 'delivered' }).waitFor();

    const ruleForm = page.locator('#rule-form');
    const addRule = async (kind: string, name: string, params: Record<string, string>, severity = 'warning') => {
      await ruleForm.locator('[name=kind]').selectOption(kind);
      await ruleForm.locator('[name=name]').fill(name);
      for (const [field, value] of Object.entries(params)) {
        const input = ruleForm.locator(`[name="param.${field}"]`);
        if ((await input.evaluate((el) => el.tagName)) === 'SELECT') await input.selectOption(value);
        else await input.fill(value);
      }
      await ruleForm.locator('[name=severity]').selectOption(severity);
      await ruleForm.getByLabel('Ops Slack').check();
      await ruleForm.locator('button[type=submit]').click();
      await page.locator('#alert-rules li', { hasText: name }).waitFor();
    };
    await addRule('agent_offline', 'Forge offline', { agent_id: 'forge', minutes: '5' }, 'critical');
    await addRule('agent_error', HOSTILE, { agent_id: 'scribe' });
    await addRule('cost_budget', 'Daily spend', { usd: '25', window: 'day' });
    const { body } = await api(t.url, '/api/alerts/rules');
    expect(body.rules.map((r: { kind: string }) => r.kind).sort()).toEqual([
      'agent_error',
      'agent_offline',
      'cost_budget',
    ]);
    expect(body.rules.find((r: { kind: string }) => r.kind === 'agent_offline')).toMatchObject({
      params: { agent_id: 'forge', minutes: 5 },
      severity: 'critical',
      enabled: true,
    });

    // Forge goes quiet: offline, last heard of ten minutes ago. The dates are on the real clock
    // because any change in the fleet has the rules looked at again at the real time.
    await writeState('forge', {
      agent: 'forge',
      status: 'offline',
      lastActive: new Date(Date.now() - 10 * MIN).toISOString(),
    });
    const firing = page.locator('#alerts tr[data-state="firing"]', { hasText: 'Forge offline' });
    await firing.waitFor();
    expect(await firing.locator('.badge').textContent()).toBe('critical');
    await page.locator('#alert-count', { hasText: '1 firing' }).waitFor();
    await waitFor(async () => texts().some((x) => x.includes('Forge offline')), 5000, 'the Slack message');
    // Told once, not again at every collection while it stays offline.
    await collectAt(Date.now());
    await writeState('scribe', { agent: 'scribe', status: 'active', lastActive: new Date().toISOString() });
    await waitFor(async () => (await api(t.url, '/api/agents/scribe')).body.status === 'active', 5000, 'scribe active');
    await t.app.get(AlertEvaluator).settled();
    await page.screenshot({ path: join(SCREENSHOTS, 'alerts-firing.png'), fullPage: true });

    await firing.getByRole('button', { name: 'Acknowledge' }).click();
    await page.locator('#alerts tr[data-state="firing"]', { hasText: 'by dashboard' }).waitFor();
    const [alert] = (await api(t.url, '/api/alerts?state=firing')).body.alerts;
    expect(alert).toMatchObject({ acked_by: 'dashboard', subject: 'agent:forge' });

    // Back at work: resolved, and told so.
    await writeState('forge', { agent: 'forge', status: 'active', lastActive: new Date().toISOString() });
    await page.locator('#alert-count', { hasText: 'Nothing firing' }).waitFor({ timeout: 5000 });
    await waitFor(async () => receiver.received.length >= 4, 5000, 'the fired, acked and resolved messages');
    const aboutForge = receiver.received.filter((r) => String(r.json.text).includes('Forge offline'));
    expect(aboutForge).toHaveLength(3);

    // The rule named with markup is shown as text, and runs nothing.
    expect(await page.locator('#alert-rules li', { hasText: HOSTILE }).locator('strong').textContent()).toBe(
      ` ${HOSTILE} `,
    );
    expect(await page.locator('#alert-rules img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(problems).toEqual([]);
    await page.close();
  });

  it('disables a rule, and deletes one only after asking', async () => {
    const { page, problems } = await openDashboard(browser, t);
    const item = page.locator('#alert-rules li', { hasText: 'Daily spend' });
    await item.getByRole('button', { name: 'Enabled' }).click();
    await item.getByRole('button', { name: 'Disabled' }).waitFor();
    const rule = (await api(t.url, '/api/alerts/rules')).body.rules.find(
      (r: { name: string }) => r.name === 'Daily spend',
    );
    expect(rule.enabled).toBe(false);

    await item.getByRole('button', { name: 'Delete…' }).click();
    await page.locator('#confirm-dialog[open]').getByRole('button', { name: 'Cancel' }).click();
    expect((await api(t.url, `/api/alerts/rules/${rule.id}`)).status).toBe(200);
    await item.getByRole('button', { name: 'Delete…' }).click();
    await page.locator('#confirm-dialog[open]').getByRole('button', { name: 'Delete' }).click();
    await item.waitFor({ state: 'detached' });
    expect((await api(t.url, `/api/alerts/rules/${rule.id}`)).status).toBe(404);
    expect(problems).toEqual([]);
    await page.close();
  });
});
