/**
 * The figures of a metrics collection: the one list. The repository's SQL (inserts, history, period
 * sums, hourly rollups) and the row types below are derived from it; the entities, the DTOs and the
 * migrations restate it for TypeORM, Swagger and history, and metrics/metric-figures.spec.ts fails
 * when any of them drifts. Each figure says how an hour of it rolls up (running totals keep their
 * last, largest value; interval figures add up; the rest average), its column type, and its value
 * when none was recorded (null for the figures that may have none).
 */
export type Rollup = 'MAX' | 'SUM' | 'AVG';

export interface Figure {
  rollup: Rollup;
  type: 'integer' | 'real';
  /** The column's default; absent for a nullable figure. */
  default?: number;
  nullable?: true;
}

const runningCount = { rollup: 'MAX', type: 'integer', default: 0 } as const;
const runningAmount = { rollup: 'MAX', type: 'real', default: 0 } as const;
const intervalCount = { rollup: 'SUM', type: 'integer', default: 0 } as const;
const intervalAmount = { rollup: 'SUM', type: 'real', default: 0 } as const;
const gauge = { rollup: 'AVG', type: 'integer', default: 0 } as const;
const rate = { rollup: 'AVG', type: 'real', default: 0 } as const;
/** A rate or score that is whole (1) until something lowers it. */
const score = { rollup: 'AVG', type: 'real', default: 1 } as const;
const optionalMean = { rollup: 'AVG', type: 'real', nullable: true } as const;

/** One agent's figures: task counters are running totals; times, messages and usage cover the interval. */
export const AGENT_FIGURES = {
  tasks_completed: runningCount,
  tasks_failed: runningCount,
  tasks_in_progress: gauge,
  /** Seconds, or null when no task was timed. */
  avg_task_duration: optionalMean,
  /** Seconds active in the interval. */
  total_work_time: intervalAmount,
  /** Seconds idle in the interval. */
  idle_time: intervalAmount,
  messages_sent: intervalCount,
  messages_received: intervalCount,
  error_rate: rate,
  success_rate: score,
  /** Input tokens of OpenClaw model answers in the interval. */
  tokens_in: intervalCount,
  tokens_out: intervalCount,
  /** USD spent in the interval. */
  cost_usd: intervalAmount,
  /** USD spent in all, a running total. */
  cost_usd_total: runningAmount,
  tool_calls: intervalCount,
  /** OpenClaw runs that ended in the interval. */
  runs: intervalCount,
} as const satisfies Record<string, Figure>;

/** The whole fleet's figures at one collection. */
export const SYSTEM_FIGURES = {
  total_agents: gauge,
  active_agents: gauge,
  idle_agents: gauge,
  offline_agents: gauge,
  total_tasks_completed: runningCount,
  total_tasks_pending: gauge,
  total_tasks_failed: runningCount,
  /** 0..1. */
  system_health_score: score,
  /** Milliseconds, or null when no event reported one. */
  avg_response_time: optionalMean,
  events_per_minute: rate,
  tokens_in: intervalCount,
  tokens_out: intervalCount,
  cost_usd: intervalAmount,
  cost_usd_total: runningAmount,
} as const satisfies Record<string, Figure>;

export type Figures = Record<string, Figure>;
export type AgentFigure = keyof typeof AGENT_FIGURES;
export type SystemFigure = keyof typeof SYSTEM_FIGURES;

/** Each figure's value: a number, or also null for a figure that may have none. */
export type FigureValues<F extends Figures> = {
  -readonly [K in keyof F]: F[K] extends { nullable: true } ? number | null : number;
};

/** One agent's row of a collection, as stored. */
export interface AgentMetricRow extends FigureValues<typeof AGENT_FIGURES> {
  id: number;
  agent_id: string;
  /** ISO 8601, UTC. */
  timestamp: string;
}

/** The fleet's row of a collection, as stored. */
export interface SystemMetricRow extends FigureValues<typeof SYSTEM_FIGURES> {
  id: number;
  /** ISO 8601, UTC. */
  timestamp: string;
  /** The last event id the collection counted: where the next one resumes, across restarts. */
  last_event_id: number | null;
}

/** The names of a figure list, in order. */
export function figureNames<F extends Figures>(figures: F): (keyof F & string)[] {
  return Object.keys(figures) as (keyof F & string)[];
}

/** The figures of a list that may be null. */
export function nullableFigures<F extends Figures>(figures: F): (keyof F & string)[] {
  return figureNames(figures).filter((name) => figures[name].nullable);
}

/** The names of the figures of a list that roll up by `R`. */
export type RollingUpBy<F extends Figures, R extends Rollup> = {
  [K in keyof F]: F[K] extends { rollup: R } ? K : never;
}[keyof F] &
  string;

/** The figures of a list that roll up by `rollup`. */
export function figuresRollingUpBy<F extends Figures, R extends Rollup>(figures: F, rollup: R): RollingUpBy<F, R>[] {
  return figureNames(figures).filter((name) => figures[name].rollup === rollup) as RollingUpBy<F, R>[];
}
