import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { stat } from 'node:fs/promises';
import { LeaderWork, LeadershipHooks } from '../cluster/leader-only';
import { DomainEventBus } from '../common/domain-event-bus';
import { Turns } from '../common/turns';
import { AppConfig } from '../config/environment';
import { DomainEvent } from '../contracts/domain-events';
import { SessionStore, StoreChanges } from './session-store';
import { AgentTally, AgentUsage, sameAgent, usageByAgent } from './openclaw-agents';
import { OpenClawAgent } from '../contracts/fleet';
import { ModelPrice } from '../contracts/usage';
import { LocalGatewaySettings } from '../contracts/gateways';
import { discoverStores, OpenClawConfigFile, readLocalGateway, storeAt } from './openclaw-home';
import { OpenClawHealth, OpenClawView, SessionUsage, SharedOpenClaw, sharedSession } from './openclaw-share';
import { PendingReads, STILL_READING } from './pending-reads';
import { SessionTracker, viewChanged } from './session-tracker';
import { SessionView } from '../contracts/sessions';
import { parseTranscriptLine } from './transcript-line';

export type { AgentUsage } from './openclaw-agents';
export type { OpenClawHealth, OpenClawView } from './openclaw-share';

/**
 * A read of OpenClaw's files not answered within this is no longer waited for: reported, and taken up when it returns.
 */
const READ_WAIT_MS = 30_000;
/** At shutdown, reads under way get this long to end before the application closes without them. */
const STOP_GRACE_MS = 2_000;
const NO_TALLY = new AgentTally();

/**
 * Mission Control's view of OpenClaw's own records under MC_OPENCLAW_HOME, read-only: the roster from
 * openclaw.json, and every agent's sessions from its SQLite store (or the legacy sessions.json and
 * transcripts), polled every MC_OPENCLAW_POLL seconds for what changed. It emits a domain event for every
 * session and agent that changes and for every session that gets stuck. In a cluster only the leader
 * reads; followers adopt its view (see FleetViewSync) and read transcripts on request.
 */
@Injectable()
@LeaderWork('sources')
export class OpenClawService implements LeadershipHooks, OnModuleDestroy {
  private readonly logger = new Logger(OpenClawService.name);
  readonly home: string;
  private readonly enabled: boolean;
  private readonly pollMs: number;
  private readonly stuckMs: number;
  private readonly staleMs: number;
  private readonly config: OpenClawConfigFile;
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
  /** Whether a poll has read everything once, with no read left under way. */
  private whole = false;
  private readonly reads = new PendingReads(READ_WAIT_MS);
  /** The roster's version and the number of stores when every agent was last worked out. */
  private agentsFrom = '';
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> = Promise.resolve();
  /** Whether this instance polls OpenClaw now: enabled, not stopping, and not a cluster's follower. */
  private reading = false;
  private stopped = false;
  /** A follower's: the leader's view, adopted instead of polling. */
  private shared: SharedOpenClaw | null = null;

  constructor(
    config: AppConfig,
    private readonly bus: DomainEventBus,
  ) {
    this.home = config.get('MC_OPENCLAW_HOME', { infer: true });
    this.config = new OpenClawConfigFile(this.home);
    this.enabled = config.get('MC_OPENCLAW', { infer: true }) === 'on';
    this.pollMs = config.get('MC_OPENCLAW_POLL', { infer: true }) * 1000;
    this.stuckMs = config.get('MC_STUCK_MINUTES', { infer: true }) * 60_000;
    this.staleMs = config.get('MC_STALE_MINUTES', { infer: true }) * 60_000;
  }

  /** Polls OpenClaw itself from now on (a cluster's follower adopted the leader's view until now). */
  startLeading(): void {
    // The agents' databases it opened would stay open after the application closed.
    if (!this.enabled || this.stopped || this.reading) return;
    this.reading = true;
    this.shared = null;
    this.schedule(0);
  }

  stopLeading(): void {
    this.reading = false;
    if (this.timer) clearTimeout(this.timer);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.reading = false;
    if (this.timer) clearTimeout(this.timer);
    const settled = this.reads.settle(STOP_GRACE_MS);
    await this.polling;
    await settled;
    // A store whose read is still under way is left to it: closing would wait for that read.
    await Promise.all(
      [...this.stores.values()].filter((store) => !this.reads.has(store)).map((store) => store.close()),
    );
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

  /** The local gateway openclaw.json describes (its port and secret), read now; null without one. */
  localGateway(): Promise<LocalGatewaySettings | null> {
    return readLocalGateway(this.home);
  }

  /** Every session's usage sums. */
  sessionUsage(): Iterable<SessionUsage> {
    return this.shared?.usage() ?? this.trackers.values();
  }

  /** USD per million tokens by `provider/model`, from openclaw.json. */
  get prices(): Map<string, ModelPrice> {
    return this.shared?.prices ?? this.config.prices;
  }

  /** Whether the first read is done, so totals are whole. */
  get ready(): boolean {
    return this.shared?.view.ready ?? this.whole;
  }

  /** Usage by agent, summed over every session (for metrics collections and Prometheus, not per request). */
  agentUsage(): Map<string, AgentUsage> {
    return usageByAgent(this.sessionUsage());
  }

  /** Every session id a session key has had, oldest first. */
  sessionIds(agentId: string, key: string): string[] {
    return this.shared?.sessionIds(key) ?? this.stores.get(agentId)?.sessionIds(key) ?? [];
  }

  /**
   * The agent's session store, to read transcripts from. A follower gets one of its own for each
   * request, never polled nor kept (its reads open their own connections), so nothing of it outlives
   * the request, not even into leadership.
   */
  store(agentId: string): SessionStore | undefined {
    if (!this.shared) return this.stores.get(agentId);
    const layout = this.shared.layouts.get(agentId);
    return layout && storeAt(this.home, agentId, layout);
  }

  /** The view as other instances of a cluster are given it. */
  share(): OpenClawView {
    if (this.shared) return this.shared.view;
    const usage = [...this.trackers.values()].map((t) => sharedSession(t, this.sessionIds(t.meta.agentId, t.meta.key)));
    const layouts = [...this.stores].map(([id, store]) => [id, store.layout] as [string, 'sqlite' | 'legacy']);
    return {
      health: this.health(),
      ready: this.ready,
      agents: this.listAgents(),
      sessions: this.listSessions(),
      usage,
      prices: [...this.prices],
      layouts,
    };
  }

  /**
   * A follower's update: the leader's view replaces this one, with an agent change event for every agent
   * that differs, as if it had been polled here. Ignored while this instance reads OpenClaw itself.
   */
  adopt(view: OpenClawView): void {
    if (this.reading) return;
    this.shared = new SharedOpenClaw(view);
    this.views.clear();
    for (const session of view.sessions) this.views.set(session.key, session);
    const agents = new Map(view.agents.map((agent) => [agent.id, agent]));
    for (const id of new Set([...this.agents.keys(), ...agents.keys()])) this.setAgent(id, agents.get(id));
  }

  /** Sets or removes one agent, and says so when it changed. */
  private setAgent(id: string, agent: OpenClawAgent | undefined): void {
    const before = this.agents.get(id);
    if (agent) this.agents.set(id, agent);
    else this.agents.delete(id);
    if (!sameAgent(before, agent))
      this.bus.emit(DomainEvent.OpenClawAgentChanged, { agent_id: id, agent: agent ?? null });
  }

  health(): OpenClawHealth {
    if (this.shared) return this.shared.view.health;
    const partial = this.problems.length > 0 || [...this.stores.values()].some((s) => s.problems.length);
    return {
      home: this.home,
      state: !this.enabled ? 'off' : !this.found ? 'not found' : partial ? 'partial' : 'ok',
      agents: this.agents.size,
      sessions: this.trackers.size,
      schema_versions: Object.fromEntries(
        [...this.stores].filter(([, s]) => s.layout === 'sqlite').map(([id, s]) => [id, s.schemaVersion]),
      ),
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
    if (!this.reading) return;
    // One timer at a time, also when leadership came back while a poll was still running.
    if (this.timer) clearTimeout(this.timer);
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
    // Every read of the home's files is waited for a while only (see PendingReads).
    const scan = await this.reads.read('home', async () => {
      const found = await stat(this.home).then(
        (info) => info.isDirectory(),
        () => false,
      );
      const scanned: string[] = [];
      if (found) await this.config.read(scanned);
      if (found) await discoverStores(this.home, this.stores, scanned);
      return { found, problems: scanned };
    });
    if (scan === STILL_READING) problems.push(stillReading('the home, openclaw.json and the agents folder'));
    else {
      this.found = scan.found;
      problems.push(...scan.problems);
    }
    if (this.found) {
      // Agents' databases are read side by side: SQLite works in the thread pool while this thread counts.
      await Promise.all([...this.stores.values()].map((store) => this.pollStore(store, problems, dirty)));
    }
    this.problems = problems;
    for (const problem of this.health().problems) this.logOnce(problem);
    await this.refresh(now, dirty);
    this.lastPoll = { at: now, ms: performance.now() - started };
    this.whole ||= this.reads.size === 0;
  }

  private async pollStore(store: SessionStore, problems: string[], dirty: Set<string>): Promise<void> {
    try {
      const counted = (key: string, sessionId: string) => this.trackers.get(key)?.counted.get(sessionId) ?? -1;
      const changes = await this.reads.read(store, () => store.poll(counted, this.prices));
      if (changes === STILL_READING)
        return void problems.push(`${store.agentId}: ${stillReading('its session store')}`);
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
    for (const { key, aggregate } of changes.loaded)
      this.trackers.get(key)?.load(aggregate.session_id, aggregate, this.prices);
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
  private async refresh(now: number, dirty: Set<string>): Promise<void> {
    for (const key of new Set([...dirty, ...this.runningKeys])) {
      const tracker = this.trackers.get(key);
      if (!tracker) continue;
      const view = tracker.view(now, this.stuckMs);
      const previous = this.views.get(key) ?? null;
      this.views.set(key, view);
      if (tracker.running) this.runningKeys.add(key);
      else this.runningKeys.delete(key);
      if (!previous || viewChanged(previous, view))
        this.bus.emit(DomainEvent.SessionUpdated, { session: view, previous });
      let tally = this.tallies.get(tracker.meta.agentId);
      if (!tally) this.tallies.set(tracker.meta.agentId, (tally = new AgentTally()));
      tally.update(tracker);
      if (view.stuck && !previous?.stuck) {
        const idle = (now - (tracker.lastActivity ?? now)) / 60_000;
        this.bus.emit(DomainEvent.SessionStuck, { session: view, idle_minutes: Math.round(idle * 10) / 10 });
      }
    }
    await this.refreshAgents(now);
  }

  /**
   * Works out the agents: those with sessions at every poll (time alone changes their status), every
   * agent of the roster only when the roster or the stores changed, in turns (a roster of 50,000 takes
   * seconds), so that requests are answered in between.
   */
  private async refreshAgents(now: number): Promise<void> {
    const roster = this.config.roster;
    const from = `${this.config.version}:${this.stores.size}`;
    const all = from !== this.agentsFrom;
    this.agentsFrom = from;
    const turns = new Turns();
    for (const id of all ? everyAgent(roster, this.stores, this.agents) : [...this.tallies.keys()]) {
      const known = roster.has(id) || this.stores.has(id);
      this.setAgent(
        id,
        known ? (this.tallies.get(id) ?? NO_TALLY).agent(id, roster.get(id), now, this.staleMs) : undefined,
      );
      await turns.pause();
    }
  }

  private logOnce(problem: string): void {
    if (this.logged.has(problem)) return;
    this.logged.add(problem);
    this.logger.warn(`OpenClaw (${this.home}): ${problem}`);
  }
}

/** Every agent id of the roster, of the stores, and of the agents known so far, once each. */
function* everyAgent(
  roster: Map<string, unknown>,
  stores: Map<string, unknown>,
  known: Map<string, unknown>,
): Iterable<string> {
  yield* roster.keys();
  for (const id of stores.keys()) if (!roster.has(id)) yield id;
  for (const id of [...known.keys()]) if (!roster.has(id) && !stores.has(id)) yield id;
}

function stillReading(what: string): string {
  return `a read of ${what} has not returned after ${READ_WAIT_MS / 1000} s: not waited for, taken up when it returns`;
}
