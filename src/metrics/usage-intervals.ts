import { MAX_COST_USD, MAX_TOKENS, withinBounds } from '../common/figure-bounds';
import type { AgentUsage } from '../openclaw/openclaw.service';
import { roundUsd } from '../contracts/usage';

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

/** The reader's running totals of one agent, in the figures of an interval. */
function totalsOf(fromReader: AgentUsage): IntervalUsage {
  const { input_tokens, output_tokens, cost_usd } = fromReader.usage;
  const { toolCalls: tool_calls, runs } = fromReader;
  return { tokens_in: input_tokens, tokens_out: output_tokens, cost_usd, tool_calls, runs };
}

function addInto(into: IntervalUsage, more: IntervalUsage): void {
  for (const key of Object.keys(into) as (keyof IntervalUsage)[]) into[key] += more[key];
}

/**
 * Each agent's usage per collection interval. An agent whose sessions the OpenClaw reader sees gets
 * the difference between the reader's totals now and at the previous collection, and the plugin's
 * events about it are not counted again; any other agent (a remote OpenClaw host that only has the
 * plugin) gets what the plugin's events in the window add up to. Intervals count from when
 * Mission Control started watching: what the reader holds at the first collection after its first read
 * is history, and an agent it holds only later (its first session) counts from zero, less what the
 * plugin's events already counted for it. `cost_usd_total` is the reader's whole history.
 */
export class UsageIntervals {
  private readonly last = new Map<string, IntervalUsage>();
  /** Whether a collection has taken the reader's totals as history since start. */
  private primed = false;
  /** Agents the reader does not hold yet: what the plugin's events counted for them since then. */
  private readonly countedFromEvents = new Map<string, IntervalUsage>();
  /** Agents whose intervals start again at the reader's totals (their row could not be stored). */
  private readonly restart = new Set<string>();

  /** Starts the agent's intervals again from the reader's totals at the next collection. */
  forget(id: string): void {
    if (this.last.delete(id)) this.restart.add(id);
  }

  /** Before each collection's rows, with the reader's usage once its first read is done (null before). */
  begin(fromReader: Map<string, AgentUsage> | null): void {
    if (this.primed || !fromReader) return;
    // Everything the reader holds at this first collection was made before we started watching.
    for (const [id, usage] of fromReader) this.last.set(id, totalsOf(usage));
    this.primed = true;
  }

  row(
    fromReader: AgentUsage | undefined,
    id: string,
    fromEvents: IntervalUsage | undefined,
    previousTotal: number,
  ): UsageColumns {
    if (!fromReader) {
      const interval = fromEvents ?? emptyInterval();
      // Remembered so that when the reader first sees this agent's sessions, they are not counted again.
      if (this.primed && !this.last.has(id) && fromEvents && Object.values(fromEvents).some((n) => n > 0)) {
        const counted = this.countedFromEvents.get(id) ?? emptyInterval();
        addInto(counted, fromEvents);
        this.countedFromEvents.set(id, counted);
      }
      return { ...interval, cost_usd_total: previousTotal + interval.cost_usd };
    }
    const now = totalsOf(fromReader);
    const fresh = this.primed && !this.restart.has(id);
    const before = this.last.get(id) ?? (fresh ? (this.countedFromEvents.get(id) ?? emptyInterval()) : now);
    this.last.set(id, now);
    this.restart.delete(id);
    this.countedFromEvents.delete(id);
    const delta = (key: keyof IntervalUsage) => Math.max(0, now[key] - before[key]);
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
