import { Injectable, Logger, OnModuleDestroy, ServiceUnavailableException } from '@nestjs/common';
import { DomainEventBus } from '../common/domain-event-bus';
import { badFigures } from '../common/figure-bounds';
import { parseJsonObject } from '../common/json';
import { Turns } from '../common/turns';
import { AppConfig } from '../config/environment';
import { DomainEvent, MetricsCollectedEvent } from '../contracts/domain-events';
import { FleetService } from '../agents/fleet.service';
import { WorkspaceService } from '../workspace/workspace.service';
import { Agent, AgentStatus } from '../contracts/fleet';
import {
  fleetCounts,
  healthScore,
  pendingTasks,
  rates,
  reportedDuration,
  reportedStatus,
  StatusChange,
  timeInStatus,
} from './derivations';
import { EventWindowService, StoredEvent } from '../events/event-window.service';
import {
  AGENT_FIGURES,
  AgentMetricRow,
  figureNames,
  nullableFigures,
  SYSTEM_FIGURES,
  SystemMetricRow,
} from '../contracts/metric-figures';
import { MetricsRepository, NewAgentMetricRow } from './metrics.repository';
import { FinishedRuns, runIdOf } from './finished-runs';
import { addUsageEvent, emptyInterval, IntervalUsage, USAGE_EVENT_TYPES, UsageIntervals } from './usage-intervals';
import { AgentUsage, OpenClawService } from '../openclaw/openclaw.service';
import { roundUsd } from '../contracts/usage';

const AGENT_FIGURE_NAMES = figureNames(AGENT_FIGURES);
const AGENT_NULLABLE = nullableFigures(AGENT_FIGURES);
const SYSTEM_FIGURE_NAMES = figureNames(SYSTEM_FIGURES);
const SYSTEM_NULLABLE = nullableFigures(SYSTEM_FIGURES);
/** Events read one by one from the window; the rest are only counted. */
const DETAIL_TYPES = [...new Set(['task_started', 'task_completed', 'status_changed', ...USAGE_EVENT_TYPES])];
/** Open task_started events remembered per agent for durations; beyond this the oldest are forgotten. */
const MAX_OPEN_TASKS_PER_AGENT = 1_000;
/** How far back a restart looks for tasks still open. */
const OPEN_TASK_MEMORY_MS = 24 * 3_600_000;
/** The agents' figures the system row adds up. */
const SUMMED = ['tasks_completed', 'tasks_failed', 'tokens_in', 'tokens_out', 'cost_usd', 'cost_usd_total'] as const;

/** Why a collection under way when the service stops ends early (a 503 to a request that asked for it). */
export class CollectionStopped extends ServiceUnavailableException {
  constructor() {
    super('Metrics collection stopped: the service is stopping');
  }
}

/** How the last collection went, for health: an error when it failed, the agents it could not record. */
export interface CollectionOutcome {
  at: string;
  error: string | null;
  failed: { agent_id: string; error: string }[];
}

/** What the events of one window say about one agent. */
interface AgentWindow {
  counts: Record<string, number>;
  /** Ends of runs already counted (task_completed, task_failed): counted once. */
  repeats: Record<string, number>;
  durations: number[];
  changes: StatusChange[];
  firstFrom: AgentStatus | null;
  /** What the OpenClaw plugin's events in the window add up to. */
  usage: IntervalUsage;
}

/**
 * Records one agent_metrics row per known agent and one system_metrics row per collection.
 * It reads only the events reported since the previous collection (an id range) and keeps running
 * totals in memory, so its cost grows with the number of agents and of new events, not with history.
 */
@Injectable()
export class MetricsCollectorService implements OnModuleDestroy {
  private initialized = false;
  private lastCollectedAt = 0;
  private lastEventId = 0;
  private readonly lastRows = new Map<string, AgentMetricRow>();
  private readonly statusAt = new Map<string, AgentStatus>();
  /** agent id → task id → when it started (ms). */
  private readonly openTasks = new Map<string, Map<string, number>>();
  private usage = new UsageIntervals();
  private readonly finished = new FinishedRuns();
  private readonly logger = new Logger(MetricsCollectorService.name);
  private last: CollectionOutcome | null = null;
  private running: Promise<unknown> = Promise.resolve();
  /** Aborted when the module stops: a collection under way stops at its next page of events. */
  private readonly stopping = new AbortController();

  constructor(
    private readonly metrics: MetricsRepository,
    private readonly workspace: WorkspaceService,
    private readonly fleet: FleetService,
    private readonly bus: DomainEventBus,
    private readonly config: AppConfig,
    private readonly openclaw: OpenClawService,
    private readonly events: EventWindowService,
  ) {}

  /** Runs one collection (never two at once) and emits metrics.collected with its rows. */
  collect(now = Date.now()): Promise<MetricsCollectedEvent> {
    const run = this.running.then(() => this.collectNow(now));
    this.running = run.catch((error: Error) => {
      if (error instanceof CollectionStopped) return;
      this.last = { at: new Date(now).toISOString(), error: error.message, failed: [] };
    });
    return run;
  }

  /** The last collection's outcome on this instance; null before its first. */
  outcome(): CollectionOutcome | null {
    return this.last;
  }

  /** Before the database closes: the first collection after a start reads the whole day's events, which takes long. */
  async onModuleDestroy(): Promise<void> {
    this.stopping.abort(new CollectionStopped());
    await this.running;
  }

  private async collectNow(now: number): Promise<MetricsCollectedEvent> {
    this.stopping.signal.throwIfAborted();
    const started = performance.now();
    if (!this.initialized) await this.initialize(now);
    const windowStart = Math.min(this.lastCollectedAt, now);
    const maxId = await this.events.lastId();
    const windows = await this.readWindow(this.lastEventId, maxId);
    const timestamp = new Date(now).toISOString();
    const agents = new Map(this.fleet.listAgents().map((a) => [a.id, a]));
    const fromReader = this.openclaw.ready ? this.openclaw.agentUsage() : new Map<string, AgentUsage>();
    this.usage.begin(this.openclaw.ready ? fromReader : null);
    // Known agents: those with a folder, those with new events, and those already being recorded.
    const ids = new Set([...agents.keys(), ...windows.perAgent.keys(), ...this.lastRows.keys()]);
    // A fleet of 50,000 agents takes seconds: worked out in turns, so that requests are answered in between.
    const turns = new Turns();
    await turns.pause();
    const sorted = [...ids].sort();

    const agentRows: NewAgentMetricRow[] = [];
    const failed: CollectionOutcome['failed'] = [];
    // One agent whose figures cannot be stored is left out and reported; the others are recorded.
    for (const id of sorted) {
      await turns.pause();
      this.stopping.signal.throwIfAborted();
      try {
        const row = this.agentRow(
          id,
          agents.get(id),
          windows.perAgent.get(id),
          windowStart,
          now,
          timestamp,
          fromReader.get(id),
        );
        const bad = badFigures(row, AGENT_FIGURE_NAMES, AGENT_NULLABLE);
        if (bad.length) throw new Error(`${bad.join(', ')} ${bad.length > 1 ? 'are' : 'is'} not a finite number`);
        agentRows.push(row);
      } catch (error) {
        failed.push({ agent_id: id, error: (error as Error).message });
        this.logger.error(`Metrics of agent ${id} not recorded at ${timestamp}: ${(error as Error).message}`);
        this.startAgentAfresh(id);
      }
    }
    const minutes = (now - windowStart) / 60_000;
    const systemRow = {
      ...(await this.systemRow([...agents.values()], agentRows, windows, minutes, timestamp, turns)),
      last_event_id: maxId,
    };
    const badSystem = badFigures(systemRow, SYSTEM_FIGURE_NAMES, SYSTEM_NULLABLE);
    if (badSystem.length)
      throw new Error(`The fleet's ${badSystem.join(', ')} would not be finite: nothing was recorded`);

    const { agentIds, systemId } = await this.metrics.insertCollection(agentRows, systemRow);

    this.lastCollectedAt = now;
    this.lastEventId = maxId;
    const storedAgents: AgentMetricRow[] = [];
    for (const [i, row] of agentRows.entries()) {
      const stored: AgentMetricRow = { ...row, id: agentIds[i] };
      storedAgents.push(stored);
      this.lastRows.set(row.agent_id, stored);
      await turns.pause();
    }
    this.last = { at: timestamp, error: null, failed };
    const system: SystemMetricRow = { ...systemRow, id: systemId };
    const event: MetricsCollectedEvent = { agents: storedAgents, system, duration_ms: performance.now() - started };
    this.bus.emit(DomainEvent.MetricsCollected, event);
    return event;
  }

  /**
   * Starts again from the stored collections, as after a restart (after any collection under way):
   * another instance of a cluster may have collected since this one last did, and its windows and
   * running figures must not be counted twice.
   */
  forget(): Promise<void> {
    const reset = this.running.then(() => {
      this.initialized = false;
      this.lastRows.clear();
      this.statusAt.clear();
      this.openTasks.clear();
      this.finished.clear();
      this.usage = new UsageIntervals();
    });
    this.running = reset;
    return reset;
  }

  /**
   * After an agent's row could not be stored: its running figures go on from the last stored row with
   * what was not a finite number there set to 0 (a total an older version left infinite), and its
   * usage intervals start again, so the next collection records it.
   */
  private startAgentAfresh(id: string): void {
    const previous = this.lastRows.get(id);
    if (previous) {
      const bad = badFigures(previous as unknown as Record<string, unknown>, AGENT_FIGURE_NAMES, AGENT_NULLABLE);
      this.lastRows.set(id, { ...previous, ...Object.fromEntries(bad.map((name) => [name, 0])) });
    }
    this.usage.forget(id);
  }

  /** After a restart: continue from the last stored collection rather than from the beginning of history. */
  private async initialize(now: number): Promise<void> {
    const last = await this.metrics.lastCollection();
    this.lastCollectedAt = last
      ? Date.parse(last.timestamp)
      : now - this.config.get('MC_METRICS_INTERVAL', { infer: true }) * 1000;
    if (last) {
      for (const row of await this.metrics.agentRowsAt(last.timestamp)) this.lastRows.set(row.agent_id, row);
    }
    if (last?.last_event_id != null) this.lastEventId = last.last_event_id;
    else {
      // Collections stored before they recorded their high-water mark resume by time, as they did.
      const firstId = await this.events.firstIdAfter(new Date(this.lastCollectedAt).toISOString());
      this.lastEventId = firstId === null ? await this.events.lastId() : firstId - 1;
    }
    await this.rememberOpenTasks();
    this.initialized = true;
  }

  /**
   * Tasks started in the last day and not completed before the last collection, so a task that
   * completes after a restart is still timed. Read from the day's first such event, bounded by recent activity.
   */
  private async rememberOpenTasks(): Promise<void> {
    const scratch: AgentWindow = {
      counts: {},
      repeats: {},
      durations: [],
      changes: [],
      firstFrom: null,
      usage: emptyInterval(),
    };
    const since = new Date(this.lastCollectedAt - OPEN_TASK_MEMORY_MS).toISOString();
    await this.events.forEach(
      { types: ['task_started', 'task_completed', 'task_failed'], afterId: 0, upToId: this.lastEventId, since },
      (event) => this.readDetail(scratch, event),
    );
  }

  /**
   * The window's events, read by id range only. Counts come in one query, the events read one by one
   * a page at a time, however many the window holds.
   */
  private async readWindow(fromId: number, toId: number) {
    const { counts, averageResponseTime: responseTime } = await this.events.summary(fromId, toId);

    const perAgent = new Map<string, AgentWindow>();
    const windowOf = (id: string) => {
      let w = perAgent.get(id);
      if (!w)
        perAgent.set(
          id,
          (w = { counts: {}, repeats: {}, durations: [], changes: [], firstFrom: null, usage: emptyInterval() }),
        );
      return w;
    };
    let total = 0;
    let errors = 0;
    for (const { agent_id, event_type, n } of counts) {
      total += n;
      if (event_type === 'error' || event_type === 'task_failed') errors += n;
      if (agent_id) windowOf(agent_id).counts[event_type] = n;
    }
    await this.events.forEach({ types: DETAIL_TYPES, afterId: fromId, upToId: toId }, (event) =>
      this.readDetail(windowOf(event.agent_id), event),
    );
    return { perAgent, total, errors, responseTime };
  }

  private readDetail(w: AgentWindow, event: StoredEvent): void {
    this.stopping.signal.throwIfAborted();
    const data = parseJsonObject(event.data);
    const at = Date.parse(event.timestamp);
    const taskId = data.task_id === undefined || data.task_id === null ? null : String(data.task_id);
    const runId = runIdOf(data);
    if (event.event_type === 'task_started' && runId !== null) this.finished.started(event.agent_id, runId);
    const ends = event.event_type === 'task_completed' || event.event_type === 'task_failed';
    if (ends && runId !== null && !this.finished.finish(event.agent_id, runId)) {
      w.repeats[event.event_type] = (w.repeats[event.event_type] ?? 0) + 1;
      return;
    }
    addUsageEvent(w.usage, event.event_type, data);
    let open = this.openTasks.get(event.agent_id);
    if (!open) this.openTasks.set(event.agent_id, (open = new Map()));
    if (event.event_type === 'status_changed') {
      const to = reportedStatus(data);
      if (to) w.changes.push({ at, to });
      if (w.firstFrom === null && typeof data.from === 'string') w.firstFrom = reportedStatus({ to: data.from });
    } else if (event.event_type === 'task_started' && taskId !== null) {
      open.delete(taskId);
      open.set(taskId, at);
      if (open.size > MAX_OPEN_TASKS_PER_AGENT) open.delete(open.keys().next().value as string);
    } else if (event.event_type === 'task_failed' && taskId !== null) {
      open.delete(taskId);
    } else if (event.event_type === 'task_completed') {
      const started = taskId === null ? null : (open.get(taskId) ?? null);
      if (taskId !== null) open.delete(taskId);
      const duration = reportedDuration(data) ?? (started !== null ? Math.max(0, (at - started) / 1000) : null);
      if (duration !== null) w.durations.push(duration);
    }
  }

  private agentRow(
    id: string,
    agent: Agent | undefined,
    w: AgentWindow | undefined,
    start: number,
    end: number,
    timestamp: string,
    reader?: AgentUsage,
  ): NewAgentMetricRow {
    const previous = this.lastRows.get(id);
    // A run reported finished again counts once.
    const once = (type: string) => (w?.counts[type] ?? 0) - (w?.repeats[type] ?? 0);
    const counts: Record<string, number> = {
      ...w?.counts,
      task_completed: once('task_completed'),
      task_failed: once('task_failed'),
    };
    const fromFiles = agent?.task_counts_reported === true;
    const tasksCompleted = fromFiles
      ? agent.tasks_completed
      : (previous?.tasks_completed ?? 0) + (counts.task_completed ?? 0);
    const tasksFailed = fromFiles ? agent.tasks_failed : (previous?.tasks_failed ?? 0) + (counts.task_failed ?? 0);
    const startStatus =
      this.statusAt.get(id) ?? w?.firstFrom ?? (w?.changes.length ? 'offline' : (agent?.status ?? 'offline'));
    const time = timeInStatus(startStatus, w?.changes ?? [], start, end);
    this.statusAt.set(id, w?.changes.length ? time.endStatus : (agent?.status ?? time.endStatus));
    const durations = w?.durations ?? [];
    return {
      agent_id: id,
      timestamp,
      tasks_completed: tasksCompleted,
      tasks_failed: tasksFailed,
      tasks_in_progress: agent?.current_work_reported ? agent.tasks_in_progress : (this.openTasks.get(id)?.size ?? 0),
      avg_task_duration: durations.length ? durations.reduce((a, b) => a + b, 0) / durations.length : null,
      total_work_time: time.active,
      idle_time: time.idle,
      messages_sent: counts.message_sent ?? 0,
      messages_received: counts.message_received ?? 0,
      ...rates(tasksCompleted, tasksFailed),
      ...this.usage.row(reader, id, w?.usage, previous?.cost_usd_total ?? 0),
    };
  }

  private async systemRow(
    agents: Agent[],
    rows: NewAgentMetricRow[],
    window: { total: number; errors: number; responseTime: number | null },
    minutes: number,
    timestamp: string,
    turns: Turns,
  ) {
    const { error_agents: _errors, ...fleet } = fleetCounts(agents);
    const sum = Object.fromEntries(SUMMED.map((key) => [key, 0])) as Record<(typeof SUMMED)[number], number>;
    for (const row of rows) {
      for (const key of SUMMED) sum[key] += row[key];
      await turns.pause();
    }
    const { tasks_completed: completed, tasks_failed: failed } = sum;
    return {
      timestamp,
      ...fleet,
      total_tasks_completed: completed,
      total_tasks_pending: pendingTasks(this.workspace.getTaskQueue().tasks),
      total_tasks_failed: failed,
      system_health_score: healthScore(
        fleet.active_agents + fleet.idle_agents,
        fleet.total_agents,
        rates(completed, failed).success_rate,
        window.errors,
        window.total,
      ),
      avg_response_time: window.responseTime,
      events_per_minute: minutes > 0 ? window.total / minutes : 0,
      tokens_in: sum.tokens_in,
      tokens_out: sum.tokens_out,
      cost_usd: roundUsd(sum.cost_usd),
      cost_usd_total: roundUsd(sum.cost_usd_total),
    };
  }
}
