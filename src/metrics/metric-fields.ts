/**
 * The figures of a collection, each with how an hour of them rolls up: running totals keep their
 * last (largest) value, interval figures add up, the rest average. One list for the collector (the
 * columns it writes), the metrics service (history), retention (rollups) and the gateway (units).
 */
export type Rollup = 'MAX' | 'SUM' | 'AVG';

export const AGENT_FIGURES = {
  tasks_completed: 'MAX',
  tasks_failed: 'MAX',
  tasks_in_progress: 'AVG',
  avg_task_duration: 'AVG',
  total_work_time: 'SUM',
  idle_time: 'SUM',
  messages_sent: 'SUM',
  messages_received: 'SUM',
  error_rate: 'AVG',
  success_rate: 'AVG',
  tokens_in: 'SUM',
  tokens_out: 'SUM',
  cost_usd: 'SUM',
  cost_usd_total: 'MAX',
  tool_calls: 'SUM',
  runs: 'SUM',
} as const satisfies Record<string, Rollup>;

export const SYSTEM_FIGURES = {
  total_agents: 'AVG',
  active_agents: 'AVG',
  idle_agents: 'AVG',
  offline_agents: 'AVG',
  total_tasks_completed: 'MAX',
  total_tasks_pending: 'AVG',
  total_tasks_failed: 'MAX',
  system_health_score: 'AVG',
  avg_response_time: 'AVG',
  events_per_minute: 'AVG',
  tokens_in: 'SUM',
  tokens_out: 'SUM',
  cost_usd: 'SUM',
  cost_usd_total: 'MAX',
} as const satisfies Record<string, Rollup>;

export type SystemFigure = keyof typeof SYSTEM_FIGURES;

/** The names of a figure table, in order. */
export function figureNames<T extends Record<string, Rollup>>(figures: T): (keyof T & string)[] {
  return Object.keys(figures) as (keyof T & string)[];
}

/** `MAX("tasks_completed"), AVG(…)…`: each figure of an hour, rolled up. */
export function rollupSql(figures: Record<string, Rollup>): string {
  return Object.entries(figures)
    .map(([name, rollup]) => `${rollup}("${name}")`)
    .join(', ');
}

/** `"tasks_completed", …`: the figures as a column list. */
export function columnsSql(figures: Record<string, Rollup>): string {
  return figureNames(figures)
    .map((name) => `"${name}"`)
    .join(', ');
}
