import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { LoggedEvent } from '../contracts/domain-events';
import type { SystemMetricRow } from '../contracts/metric-figures';
import { FleetService } from '../agents/fleet.service';
import { EventsService } from '../events/events.service';
import { WorkspaceService } from '../workspace/workspace.service';
import { AGENT_STATUSES } from '../contracts/fleet';
import { pendingTasks } from './derivations';
import { OpenClawService } from '../openclaw/openclaw.service';
import { addUsage, emptyUsage, Usage } from '../contracts/usage';
import { MAX_COST_USD, MAX_TOKENS, withinBounds } from '../common/figure-bounds';

/**
 * Event types get a series each, up to this many; later new types are counted together under
 * OTHER_EVENT_TYPES, so that clients inventing types cannot grow memory (or Prometheus) without bound.
 */
const MAX_EVENT_TYPE_LABELS = 1000;
/** Not a valid event type (those start with a letter), so it never stands for one. */
const OTHER_EVENT_TYPES = '_other';

/** The live figures in Prometheus text format, for users who graph Mission Control in Grafana. */
@Injectable()
export class PrometheusService {
  /** A registry of this application's own, so two apps in one process (tests) never collide. */
  readonly registry = new Registry();
  private readonly agents = new Gauge({
    name: 'mission_control_agents',
    help: 'Agents by normalised status',
    labelNames: ['status'],
    registers: [this.registry],
  });
  private readonly pending = new Gauge({
    name: 'mission_control_tasks_pending',
    help: 'Top-level tasks neither completed, failed nor cancelled',
    registers: [this.registry],
  });
  private readonly completed = new Gauge({
    name: 'mission_control_tasks_completed',
    help: 'Tasks completed by all agents, at the last collection',
    registers: [this.registry],
  });
  private readonly failed = new Gauge({
    name: 'mission_control_tasks_failed',
    help: 'Tasks failed by all agents, at the last collection',
    registers: [this.registry],
  });
  private readonly health = new Gauge({
    name: 'mission_control_system_health_score',
    help: 'System health score (0..1) at the last collection',
    registers: [this.registry],
  });
  private readonly eventsPerMinute = new Gauge({
    name: 'mission_control_events_per_minute',
    help: 'Events per minute over the last collection interval',
    registers: [this.registry],
  });
  private readonly tokens = new Gauge({
    name: 'mission_control_tokens_total',
    help: 'Tokens used by OpenClaw agents',
    labelNames: ['agent', 'model', 'kind'],
    registers: [this.registry],
  });
  private readonly cost = new Gauge({
    name: 'mission_control_cost_usd_total',
    help: 'USD spent by OpenClaw agents',
    labelNames: ['agent', 'model'],
    registers: [this.registry],
  });
  /** Usage reported by the plugin's llm_usage events, for agents whose sessions the reader does not see. */
  private readonly reported = new Map<string, Map<string, Usage>>();
  private readonly eventTypes = new Set<string>();
  private readonly events = new Counter({
    name: 'mission_control_events_logged_total',
    help: 'Events stored since start',
    labelNames: ['type'],
    registers: [this.registry],
  });
  private readonly eventCommits = new Counter({
    name: 'mission_control_event_commits_total',
    help: 'Commits of the event log since start; events logged per commit is how many requests group commit wrote together',
    registers: [this.registry],
  });
  private readonly collection = new Histogram({
    name: 'mission_control_collection_duration_seconds',
    help: 'Time one metrics collection took',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  constructor(
    private readonly workspace: WorkspaceService,
    private readonly fleet: FleetService,
    private readonly openclaw: OpenClawService,
    private readonly eventLog: EventsService,
  ) {
    collectDefaultMetrics({ register: this.registry, prefix: 'mission_control_' });
  }

  countEvents(events: LoggedEvent[]): void {
    for (const event of events) {
      const counted = this.eventTypes.has(event.type) || this.eventTypes.size < MAX_EVENT_TYPE_LABELS;
      if (counted) this.eventTypes.add(event.type);
      this.events.inc({ type: counted ? event.type : OTHER_EVENT_TYPES });
      if (event.type === 'llm_usage' && event.agent_id && event.data.source === 'openclaw')
        this.addReported(event.agent_id, event.data);
    }
  }

  showCollection(system: SystemMetricRow, durationMs: number): void {
    setFinite(this.completed, {}, system.total_tasks_completed);
    setFinite(this.failed, {}, system.total_tasks_failed);
    setFinite(this.health, {}, system.system_health_score);
    setFinite(this.eventsPerMinute, {}, system.events_per_minute);
    this.collection.observe(durationMs / 1000);
  }

  async render(): Promise<string> {
    const agents = this.fleet.listAgents();
    for (const status of AGENT_STATUSES) this.agents.set({ status }, agents.filter((a) => a.status === status).length);
    this.pending.set(pendingTasks(this.workspace.getTaskQueue().tasks));
    this.renderUsage();
    // The event log keeps the count; the counter shows it as it stands.
    this.eventCommits.reset();
    this.eventCommits.inc(this.eventLog.commits);
    return this.registry.metrics();
  }

  /** The reader's totals where it sees the agent's sessions, else what the plugin reported since start: never both. */
  private renderUsage(): void {
    this.tokens.reset();
    this.cost.reset();
    const fromReader = this.openclaw.agentUsage();
    const byAgent = new Map([...this.reported].filter(([agent]) => !fromReader.has(agent)));
    for (const [agent, usage] of fromReader) byAgent.set(agent, usage.byModel);
    for (const [agent, models] of byAgent) {
      for (const [model, usage] of models) {
        setFinite(this.tokens, { agent, model, kind: 'input' }, usage.input_tokens);
        setFinite(this.tokens, { agent, model, kind: 'output' }, usage.output_tokens);
        setFinite(this.tokens, { agent, model, kind: 'cache_read' }, usage.cache_read_tokens);
        setFinite(this.tokens, { agent, model, kind: 'cache_write' }, usage.cache_write_tokens);
        setFinite(this.cost, { agent, model }, usage.cost_usd);
      }
    }
  }

  private addReported(agent: string, data: Record<string, unknown>): void {
    const n = (v: unknown, max = MAX_TOKENS) => (withinBounds(v, max) ? v : 0);
    const model =
      `${typeof data.provider === 'string' ? data.provider : 'unknown'}/${typeof data.model === 'string' ? data.model : 'unknown'}`.slice(
        0,
        200,
      );
    const models = this.reported.get(agent) ?? new Map<string, Usage>();
    const usage = models.get(model) ?? emptyUsage();
    addUsage(usage, {
      input_tokens: n(data.input_tokens),
      output_tokens: n(data.output_tokens),
      cache_read_tokens: n(data.cache_read_tokens),
      cache_write_tokens: n(data.cache_write_tokens),
      total_tokens: 0,
      cost_usd: n(data.cost_usd, MAX_COST_USD),
    });
    this.reported.set(agent, models.set(model, usage));
  }
}

/**
 * Prometheus reads NaN and ±Inf as values; a series that is not a finite
 * number is left out instead (it never is, its figures are bounded).
 */
function setFinite<T extends string>(gauge: Gauge<T>, labels: Partial<Record<T, string>>, value: number): void {
  if (Number.isFinite(value)) gauge.set(labels, value);
  else if (Object.keys(labels).length) gauge.remove(labels);
  else gauge.reset();
}
