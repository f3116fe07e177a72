import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AgentNotFoundException } from '../agents/agent-not-found.exception';
import { namedQuery } from '../database/named-query';
import { engineSql } from '../database/engine-sql';
import { placeAgents, ZONE_LAYOUT } from '../contracts/office-layout';
import { FleetService } from '../agents/fleet.service';
import { WorkspaceService } from '../workspace/workspace.service';
import { fleetCounts, pendingTasks, rates } from './derivations';
import { AGENT_FIGURES, figureNames, SYSTEM_FIGURES } from './metric-fields';
import { SystemMetric } from './system-metric.entity';
import {
  AgentHistoryDto,
  AgentHistoryPointDto,
  AgentPeriodMetricsDto,
  SystemHistoryDto,
  SystemHistoryPointDto,
  SystemStatusDto,
} from './dto/metrics.dto';
import { HistoryQuery, stepSeconds } from './dto/metrics-query.dto';

const AGENT_COLUMNS = figureNames(AGENT_FIGURES);
const SYSTEM_COLUMNS = figureNames(SYSTEM_FIGURES);
interface TaskTotals {
  tasks_completed: number;
  tasks_failed: number;
}

/** Beyond a week, history comes from hourly rollups; without a step it is shown hourly. */
const RAW_HOURS = 168;

/** Raw rows and their hourly rollups never overlap (rolled rows are deleted), so history reads both. */
function rowsOf(table: 'agent_metrics' | 'system_metrics', figures: string[], where: string): string {
  const columns = ['"timestamp"', ...figures.map((f) => `"${f}"`)].join(', ');
  return `SELECT ${columns} FROM "${table}" WHERE ${where} UNION ALL SELECT ${columns} FROM "${table}_hourly" WHERE ${where}`;
}

@Injectable()
export class MetricsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly workspace: WorkspaceService,
    private readonly fleet: FleetService,
  ) {}

  /** When the last collection was stored (ISO 8601), or null before the first. */
  async lastCollectionAt(): Promise<string | null> {
    const row = await this.db
      .getRepository(SystemMetric)
      .createQueryBuilder('m')
      .select('MAX(m.timestamp)', 'last')
      .getRawOne<{ last: string | null }>();
    return row?.last ?? null;
  }

  async agentPeriod(agentId: string, hours: number): Promise<AgentPeriodMetricsDto> {
    await this.assertKnown(agentId);
    const since = hoursAgo(hours);
    const rows = `(${rowsOf('agent_metrics', AGENT_COLUMNS, '"agent_id" = :agentId')}) AS "rows"`;
    const params = { agentId, since };
    const [before] = await namedQuery<TaskTotals[]>(
      this.db,
      `SELECT "tasks_completed", "tasks_failed" FROM ${rows} WHERE "timestamp" < :since ORDER BY "timestamp" DESC LIMIT 1`,
      params,
    );
    const [last] = await namedQuery<TaskTotals[]>(
      this.db,
      `SELECT "tasks_completed", "tasks_failed" FROM ${rows} WHERE "timestamp" >= :since ORDER BY "timestamp" DESC LIMIT 1`,
      params,
    );
    const [sums] = await namedQuery<Record<string, number | string | null>[]>(
      this.db,
      `SELECT COALESCE(SUM("total_work_time"), 0) AS "work", COALESCE(SUM("idle_time"), 0) AS "idle",
              COALESCE(SUM("messages_sent"), 0) AS "sent", COALESCE(SUM("messages_received"), 0) AS "received",
              AVG("avg_task_duration") AS "duration", COALESCE(SUM("tokens_in"), 0) AS "tokensIn",
              COALESCE(SUM("tokens_out"), 0) AS "tokensOut", COALESCE(SUM("cost_usd"), 0) AS "cost",
              COALESCE(SUM("tool_calls"), 0) AS "toolCalls", COALESCE(SUM("runs"), 0) AS "runs"
       FROM ${rows} WHERE "timestamp" >= :since`,
      params,
    );
    // Totals are running counts: the period's share is the last minus the one before the period
    // (zero when the agent's history starts inside it), never negative (a counter may be reset).
    const completed = last ? Math.max(0, last.tasks_completed - (before?.tasks_completed ?? 0)) : 0;
    const failed = last ? Math.max(0, last.tasks_failed - (before?.tasks_failed ?? 0)) : 0;
    return {
      agent_id: agentId,
      period_hours: hours,
      tasks_completed: completed,
      tasks_failed: failed,
      avg_task_duration: sums.duration === null ? null : Number(sums.duration),
      total_work_time: Number(sums.work),
      idle_time: Number(sums.idle),
      messages_sent: Number(sums.sent),
      messages_received: Number(sums.received),
      ...rates(completed, failed),
      tokens_in: Number(sums.tokensIn),
      tokens_out: Number(sums.tokensOut),
      cost_usd: Number(sums.cost),
      tool_calls: Number(sums.toolCalls),
      runs: Number(sums.runs),
    };
  }

  async agentHistory(agentId: string, query: HistoryQuery): Promise<AgentHistoryDto> {
    await this.assertKnown(agentId);
    const history = await this.history<AgentHistoryPointDto>(
      'agent_metrics',
      AGENT_COLUMNS,
      '"agent_id" = :agentId AND "timestamp" >= :since',
      { agentId, since: hoursAgo(query.hours) },
      query,
    );
    return { agent_id: agentId, history };
  }

  async systemHistory(query: HistoryQuery): Promise<SystemHistoryDto> {
    return {
      history: await this.history<SystemHistoryPointDto>(
        'system_metrics',
        SYSTEM_COLUMNS,
        '"timestamp" >= :since',
        { since: hoursAgo(query.hours) },
        query,
      ),
    };
  }

  /** The office with positions on the shared floor plan, and live figures with the last collection's rates. */
  async systemStatus(): Promise<SystemStatusDto> {
    const office = this.workspace.getOffice();
    const [last] = await this.db.query(
      'SELECT "timestamp", "total_tasks_completed", "total_tasks_failed", "system_health_score", "events_per_minute", "avg_response_time" FROM "system_metrics" ORDER BY "timestamp" DESC LIMIT 1',
    );
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

  private async history<T>(
    table: 'agent_metrics' | 'system_metrics',
    figures: string[],
    where: string,
    params: Record<string, unknown>,
    query: HistoryQuery,
  ): Promise<T[]> {
    const step = query.step ? stepSeconds(query.step) : query.hours > RAW_HOURS ? 3600 : null;
    const rows = rowsOf(table, figures, where);
    if (step === null) return namedQuery(this.db, `${rows} ORDER BY "timestamp"`, params);
    const bucket = `(${engineSql(this.db).epochSeconds('"timestamp"')} / ${step}) * ${step}`;
    const averages = figures.map((f) => `AVG("${f}") AS "${f}"`).join(', ');
    const points: (T & { bucket: number })[] = await namedQuery(
      this.db,
      `SELECT ${bucket} AS "bucket", ${averages} FROM (${rows}) AS "rows" GROUP BY "bucket" ORDER BY "bucket"`,
      params,
    );
    return points.map(
      ({ bucket, ...figuresOf }) => ({ timestamp: new Date(bucket * 1000).toISOString(), ...figuresOf }) as T,
    );
  }

  /**
   * USD spent per agent and UTC day (YYYY-MM-DD) from `since` on, summed over the collections' interval
   * costs, raw rows and hourly rollups alike (they never overlap): what cost budgets start from.
   */
  async costByAgentAndDay(since: string): Promise<{ agent_id: string; day: string; cost_usd: number }[]> {
    const sums = (table: 'agent_metrics' | 'agent_metrics_hourly') =>
      this.db
        .createQueryBuilder()
        .select('m.agent_id', 'agent_id')
        .addSelect('SUBSTR(m.timestamp, 1, 10)', 'day')
        .addSelect('SUM(m.cost_usd)', 'cost_usd')
        .from(table, 'm')
        .where('m.timestamp >= :since', { since })
        .groupBy('m.agent_id')
        .addGroupBy('SUBSTR(m.timestamp, 1, 10)')
        .getRawMany<{ agent_id: string; day: string; cost_usd: number | string }>();
    const rows = [...(await sums('agent_metrics')), ...(await sums('agent_metrics_hourly'))];
    return rows.map((r) => ({ agent_id: r.agent_id, day: r.day, cost_usd: Number(r.cost_usd) }));
  }

  /** An agent is known when it has a folder or any stored metrics. */
  private async assertKnown(agentId: string): Promise<void> {
    if (this.fleet.getAgent(agentId)) return;
    const [row] = await this.db
      .sql`SELECT 1 FROM "agent_metrics" WHERE "agent_id" = ${agentId} UNION ALL SELECT 1 FROM "agent_metrics_hourly" WHERE "agent_id" = ${agentId} LIMIT 1`;
    if (!row) throw new AgentNotFoundException(agentId);
  }
}

function hoursAgo(hours: number): string {
  return new Date(Date.now() - hours * 3_600_000).toISOString();
}
