import { Logger } from '@nestjs/common';
import { GeneratedSession, OpenClawHome, OpenRun, RunEnd, RunStart, TokenCounts } from './openclaw-generator';
import { Stepper } from './stepper';

/**
 * Some agents share ids with the demo workspace's, so the fleet
 * shows them merged; quill and archivist use the older file layout.
 */
const DEMO_AGENTS = [
  { id: 'nexus', name: 'Nexus', emoji: '🧭', layout: 'sqlite' as const },
  { id: 'scout', name: 'Scout', emoji: '🔭', model: 'openai/gpt-5-mini', layout: 'sqlite' as const },
  { id: 'forge', name: 'Forge', emoji: '🔨', layout: 'sqlite' as const },
  { id: 'atlas', name: 'Atlas', emoji: '🗺️', model: 'google/gemini-2.5-flash', layout: 'sqlite' as const },
  { id: 'quill', name: 'Quill', emoji: '🪶', layout: 'legacy' as const },
  { id: 'archivist', name: 'Archivist', emoji: '🗄️', model: 'openai/gpt-5-mini', layout: 'legacy' as const },
];

const PROMPTS = [
  'Summarise the overnight alerts',
  'Review the open pull requests',
  'Draft the weekly status report',
  'Check why the nightly build is slow',
  'Find three sources on vector databases',
  'Tidy up the onboarding checklist',
];
const ANSWERS = [
  'Done, the summary is in the report.',
  'Two need changes; I left comments.',
  'Draft ready for review.',
  'The cache was cold; fixed.',
  'Sources attached.',
];
const TOOLS = [
  { name: 'exec', arguments: { command: 'npm test' }, result: '124 passing' },
  { name: 'web_fetch', arguments: { url: 'https://example.com/changelog' }, result: '<html>…</html>' },
  { name: 'read', arguments: { path: 'README.md' }, result: '# Project\n…' },
];
const ERRORS = ['429 rate limit exceeded, retry later', '400 provider rejected the request schema or tool payload'];

const HOUR = 3_600_000;
/** Chances per step; the rest of the time a turn is added to an existing session. */
const LONG_RUN_CHANCE = 0.15;
const NEW_SESSION_CHANCE = 0.1;
const SUBAGENT_CHANCE = 0.08;
const TOOL_CHANCE = 0.3;
const FAILURE_CHANCE = 0.08;
/** How long a long run stays open: longer than a few polls, so the Sessions panel shows it running. */
const LONG_RUN_MS = [20_000, 45_000];

/**
 * The OpenClaw home of `npm run demo`: six agents, four in per-agent SQLite databases and two in the
 * legacy layout, with two days of history: sessions with tool calls, a failed run, a subagent.
 */
export async function generateDemoOpenClaw(dir: string): Promise<OpenClawHome> {
  const home = await OpenClawHome.create(dir, { agents: DEMO_AGENTS, configForm: 'list', json5: true });
  const now = Date.now();
  const nth = <T>(items: T[], i: number) => items[i % items.length];
  DEMO_AGENTS.forEach(({ id }, a) => {
    for (let s = 0; s < 3; s++) {
      let at = now - (48 - a * 4 - s * 12) * HOUR;
      const session = home.addSession(id, { at });
      for (let r = 0; r < 4 + s; r++) {
        at += 17 * 60_000;
        const tool = (a + r) % 3 === 0 ? nth(TOOLS, a + r) : undefined;
        home.addRun(session, {
          at,
          text: nth(PROMPTS, a + r),
          answer: nth(ANSWERS, s + r),
          tool,
          durationMs: 4_000 + r * 1_500,
        });
      }
    }
  });
  const [nexus] = home.sessions('nexus');
  const child = home.addSession('nexus', { spawnedBy: nexus, at: now - 3 * HOUR });
  home.addRun(child, {
    at: now - 3 * HOUR + 1_000,
    text: 'Research the flaky test',
    tool: TOOLS[0],
    answer: 'It depends on the clock.',
  });
  home.addRun(home.sessions('forge')[0], { at: now - 2 * HOUR, text: 'Deploy the staging build', error: ERRORS[1] });
  await home.flush();
  return home;
}

/**
 * Keeps the demo OpenClaw home moving as a busy fleet would: every step adds a turn with usage to a
 * session, opens one, spawns a subagent or leaves a run going for half a minute. Each step is one
 * flush, so Mission Control's read-only poll never sees half of a turn.
 */
export class OpenClawSimulator {
  private readonly logger = new Logger('OpenClawSimulator');
  private readonly stepper: Stepper;
  private readonly openRuns = new Map<string, { run: OpenRun; due: number }>();

  constructor(
    private readonly home: OpenClawHome,
    intervalMs: number,
  ) {
    this.stepper = new Stepper(
      () => this.step(),
      intervalMs,
      (error) => this.logger.warn(`OpenClaw simulation step failed: ${error.message}`),
    );
  }

  start(): void {
    this.stepper.start();
  }

  /** Stops stepping and closes the databases; a run still open stays open, as after an OpenClaw crash. */
  async stop(): Promise<void> {
    await this.stepper.stop();
    await this.home.close();
  }

  async step(now = Date.now()): Promise<void> {
    for (const [key, { run, due }] of this.openRuns) {
      if (due > now) continue;
      this.home.finishRun(run, this.runEnd(due - run.startedAt));
      this.openRuns.delete(key);
    }
    const roll = Math.random();
    const idle = this.home.sessions().filter((s) => !this.openRuns.has(s.key));
    // A new session opened a little earlier, so that its first run can end now rather than in the future.
    if (roll < NEW_SESSION_CHANCE)
      this.home.addRun(this.home.addSession(pick(DEMO_AGENTS).id, { at: now - 15_000 }), this.run());
    else if (roll < NEW_SESSION_CHANCE + SUBAGENT_CHANCE) this.spawnSubagent(now);
    else if (roll < NEW_SESSION_CHANCE + SUBAGENT_CHANCE + LONG_RUN_CHANCE) this.openLongRun(pick(idle), now);
    else this.home.addRun(pick(idle), this.run());
    await this.home.flush();
  }

  private spawnSubagent(now: number): void {
    const parent = pick(this.home.sessions().filter((s) => s.key.endsWith(':main')));
    const child = this.home.addSession(parent.agentId, { spawnedBy: parent });
    this.openLongRun(child, now);
  }

  private openLongRun(session: GeneratedSession, now: number): void {
    const run = this.home.startRun(session, { text: pick(PROMPTS) });
    this.openRuns.set(session.key, {
      run,
      due: now + LONG_RUN_MS[0] + Math.random() * (LONG_RUN_MS[1] - LONG_RUN_MS[0]),
    });
  }

  private run(): RunStart & RunEnd {
    return { text: pick(PROMPTS), ...this.runEnd(2_000 + Math.random() * 8_000) };
  }

  private runEnd(durationMs: number): RunEnd {
    const tool = Math.random() < TOOL_CHANCE ? { ...pick(TOOLS), usage: usage() } : undefined;
    if (Math.random() < FAILURE_CHANCE) return { durationMs, tool, error: pick(ERRORS) };
    return { durationMs, tool, answer: pick(ANSWERS), usage: usage() };
  }
}

/** A turn's tokens: a prompt of a few thousand, an answer of a few hundred, sometimes a cache hit. */
function usage(): TokenCounts {
  const input = 800 + Math.floor(Math.random() * 5_000);
  return {
    input,
    output: 20 + Math.floor(Math.random() * 900),
    cacheRead: Math.random() < 0.4 ? Math.floor(input * 0.6) : 0,
  };
}

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)];
}
