import { Injectable } from '@nestjs/common';
import { AgentNotFoundException } from '../common/agent-not-found.exception';
import { placeAgents, ZONE_LAYOUT } from '../contracts/office-layout';
import { FleetService } from '../agents/fleet.service';
import { WorkspaceService } from '../workspace/workspace.service';
import { fleetCounts, pendingTasks, rates } from './derivations';
import { AgentHistoryDto, AgentPeriodMetricsDto, SystemHistoryDto, SystemStatusDto } from './dto/metrics.dto';
import { HistoryQuery, stepSeconds } from './dto/metrics-query.dto';
import { MetricsRepository } from './metrics.repository';

/** Beyond a week, history comes from hourly rollups; without a step it is shown hourly. */
const RAW_HOURS = 168;

@Injectable()
export class MetricsService {
  constructor(
    private readonly metrics: MetricsRepository,
    private readonly workspace: WorkspaceService,
    private readonly fleet: FleetService,
  ) {}

  /** When the last collection was stored (ISO 8601), or null before the first. */
  lastCollectionAt(): Promise<string | null> {
    return this.metrics.lastCollectionAt();
  }

  async agentPeriod(agentId: string, hours: number): Promise<AgentPeriodMetricsDto> {
    await this.assertKnown(agentId);
    const { before, last, sums, avg_task_duration } = await this.metrics.agentPeriod(agentId, hoursAgo(hours));
    // Totals are running counts: the period's share is the last minus the one before the period
    // (zero when the agent's history starts inside it), never negative (a counter may be reset).
    const completed = last ? Math.max(0, last.tasks_completed - (before?.tasks_completed ?? 0)) : 0;
    const failed = last ? Math.max(0, last.tasks_failed - (before?.tasks_failed ?? 0)) : 0;
    return {
      agent_id: agentId,
      period_hours: hours,
      tasks_completed: completed,
      tasks_failed: failed,
      avg_task_duration,
      total_work_time: sums.total_work_time,
      idle_time: sums.idle_time,
      messages_sent: sums.messages_sent,
      messages_received: sums.messages_received,
      ...rates(completed, failed),
      tokens_in: sums.tokens_in,
      tokens_out: sums.tokens_out,
      cost_usd: sums.cost_usd,
      tool_calls: sums.tool_calls,
      runs: sums.runs,
    };
  }

  async agentHistory(agentId: string, query: HistoryQuery): Promise<AgentHistoryDto> {
    await this.assertKnown(agentId);
    return { agent_id: agentId, history: await this.metrics.agentHistory(agentId, hoursAgo(query.hours), step(query)) };
  }

  async systemHistory(query: HistoryQuery): Promise<SystemHistoryDto> {
    return { history: await this.metrics.systemHistory(hoursAgo(query.hours), step(query)) };
  }

  /** The office with positions on the shared floor plan, and live figures with the last collection's rates. */
  async systemStatus(): Promise<SystemStatusDto> {
    const office = this.workspace.getOffice();
    const last = await this.metrics.latestSystemRow();
    return {
      office_state: { ...(office?.raw ?? {}), positions: placeAgents(office), zones: ZONE_LAYOUT },
      metrics: {
        ...fleetCounts(this.fleet.listAgents()),
        total_tasks_completed: last?.total_tasks_completed ?? 0,
        total_tasks_failed: last?.total_tasks_failed ?? 0,
        total_tasks_pending: pendingTasks(this.workspace.getTaskQueue().tasks),
        system_health_score: last?.system_health_score ?? 1,
        events_per_minute: last?.events_per_minute ?? 0,
        avg_response_time: last?.avg_response_time ?? null,
        last_collection: last?.timestamp ?? null,
      },
      timestamp: new Date().toISOString(),
    };
  }

  /**
   * USD spent per agent and UTC day (YYYY-MM-DD) from `since` on, summed over the collections' interval
   * costs, raw rows and hourly rollups alike (they never overlap): what cost budgets start from.
   */
  costByAgentAndDay(since: string): Promise<{ agent_id: string; day: string; cost_usd: number }[]> {
    return this.metrics.costByAgentAndDay(since);
  }

  /** An agent is known when it has a folder or any stored metrics. */
  private async assertKnown(agentId: string): Promise<void> {
    if (this.fleet.getAgent(agentId)) return;
    if (!(await this.metrics.agentHasMetrics(agentId))) throw new AgentNotFoundException(agentId);
  }
}

/** Seconds per point: the query's step; hourly beyond a week; null (every row) otherwise. */
function step(query: HistoryQuery): number | null {
  return query.step ? stepSeconds(query.step) : query.hours > RAW_HOURS ? 3600 : null;
}

function hoursAgo(hours: number): string {
  return new Date(Date.now() - hours * 3_600_000).toISOString();
}
