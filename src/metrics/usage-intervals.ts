import { MAX_COST_USD, MAX_TOKENS, withinBounds } from '../common/figure-bounds';
import type { AgentUsage } from '../openclaw/openclaw.service';
import { roundUsd } from '../openclaw/transcript-line';

/** The usage columns of one agent_metrics row. */
export interface UsageColumns {
  tokens_in: number;
  tokens_out: number;
  cost_usd: number;
  cost_usd_total: number;
  tool_calls: number;
  runs: number;
}

export type IntervalUsage = Omit<UsageColumns, 'cost_usd_total'>;

export const USAGE_EVENT_TYPES = ['llm_usage', 'tool_called', 'task_completed', 'task_failed'];

export function emptyInterval(): IntervalUsage {
  return { tokens_in: 0, tokens_out: 0, cost_usd: 0, tool_calls: 0, runs: 0 };
}

/** An event's figure; one out of bounds (the API refuses them, older versions stored them) counts 0. */
const amount = (value: unknown, max: number) => (withinBounds(value, max) ? value : 0);

/** What one event posted by the OpenClaw plugin adds to an interval. */
export function addUsageEvent(into: IntervalUsage, type: string, data: Record<string, unknown>): void {
  if (data.source !== 'openclaw') return;
  if (type === 'llm_usage') {
    into.tokens_in += Math.floor(amount(data.input_tokens, MAX_TOKENS));
    into.tokens_out += Math.floor(amount(data.output_tokens, MAX_TOKENS));
    into.cost_usd += amount(data.cost_usd, MAX_COST_USD);
  } else if (type === 'tool_called') into.tool_calls++;
  else if (type === 'task_completed' || type === 'task_failed') into.runs++;
}

/**
 * Each agent's usage per collection interval. An agent whose sessions the OpenClaw reader sees gets
 * the difference between the reader's totals now and at the previous collection, and the plugin's
 * events about it are not counted again; any other agent (a remote OpenClaw host that only has the
 * plugin) gets what the plugin's events in the window add up to. Intervals count from when
 * Mission Control started watching; `cost_usd_total` is the reader's whole history.
 */
export class UsageIntervals {
  private readonly last = new Map<string, IntervalUsage>();

  /** Starts the agent's intervals again, as for an agent not seen before. */
  forget(id: string): void {
    this.last.delete(id);
  }

  row(fromReader: AgentUsage | undefined, id: string, fromEvents: IntervalUsage | undefined, previousTotal: number): UsageColumns {
    if (!fromReader) {
      const interval = fromEvents ?? emptyInterval();
      return { ...interval, cost_usd_total: previousTotal + interval.cost_usd };
    }
    const now: IntervalUsage = {
      tokens_in: fromReader.usage.input_tokens,
      tokens_out: fromReader.usage.output_tokens,
      cost_usd: fromReader.usage.cost_usd,
      tool_calls: fromReader.toolCalls,
      runs: fromReader.runs,
    };
    const before = this.last.get(id);
    this.last.set(id, now);
    const delta = (key: keyof IntervalUsage) => (before ? Math.max(0, now[key] - before[key]) : 0);
    return {
      tokens_in: delta('tokens_in'),
      tokens_out: delta('tokens_out'),
      cost_usd: roundUsd(delta('cost_usd')),
      tool_calls: delta('tool_calls'),
      runs: delta('runs'),
      cost_usd_total: roundUsd(now.cost_usd),
    };
  }
}
