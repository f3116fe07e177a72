import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { AgentMetricRow } from '../../contracts/metric-figures';
import { MetricsService } from '../../metrics/metrics.service';
import { roundUsd } from '../../contracts/usage';
import { AlertRule } from '../alert-rule.entity';
import { agentSubject, FLEET, Observation, ruleAgent, single } from './observation';

const DAY = 86_400_000;
/** Days kept: a month and the week that may begin in the month before. */
const KEEP_DAYS = 40;

export type CostWindow = 'day' | 'week' | 'month';

/** The first UTC day (YYYY-MM-DD) of the calendar window that holds `now`; weeks begin on Monday. */
export function windowStart(window: CostWindow, now: number): string {
  const d = new Date(now);
  if (window === 'month') return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)).toISOString().slice(0, 10);
  const back = window === 'week' ? (d.getUTCDay() + 6) % 7 : 0;
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - back)).toISOString().slice(0, 10);
}

/**
 * cost_budget: USD per agent and UTC day, as the metrics count it (the OpenClaw reader's usage, or the
 * plugin's `llm_usage` events for agents it does not see: never both). Read once at start from the
 * stored collections, then kept up to date from each collection's rows, so a check costs a few
 * additions whatever the history.
 */
@Injectable()
export class CostBudgets implements OnApplicationBootstrap {
  /** agent id → day → USD. */
  private readonly spent = new Map<string, Map<string, number>>();
  private seeded = false;

  constructor(private readonly metrics: MetricsService) {}

  async onApplicationBootstrap(): Promise<void> {
    const since = new Date(Date.now() - KEEP_DAYS * DAY).toISOString().slice(0, 10);
    for (const row of await this.metrics.costByAgentAndDay(since)) this.add(row.agent_id, row.day, row.cost_usd);
    this.seeded = true;
  }

  /**
   * A collection's costs, added before the evaluation that the same collection asks for (see
   * AlertsMetricsListener).
   */
  addCollection(agents: AgentMetricRow[]): void {
    if (!this.seeded) return;
    for (const row of agents) if (row.cost_usd > 0) this.add(row.agent_id, row.timestamp.slice(0, 10), row.cost_usd);
    this.forgetBefore(agents[0]?.timestamp);
  }

  check(rule: AlertRule, now: number): Observation {
    const { usd, window } = rule.params as { usd: number; window: CostWindow };
    const agent = ruleAgent(rule);
    const from = windowStart(window, now);
    const until = new Date(now).toISOString().slice(0, 10);
    let cost = 0;
    for (const [id, days] of this.spent) {
      if (agent && id !== agent) continue;
      for (const [day, amount] of days) if (day >= from && day <= until) cost += amount;
    }
    cost = roundUsd(cost);
    const which = window === 'day' ? 'today' : `this ${window}`;
    const message = `${agent ?? 'The fleet'} spent $${cost.toFixed(2)} ${which} (UTC), over the budget of $${usd}`;
    return single(agent ? agentSubject(agent) : FLEET, cost > usd ? { value: cost, message } : null);
  }

  private add(agentId: string, day: string, usd: number): void {
    let days = this.spent.get(agentId);
    if (!days) this.spent.set(agentId, (days = new Map()));
    days.set(day, (days.get(day) ?? 0) + usd);
  }

  private forgetBefore(timestamp: string | undefined): void {
    if (!timestamp) return;
    const oldest = new Date(Date.parse(timestamp) - KEEP_DAYS * DAY).toISOString().slice(0, 10);
    for (const days of this.spent.values()) for (const day of days.keys()) if (day < oldest) days.delete(day);
  }
}
