import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DomainEventBus } from '../common/domain-event-bus';
import { AppConfig } from '../config/environment';
import { DomainEvent } from '../domain-events';
import { AGENT_ID_PATTERN } from '../workspace/workspace.types';
import { AgentDatabase } from './agent-database';
import { SessionStore, StoreChanges } from './session-store';
import { LegacySessions } from './legacy-sessions';
import { AgentTally, AgentUsage, OpenClawAgent, usageByAgent } from './openclaw-agents';
import { ModelPrice, parseOpenClawConfig, RosterAgent } from './openclaw-config';
import { SessionTracker, SessionView } from './session-tracker';
import { parseTranscriptLine } from './transcript-line';

export type { AgentUsage, OpenClawAgent } from './openclaw-agents';

const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

export interface OpenClawHealth {
  home: string;
  state: 'ok' | 'not found' | 'partial' | 'off';
  agents: number;
  sessions: number;
  schema_versions: Record<string, number | null>;
  problems: string[];
  last_poll_at: string | null;
  last_poll_ms: number | null;
}

/**
 * Mission Control's view of OpenClaw's own records under MC_OPENCLAW_HOME, read-only: the roster from
 * openclaw.json, and every agent's sessions from its SQLite store (or the legacy sessions.json and
 * transcripts), polled every MC_OPENCLAW_POLL seconds for what changed. It emits a domain event for every
 * session and agent that changes and for every session that gets stuck.
 */
@Injectable()
export class OpenClawService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(OpenClawService.name);
  readonly home: string;
  private readonly enabled: boolean;
  private readonly pollMs: number;
  private readonly stuckMs: number;
  private readonly staleMs: number;
  private roster: RosterAgent[] = [];
  private modelPrices = new Map<string, ModelPrice>();
  private configStamp = '';
  private readonly stores = new Map<string, SessionStore>();
  private readonly trackers = new Map<string, SessionTracker>();
  private readonly views = new Map<string, SessionView>();
  private readonly tallies = new Map<string, AgentTally>();
  private readonly runningKeys = new Set<string>();
  private readonly agents = new Map<string, OpenClawAgent>();
  private found = false;
  private problems: string[] = [];
  private readonly logged = new Set<string>();
  private lastPoll: { at: number; ms: number } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    config: AppConfig,
    private readonly bus: DomainEventBus,
  ) {
    this.home = config.get('MC_OPENCLAW_HOME', { infer: true });
    this.enabled = config.get('MC_OPENCLAW', { infer: true }) === 'on';
    this.pollMs = config.get('MC_OPENCLAW_POLL', { infer: true }) * 1000;
    this.stuckMs = config.get('MC_STUCK_MINUTES', { infer: true }) * 60_000;
    this.staleMs = config.get('MC_STALE_MINUTES', { infer: true }) * 60_000;
  }

  onApplicationBootstrap(): void {
    if (this.enabled) this.schedule(0);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.polling;
    await Promise.all([...this.stores.values()].map((store) => store.close()));
  }

  listAgents(): OpenClawAgent[] {
    return [...this.agents.values()];
  }

  getAgent(id: string): OpenClawAgent | undefined {
    return this.agents.get(id);
  }

  /** Every session, as the API shows it. */
  listSessions(): SessionView[] {
    return [...this.views.values()];
  }

  getSession(key: string): SessionView | undefined {
    return this.views.get(key);
  }

  sessionTrackers(): IterableIterator<SessionTracker> {
    return this.trackers.values();
  }

  /** USD per million tokens by `provider/model`, from openclaw.json. */
  get prices(): Map<string, ModelPrice> {
    return this.modelPrices;
  }

  /** Whether the first read is done, so totals are whole. */
  get ready(): boolean {
    return this.lastPoll !== null;
  }

  /** Usage by agent, summed over every session (for metrics collections and Prometheus, not per request). */
  agentUsage(): Map<string, AgentUsage> {
    return usageByAgent(this.trackers.values());
  }

  store(agentId: string): SessionStore | undefined {
    return this.stores.get(agentId);
  }

  health(): OpenClawHealth {
    const partial = this.problems.length > 0 || [...this.stores.values()].some((s) => s.problems.length);
    return {
      home: this.home,
      state: !this.enabled ? 'off' : !this.found ? 'not found' : partial ? 'partial' : 'ok',
      agents: this.agents.size,
      sessions: this.trackers.size,
      schema_versions: Object.fromEntries([...this.stores].filter(([, s]) => s.layout === 'sqlite').map(([id, s]) => [id, s.schemaVersion])),
      problems: [...this.problems, ...[...this.stores].flatMap(([id, s]) => s.problems.map((p) => `${id}: ${p}`))],
      last_poll_at: this.lastPoll ? new Date(this.lastPoll.at).toISOString() : null,
      last_poll_ms: this.lastPoll ? Math.round(this.lastPoll.ms * 10) / 10 : null,
    };
  }

  /** Reads what changed now (never two polls at once); `now` is the clock that stuck detection uses. */
  poll(now = Date.now()): Promise<void> {
    const run = this.polling.then(() => this.pollNow(now));
    this.polling = run.catch((error: Error) => this.logger.error(`OpenClaw poll failed: ${error.stack}`));
    return run;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      // A failed poll is logged by poll(); the next one tries again.
      void this.poll()
        .catch(() => undefined)
        .finally(() => this.schedule(this.pollMs));
    }, delay);
    this.timer.unref();
  }

  private async pollNow(now: number): Promise<void> {
    const started = performance.now();
    const problems: string[] = [];
    const dirty = new Set<string>();
    this.found = await stat(this.home).then((info) => info.isDirectory(), () => false);
    if (this.found) {
      await this.readConfig(problems);
      // Agents' databases are read side by side: SQLite works in the thread pool while this thread counts.
      await Promise.all((await this.discoverStores()).map((store) => this.pollStore(store, problems, dirty)));
    }
    this.problems = problems;
    for (const problem of this.health().problems) this.logOnce(problem);
    this.refresh(now, dirty);
    this.lastPoll = { at: now, ms: performance.now() - started };
  }

  private async readConfig(problems: string[]): Promise<void> {
    const path = join(this.home, 'openclaw.json');
    const info = await stat(path).catch(() => null);
    if (!info) return void (this.roster = []);
    const stamp = `${info.ino}:${info.size}:${info.mtimeMs}`;
    if (stamp === this.configStamp) return;
    try {
      if (info.size > MAX_CONFIG_BYTES) throw new Error(`over ${MAX_CONFIG_BYTES / 1048576} MiB`);
      const config = parseOpenClawConfig(await readFile(path, 'utf8'));
      this.roster = config.agents;
      this.modelPrices = config.prices;
      this.configStamp = stamp;
    } catch (error) {
      // Keeps the last good roster: the file may be caught mid-write.
      problems.push(`openclaw.json: ${(error as Error).message}`);
    }
  }

  /** Every agent folder with a session store, the SQLite one when an agent has both (OpenClaw imported the legacy one). */
  private async discoverStores(): Promise<SessionStore[]> {
    const dirs = await readdir(join(this.home, 'agents'), { withFileTypes: true }).catch(() => []);
    for (const dir of dirs) {
      if (!dir.isDirectory() || !AGENT_ID_PATTERN.test(dir.name)) continue;
      const base = join(this.home, 'agents', dir.name);
      const sqlitePath = join(base, 'agent', 'openclaw-agent.sqlite');
      const existing = this.stores.get(dir.name);
      if (existing?.layout === 'sqlite') continue;
      if (await isFile(sqlitePath)) this.stores.set(dir.name, new AgentDatabase(dir.name, sqlitePath));
      else if (!existing && (await isFile(join(base, 'sessions', 'sessions.json')))) {
        this.stores.set(dir.name, new LegacySessions(dir.name, join(base, 'sessions')));
      }
    }
    return [...this.stores.values()];
  }

  private async pollStore(store: SessionStore, problems: string[], dirty: Set<string>): Promise<void> {
    try {
      const changes = await store.poll((key, sessionId) => this.trackers.get(key)?.counted.get(sessionId) ?? -1, this.prices);
      await this.apply(store, changes);
      for (const meta of changes.metas) dirty.add(meta.key);
      for (const { key } of changes.loaded) dirty.add(key);
      for (const line of changes.lines) dirty.add(line.key);
    } catch (error) {
      // Locked, mid-write or unreadable right now: what was read before stays, and the next poll tries again.
      problems.push(`${store.agentId}: ${(error as Error).message}`);
    }
  }

  private async apply(store: SessionStore, changes: StoreChanges): Promise<void> {
    for (const meta of changes.metas) {
      const tracker = this.trackers.get(meta.key);
      if (tracker) tracker.meta = meta;
      else this.trackers.set(meta.key, new SessionTracker(meta));
    }
    for (const { key, aggregate } of changes.loaded) this.trackers.get(key)?.load(aggregate.session_id, aggregate, this.prices);
    for (const { key, sessionId, position, message } of changes.lines) {
      const tracker = this.trackers.get(key);
      if (message) tracker?.add(sessionId, position, message);
      else tracker?.counted.set(sessionId, position);
    }
    for (const key of changes.recount) {
      const tracker = this.trackers.get(key);
      if (!tracker) continue;
      tracker.reset();
      for (const sessionId of store.sessionIds(key)) {
        for (const { position, line } of await store.readLines(sessionId, { limit: Number.MAX_SAFE_INTEGER })) {
          const message = parseTranscriptLine(line, this.prices);
          if (message) tracker.add(sessionId, position, message);
        }
      }
    }
  }

  /**
   * Recomputes the views of the sessions that changed and of those with a run in progress (time alone
   * can make them stuck), their agents' tallies, and emits what changed. Its cost follows the changes,
   * not the history.
   */
  private refresh(now: number, dirty: Set<string>): void {
    for (const key of new Set([...dirty, ...this.runningKeys])) {
      const tracker = this.trackers.get(key);
      if (!tracker) continue;
      const view = tracker.view(now, this.stuckMs);
      const previous = this.views.get(key) ?? null;
      this.views.set(key, view);
      if (tracker.running) this.runningKeys.add(key);
      else this.runningKeys.delete(key);
      if (!previous || changed(previous, view)) this.bus.emit(DomainEvent.SessionUpdated, { session: view, previous });
      let tally = this.tallies.get(tracker.meta.agentId);
      if (!tally) this.tallies.set(tracker.meta.agentId, (tally = new AgentTally()));
      tally.update(tracker);
      if (view.stuck && !previous?.stuck) {
        const idle = (now - (tracker.lastActivity ?? now)) / 60_000;
        this.bus.emit(DomainEvent.SessionStuck, { session: view, idle_minutes: Math.round(idle * 10) / 10 });
      }
    }
    const ids = new Set([...this.roster.map((a) => a.id), ...this.stores.keys()]);
    for (const id of new Set([...ids, ...this.agents.keys()])) {
      const before = this.agents.get(id);
      if (!ids.has(id)) this.agents.delete(id);
      else this.agents.set(id, (this.tallies.get(id) ?? new AgentTally()).agent(id, this.roster.find((a) => a.id === id), now, this.staleMs));
      if (JSON.stringify(before) !== JSON.stringify(this.agents.get(id))) this.bus.emit(DomainEvent.OpenClawAgentChanged, { agent_id: id });
    }
  }

  private logOnce(problem: string): void {
    if (this.logged.has(problem)) return;
    this.logged.add(problem);
    this.logger.warn(`OpenClaw (${this.home}): ${problem}`);
  }
}

function changed(a: SessionView, b: SessionView): boolean {
  return (
    a.status !== b.status ||
    a.stuck !== b.stuck ||
    a.total_tokens !== b.total_tokens ||
    a.input_tokens !== b.input_tokens ||
    a.output_tokens !== b.output_tokens ||
    a.cost_usd !== b.cost_usd ||
    a.run_count !== b.run_count ||
    a.session_id !== b.session_id ||
    a.model !== b.model
  );
}

function isFile(path: string): Promise<boolean> {
  return stat(path).then((info) => info.isFile(), () => false);
}
