import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  AGENT_FIGURES,
  AgentMetricRow,
  FigureValues,
  figureNames,
  Figures,
  figuresRollingUpBy,
  SYSTEM_FIGURES,
  SystemMetricRow,
} from '../contracts/metric-figures';
import { DatabaseWriter } from '../database/database-writer';
import { deleteInBatches } from '../database/delete-in-batches';
import { engineSql } from '../database/engine-sql';
import { insertRows } from '../database/insert-rows';
import { namedQuery } from '../database/named-query';

export type NewAgentMetricRow = Omit<AgentMetricRow, 'id'>;
export type NewSystemMetricRow = Omit<SystemMetricRow, 'id'>;
export type AgentHistoryRow = { timestamp: string } & FigureValues<typeof AGENT_FIGURES>;
export type SystemHistoryRow = { timestamp: string } & FigureValues<typeof SYSTEM_FIGURES>;
/** The interval figures, which add up over a period as over an hour. */
export const AGENT_INTERVAL_FIGURES = figuresRollingUpBy(AGENT_FIGURES, 'SUM');
export type AgentIntervalFigure = (typeof AGENT_INTERVAL_FIGURES)[number];

export interface TaskTotals {
  tasks_completed: number;
  tasks_failed: number;
}

/** One agent's rows of a period: its running task totals before and at the end, its interval sums. */
export interface AgentPeriodRows {
  before: TaskTotals | null;
  last: TaskTotals | null;
  sums: Record<AgentIntervalFigure, number>;
  avg_task_duration: number | null;
}

type Table = 'agent_metrics' | 'system_metrics';

const AGENT_COLUMNS = ['agent_id', 'timestamp', ...figureNames(AGENT_FIGURES)] as const;
const SYSTEM_COLUMNS = ['timestamp', ...figureNames(SYSTEM_FIGURES), 'last_event_id'] as const;
/** Agent rows per INSERT: binding a statement's values holds the event loop, longer the more there are. */
const AGENT_ROWS_PER_INSERT = Math.max(1, Math.floor(8_000 / AGENT_COLUMNS.length));
const ROLLUP_TABLES = ['agent_metrics_hourly', 'system_metrics_hourly'] as const;

const quoted = (names: readonly string[]) => names.map((name) => `"${name}"`).join(', ');
/** `MAX("tasks_completed"), AVG(…)…`: each figure of an hour, rolled up. */
const rollups = (figures: Figures) =>
  Object.entries(figures)
    .map(([name, { rollup }]) => `${rollup}("${name}")`)
    .join(', ');
/** Raw rows that turn up for an hour already rolled up (a restored backup, say) replace its rollup. */
const replaced = (figures: Figures) =>
  ['samples', ...figureNames(figures)].map((name) => `"${name}" = excluded."${name}"`).join(', ');

/** An hour of rows becomes one, dated by its first timestamp, with how many rows it summarises. */
const AGENT_ROLLUP = {
  columns: quoted(['agent_id', 'timestamp', 'samples', ...figureNames(AGENT_FIGURES)]),
  values: `"agent_id", MIN("timestamp"), COUNT(*), ${rollups(AGENT_FIGURES)}`,
  replace: replaced(AGENT_FIGURES),
};
const SYSTEM_ROLLUP = {
  columns: quoted(['timestamp', 'samples', ...figureNames(SYSTEM_FIGURES)]),
  values: `MIN("timestamp"), COUNT(*), ${rollups(SYSTEM_FIGURES)}`,
  replace: replaced(SYSTEM_FIGURES),
};
const PERIOD_SUMS = [
  ...AGENT_INTERVAL_FIGURES.map((name) => `COALESCE(SUM("${name}"), 0) AS "${name}"`),
  'AVG("avg_task_duration") AS "avg_task_duration"',
].join(', ');

/** Raw rows and their hourly rollups never overlap (rolled rows are deleted), so history reads both. */
function rowsOf(table: Table, figures: Figures, where: string): string {
  const columns = quoted(['timestamp', ...figureNames(figures)]);
  return `SELECT ${columns} FROM "${table}" WHERE ${where} UNION ALL SELECT ${columns} FROM "${table}_hourly" WHERE ${where}`;
}

/** The metric tables (agent_metrics, system_metrics and their hourly rollups): all of their SQL. */
@Injectable()
export class MetricsRepository {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly writer: DatabaseWriter,
  ) {}

  /** The last stored collection's time and high-water mark, or null before the first. */
  async lastCollection(): Promise<Pick<SystemMetricRow, 'timestamp' | 'last_event_id'> | null> {
    const [last] = await this.db.query(
      'SELECT "timestamp", "last_event_id" FROM "system_metrics" ORDER BY "timestamp" DESC LIMIT 1',
    );
    return last ?? null;
  }

  /** When the last collection was stored (ISO 8601), or null before the first. */
  async lastCollectionAt(): Promise<string | null> {
    const [row] = await this.db.sql<{ last: string | null }[]>`SELECT MAX("timestamp") AS "last" FROM "system_metrics"`;
    return row?.last ?? null;
  }

  /** The agents' rows of the collection stored at `timestamp`. */
  agentRowsAt(timestamp: string): Promise<AgentMetricRow[]> {
    return this.db.sql`SELECT * FROM "agent_metrics" WHERE "timestamp" = ${timestamp}`;
  }

  /** The last collection's fleet figures that the live status shows. */
  async latestSystemRow(): Promise<Pick<
    SystemMetricRow,
    | 'timestamp'
    | 'total_tasks_completed'
    | 'total_tasks_failed'
    | 'system_health_score'
    | 'events_per_minute'
    | 'avg_response_time'
  > | null> {
    const [last] = await this.db.query(
      'SELECT "timestamp", "total_tasks_completed", "total_tasks_failed", "system_health_score", "events_per_minute", "avg_response_time" FROM "system_metrics" ORDER BY "timestamp" DESC LIMIT 1',
    );
    return last ?? null;
  }

  /** Stores one collection in one transaction; answers with the new ids, the agents' in order. */
  insertCollection(
    agentRows: NewAgentMetricRow[],
    systemRow: NewSystemMetricRow,
  ): Promise<{ agentIds: number[]; systemId: number }> {
    return this.writer.transaction(async (m) => {
      const agentIds: number[] = [];
      for (let i = 0; i < agentRows.length; i += AGENT_ROWS_PER_INSERT) {
        const rows = agentRows.slice(i, i + AGENT_ROWS_PER_INSERT);
        agentIds.push(...(await insertRows(m, 'agent_metrics', AGENT_COLUMNS, rows)));
      }
      const [systemId] = await insertRows(m, 'system_metrics', SYSTEM_COLUMNS, [systemRow]);
      return { agentIds, systemId };
    });
  }

  /** Whether any raw or rolled-up row is about this agent. */
  async agentHasMetrics(agentId: string): Promise<boolean> {
    const [row] = await this.db
      .sql`SELECT 1 FROM "agent_metrics" WHERE "agent_id" = ${agentId} UNION ALL SELECT 1 FROM "agent_metrics_hourly" WHERE "agent_id" = ${agentId} LIMIT 1`;
    return Boolean(row);
  }

  /** One agent's rows from `since` on (raw and rolled up), and its running totals just before. */
  async agentPeriod(agentId: string, since: string): Promise<AgentPeriodRows> {
    const rows = `(${rowsOf('agent_metrics', AGENT_FIGURES, '"agent_id" = :agentId')}) AS "rows"`;
    const params = { agentId, since };
    const totals = (where: string) =>
      namedQuery<TaskTotals[]>(
        this.db,
        `SELECT "tasks_completed", "tasks_failed" FROM ${rows} WHERE ${where} ORDER BY "timestamp" DESC LIMIT 1`,
        params,
      );
    const [before] = await totals('"timestamp" < :since');
    const [last] = await totals('"timestamp" >= :since');
    const [sums] = await namedQuery<Record<string, number | string | null>[]>(
      this.db,
      `SELECT ${PERIOD_SUMS} FROM ${rows} WHERE "timestamp" >= :since`,
      params,
    );
    return {
      before: before ?? null,
      last: last ?? null,
      sums: Object.fromEntries(
        AGENT_INTERVAL_FIGURES.map((name) => [name, Number(sums[name])]),
      ) as AgentPeriodRows['sums'],
      avg_task_duration: sums.avg_task_duration === null ? null : Number(sums.avg_task_duration),
    };
  }

  /** One agent's figures from `since` on, oldest first: each row, or averages per `step` seconds. */
  agentHistory(agentId: string, since: string, step: number | null): Promise<AgentHistoryRow[]> {
    const where = '"agent_id" = :agentId AND "timestamp" >= :since';
    return this.history('agent_metrics', AGENT_FIGURES, where, { agentId, since }, step);
  }

  /** The fleet's figures from `since` on, oldest first: each row, or averages per `step` seconds. */
  systemHistory(since: string, step: number | null): Promise<SystemHistoryRow[]> {
    return this.history('system_metrics', SYSTEM_FIGURES, '"timestamp" >= :since', { since }, step);
  }

  /**
   * USD spent per agent and UTC day (YYYY-MM-DD) from `since` on, summed over the collections' interval
   * costs, raw rows and hourly rollups alike (they never overlap).
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

  /** The oldest raw row's timestamp, agents' or fleet's; null when there is none. */
  async oldestRawTimestamp(): Promise<string | null> {
    const [row] = await this.db.query(
      'SELECT MIN("t") AS "oldest" FROM (SELECT MIN("timestamp") AS "t" FROM "agent_metrics" UNION ALL SELECT MIN("timestamp") FROM "system_metrics") AS "oldest_rows"',
    );
    return row.oldest;
  }

  /** Rolls the raw rows of [from, to) up into hourly rows and deletes them, in one transaction. */
  async rollUp(from: string, to: string): Promise<void> {
    // Column lists are spliced as text (functions, in TypeORM's sql tag); the hour's bounds are parameters.
    const text = (fragment: string) => () => fragment;
    await this.writer.transaction(async (m) => {
      // An hour is rolled up whole, once; its rollup keeps the hour's first timestamp.
      await m.sql`INSERT INTO "agent_metrics_hourly" (${text(AGENT_ROLLUP.columns)}) SELECT ${text(AGENT_ROLLUP.values)} FROM "agent_metrics"
        WHERE "timestamp" >= ${from} AND "timestamp" < ${to} GROUP BY "agent_id"
        ON CONFLICT ("agent_id", "timestamp") DO UPDATE SET ${text(AGENT_ROLLUP.replace)}`;
      await m.sql`INSERT INTO "system_metrics_hourly" (${text(SYSTEM_ROLLUP.columns)}) SELECT ${text(SYSTEM_ROLLUP.values)} FROM "system_metrics"
        WHERE "timestamp" >= ${from} AND "timestamp" < ${to} HAVING COUNT(*) > 0
        ON CONFLICT ("timestamp") DO UPDATE SET ${text(SYSTEM_ROLLUP.replace)}`;
      await m.sql`DELETE FROM "agent_metrics" WHERE "timestamp" >= ${from} AND "timestamp" < ${to}`;
      await m.sql`DELETE FROM "system_metrics" WHERE "timestamp" >= ${from} AND "timestamp" < ${to}`;
    });
  }

  /** Deletes the hourly rollups dated before `before` (ms), in small batches; returns how many. */
  async deleteRollupsBefore(before: number): Promise<number> {
    let deleted = 0;
    for (const table of ROLLUP_TABLES) deleted += await deleteInBatches(this.writer, table, before);
    return deleted;
  }

  private async history<T>(
    table: Table,
    figures: Figures,
    where: string,
    params: Record<string, unknown>,
    step: number | null,
  ): Promise<T[]> {
    const rows = rowsOf(table, figures, where);
    if (step === null) return namedQuery(this.db, `${rows} ORDER BY "timestamp"`, params);
    const bucket = `(${engineSql(this.db).epochSeconds('"timestamp"')} / ${step}) * ${step}`;
    const averages = figureNames(figures)
      .map((f) => `AVG("${f}") AS "${f}"`)
      .join(', ');
    const points: (T & { bucket: number })[] = await namedQuery(
      this.db,
      `SELECT ${bucket} AS "bucket", ${averages} FROM (${rows}) AS "rows" GROUP BY "bucket" ORDER BY "bucket"`,
      params,
    );
    return points.map(
      ({ bucket, ...figuresOf }) => ({ timestamp: new Date(bucket * 1000).toISOString(), ...figuresOf }) as T,
    );
  }
}
