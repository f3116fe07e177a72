import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DomainEvent, EventLoggedEvent, MetricsCollectedEvent } from '../domain-events';
import { FleetService } from '../agents/fleet.service';
import { WorkspaceService } from '../workspace/workspace.service';
import { AGENT_STATUSES } from '../workspace/workspace.types';
import { pendingTasks } from './derivations';

/** The live figures in Prometheus text format, for users who graph Mission Control in Grafana. */
@Injectable()
export class PrometheusService {
  /** A registry of this application's own, so two apps in one process (tests) never collide. */
  readonly registry = new Registry();
  private readonly agents = new Gauge({ name: 'mission_control_agents', help: 'Agents by normalised status', labelNames: ['status'], registers: [this.registry] });
  private readonly pending = new Gauge({ name: 'mission_control_tasks_pending', help: 'Top-level tasks neither completed, failed nor cancelled', registers: [this.registry] });
  private readonly completed = new Gauge({ name: 'mission_control_tasks_completed', help: 'Tasks completed by all agents, at the last collection', registers: [this.registry] });
  private readonly failed = new Gauge({ name: 'mission_control_tasks_failed', help: 'Tasks failed by all agents, at the last collection', registers: [this.registry] });
  private readonly health = new Gauge({ name: 'mission_control_system_health_score', help: 'System health score (0..1) at the last collection', registers: [this.registry] });
  private readonly eventsPerMinute = new Gauge({ name: 'mission_control_events_per_minute', help: 'Events per minute over the last collection interval', registers: [this.registry] });
  private readonly events = new Counter({ name: 'mission_control_events_logged_total', help: 'Events stored since start', labelNames: ['type'], registers: [this.registry] });
  private readonly collection = new Histogram({
    name: 'mission_control_collection_duration_seconds',
    help: 'Time one metrics collection took',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  constructor(
    private readonly workspace: WorkspaceService,
    private readonly fleet: FleetService,
  ) {
    collectDefaultMetrics({ register: this.registry, prefix: 'mission_control_' });
  }

  @OnEvent(DomainEvent.EventLogged)
  onEventLogged({ event }: EventLoggedEvent): void {
    this.events.inc({ type: event.type });
  }

  @OnEvent(DomainEvent.MetricsCollected)
  onCollected({ system, duration_ms }: MetricsCollectedEvent): void {
    this.completed.set(system.total_tasks_completed);
    this.failed.set(system.total_tasks_failed);
    this.health.set(system.system_health_score);
    this.eventsPerMinute.set(system.events_per_minute);
    this.collection.observe(duration_ms / 1000);
  }

  async render(): Promise<string> {
    const agents = this.fleet.listAgents();
    for (const status of AGENT_STATUSES) this.agents.set({ status }, agents.filter((a) => a.status === status).length);
    this.pending.set(pendingTasks(this.workspace.getTaskQueue().tasks));
    return this.registry.metrics();
  }
}
