/// <reference lib="dom" />
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { GeneratedSession, OpenClawHome } from '../../src/demo/openclaw-generator';
import { api, makeTempDir, removeDirs, startApp, TestApp, waitFor } from '../support/app-harness';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = join(__dirname, 'screenshots');
const HOSTILE = '<img src=x onerror=alert(1)>';
const MINUTE = 60_000;

// The page is opened in en-US, so its figures read as these format them.
const count = new Intl.NumberFormat('en-US');
const dollars = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
const fractionsOfCents = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  minimumFractionDigits: 4,
  maximumFractionDigits: 4,
});
const usd = (value: number) => (value !== 0 && Math.abs(value) < 1 ? fractionsOfCents : dollars).format(value);

function launch(): Promise<Browser> {
  return chromium.launch({
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
}

interface Watched {
  page: Page;
  problems: string[];
  /** Paths of the requests the page made to /api/sessions. */
  sessionRequests: string[];
}

/** A page whose console errors, alerts and 4xx/5xx answers are recorded as problems. */
async function openDashboard(browser: Browser, t: TestApp, colorScheme: 'light' | 'dark' = 'light'): Promise<Watched> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'en-US', colorScheme });
  const problems: string[] = [];
  const sessionRequests: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => (problems.push(`${d.type()}: ${d.message()}`), void d.dismiss()));
  page.on('response', (r) => r.status() >= 400 && problems.push(`${r.status()} ${r.url()}`));
  page.on(
    'request',
    (r) => new URL(r.url()).pathname.startsWith('/api/sessions') && sessionRequests.push(new URL(r.url()).pathname),
  );
  await page.goto(t.url, { waitUntil: 'networkidle' });
  await page.locator('#connection[data-state="live"]').waitFor();
  return { page, problems, sessionRequests };
}

const row = (page: Page, key: string) => page.locator(`#sessions tr[data-session="${key}"]`);

/** Today from UTC midnight, as the Cost panel and the API's day groups count it. */
function utcMidnight(): string {
  const day = new Date();
  day.setUTCHours(0, 0, 0, 0);
  return day.toISOString();
}

describe('The Sessions and Cost panels, on an OpenClaw home', () => {
  let browser: Browser;
  let t: TestApp;
  let homeDir: string;
  let home: OpenClawHome;
  let main: GeneratedSession;
  let hostile: GeneratedSession;
  let stuck: GeneratedSession;

  beforeAll(async () => {
    homeDir = await makeTempDir('mc-openclaw-');
    home = await OpenClawHome.create(homeDir, {
      agents: [
        { id: 'main', name: 'Main', layout: 'sqlite' },
        { id: 'scout', name: 'Scout', emoji: '🔭', model: 'openai/gpt-5-mini', layout: 'legacy' },
      ],
      configForm: 'list',
      json5: true,
    });
    const now = Date.now();
    main = home.addSession('main', { at: now - 5 * MINUTE });
    home.addRun(main, { at: now - 4 * MINUTE, text: 'hello there', answer: 'Hi!', usage: { input: 1200, output: 8 } });
    hostile = home.addSession('scout', { at: now - 3 * MINUTE });
    home.addRun(hostile, {
      at: now - 3 * MINUTE,
      text: `Look at this: ${HOSTILE}\nand this line`,
      answer: 'Looked.',
      tool: { name: 'exec', result: 'command not found', isError: true },
    });
    // A run under way with nothing heard from it for longer than MC_STUCK_MINUTES.
    stuck = home.addSession('main', { at: now - 40 * MINUTE });
    home.startRun(stuck, { at: now - 30 * MINUTE, text: 'A long job' });
    await home.flush();

    browser = await launch();
    t = await startApp({ env: { MC_OPENCLAW_HOME: homeDir, MC_OPENCLAW_POLL: '1', MC_STUCK_MINUTES: '10' } });
    await waitFor(
      async () => (await api(t.url, '/api/sessions')).body.sessions?.length === 3,
      10_000,
      'the three generated sessions',
    );
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await home?.close();
    await removeDirs(t?.workspace, t?.dataDir, homeDir);
  });

  it('lists the sessions newest first, with their tokens and cost, and marks the stuck one', async () => {
    const { page, problems } = await openDashboard(browser, t);
    const { sessions } = (await api(t.url, '/api/sessions?limit=100')).body;
    await page
      .locator('#sessions tr[data-session]')
      .nth(sessions.length - 1)
      .waitFor();
    expect(
      await page
        .locator('#sessions tr[data-session]')
        .evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.session)),
    ).toEqual(sessions.map((s: { key: string }) => s.key));
    for (const s of sessions) {
      expect(await row(page, s.key).locator('.input').textContent()).toBe(count.format(s.input_tokens));
      expect(await row(page, s.key).locator('.output').textContent()).toBe(count.format(s.output_tokens));
      expect(await row(page, s.key).locator('.cost').textContent()).toBe(usd(s.cost_usd));
    }
    // The one-run session's figures are those of its one answer: 1200 × $3 + 8 × $15 per million.
    expect(await row(page, main.key).locator('.input').textContent()).toBe('1,200');
    expect(await row(page, main.key).locator('.cost').textContent()).toBe('$0.0037');
    expect(await row(page, main.key).locator('.agent').textContent()).toBe('Main');

    const marked = page.locator('#sessions tr[data-stuck]');
    expect(await marked.evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.session))).toEqual([
      stuck.key,
    ]);
    const badge = row(page, stuck.key).locator('.badge[data-status="stuck"]');
    expect(await badge.isVisible()).toBe(true);
    expect(await badge.textContent()).toMatch(/^Stuck: no activity for longer than the stuck limit$/);
    expect(await row(page, main.key).locator('.badge[data-status="stuck"]').isVisible()).toBe(false);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('follows a new turn and a new session live, from session_update, without asking the API again', async () => {
    const { page, problems, sessionRequests } = await openDashboard(browser, t);
    await row(page, main.key).waitFor();
    const requestsAtStart = sessionRequests.length;
    const started = Date.now();
    home.addRun(main, { text: 'and again', answer: 'Again!', usage: { input: 2000, output: 50 } });
    await home.flush();
    await page
      .locator(`#sessions tr[data-session="${main.key}"] .input`, { hasText: '3,200' })
      .waitFor({ timeout: 5000 });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await row(page, main.key).locator('.output').textContent()).toBe('58');
    // The newest activity comes first.
    expect(await page.locator('#sessions tr[data-session]').first().getAttribute('data-session')).toBe(main.key);

    const fresh = home.addSession('scout');
    home.addRun(fresh, { text: 'new one', answer: 'Here.' });
    await home.flush();
    await row(page, fresh.key).waitFor({ timeout: 5000 });
    expect(await page.locator('#sessions tr[data-session]').first().getAttribute('data-session')).toBe(fresh.key);
    expect(sessionRequests.length).toBe(requestsAtStart);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("shows today's cost equal to the API's total, and follows it", async () => {
    const { page, problems } = await openDashboard(browser, t);
    const today = async () =>
      (await api(t.url, `/api/usage?group_by=agent&since=${encodeURIComponent(utcMidnight())}`)).body;
    const figure = page.locator('#cost-figures dd[data-figure="today_cost"]');
    await figure.waitFor();
    expect(await figure.textContent()).toBe(usd((await today()).total.cost_usd));
    const byAgent = (await today()).rows.find((r: { key: string }) => r.key === 'main');
    expect(await page.locator('#cost-by-agent tr[data-key="main"] td').nth(1).textContent()).toBe(
      usd(byAgent.cost_usd),
    );
    expect(await page.locator('#cost-chart .uplot').count()).toBe(1);

    // $0.30 + $0.15 at the default model's price.
    const before = (await today()).total.cost_usd;
    home.addRun(main, { text: 'priced', answer: 'Priced.', usage: { input: 100_000, output: 10_000 } });
    await home.flush();
    await waitFor(async () => (await today()).total.cost_usd > before + 0.449, 5000, 'the API to count the new run');
    // Refreshed from session_update, at most every 5 s.
    await page.waitForFunction(
      ([expected]) => document.querySelector('#cost-figures dd[data-figure="today_cost"]')?.textContent === expected,
      [usd((await today()).total.cost_usd)],
      { timeout: 8000 },
    );
    expect(problems).toEqual([]);
    await page.close();
  });

  it("shows a session's transcript as text: markup in it makes no element", async () => {
    const { page, problems } = await openDashboard(browser, t);
    await row(page, hostile.key).locator('button', { hasText: 'Transcript' }).click();
    await page.locator('#agent-detail[open] .transcript .message').first().waitFor();
    const user = page.locator('.transcript .message[data-role="user"] .message-text').first();
    expect(await user.textContent()).toBe(`Look at this: ${HOSTILE}\nand this line`);
    expect(await user.evaluate((el) => getComputedStyle(el).whiteSpace)).toBe('pre-wrap');
    expect(await page.locator('#agent-detail img, .transcript img').count()).toBe(0);
    const tool = page.locator('.transcript .message[data-role="toolResult"]');
    expect(await tool.locator('code').textContent()).toBe('exec');
    expect(await tool.locator('.badge[data-status="error"]').textContent()).toBe('Error');
    expect(
      await page.locator('.transcript .message[data-role="assistant"] .tool-calls').first().textContent(),
    ).toContain('exec');

    // The agent's own sessions, and where it comes from.
    await page.locator(`#agent-detail table.sessions tr[data-session="${hostile.key}"]`).waitFor();
    expect(await page.locator('#detail-body').textContent()).toContain('From OpenClaw');
    expect(await page.locator('#detail-body').textContent()).toContain('gpt-5-mini');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('takes screenshots of the panels and a transcript, light and dark', async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    for (const scheme of ['light', 'dark'] as const) {
      const { page, problems } = await openDashboard(browser, t, scheme);
      await page.locator('#cost-chart .uplot').waitFor();
      await page
        .locator('section[aria-labelledby="sessions-title"]')
        .screenshot({ path: join(SCREENSHOTS, `sessions-${scheme}.png`) });
      await page
        .locator('section[aria-labelledby="cost-title"]')
        .screenshot({ path: join(SCREENSHOTS, `cost-${scheme}.png`) });
      await row(page, hostile.key).locator('button', { hasText: 'Transcript' }).click();
      await page.locator('#agent-detail[open] .transcript .message').first().waitFor();
      await page.locator('#agent-detail').screenshot({ path: join(SCREENSHOTS, `transcript-${scheme}.png`) });
      expect(problems).toEqual([]);
      await page.close();
    }
  });
});

describe('Transcripts with MC_API_TOKEN set', () => {
  it('are read with the token the page asked for', async () => {
    const homeDir = await makeTempDir('mc-openclaw-');
    const home = await OpenClawHome.create(homeDir, {
      agents: [{ id: 'main', layout: 'sqlite' }],
      configForm: 'entries',
      json5: false,
    });
    const session = home.addSession('main');
    home.addRun(session, { text: 'secret plans', answer: 'Noted.' });
    await home.flush();
    const browser = await launch();
    const t = await startApp({ env: { MC_API_TOKEN: 'let-me-in', MC_OPENCLAW_HOME: homeDir, MC_OPENCLAW_POLL: '1' } });
    try {
      expect((await api(t.url, `/api/sessions/${encodeURIComponent(session.key)}/transcript`)).status).toBe(401);
      const page = await browser.newPage();
      const authorizations: (string | undefined)[] = [];
      page.on(
        'request',
        (r) => new URL(r.url()).pathname.endsWith('/transcript') && authorizations.push(r.headers().authorization),
      );
      await page.goto(t.url);
      await page.locator('#token-dialog[open]').waitFor();
      await page.fill('#token-input', 'let-me-in');
      await page.click('#token-dialog button[value="ok"]');
      await page.locator('#connection[data-state="live"]').waitFor({ timeout: 5000 });
      await row(page, session.key).locator('button', { hasText: 'Transcript' }).click();
      await page
        .locator('.transcript .message[data-role="user"]', { hasText: 'secret plans' })
        .waitFor({ timeout: 5000 });
      expect(authorizations).toEqual(['Bearer let-me-in']);
    } finally {
      await browser.close();
      await t.close();
      await home.close();
      await removeDirs(t.workspace, t.dataDir, homeDir);
    }
  });
});
