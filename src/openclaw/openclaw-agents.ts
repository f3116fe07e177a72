import type { OpenClawAgent } from '../contracts/fleet';
import type { RosterAgent } from './openclaw-config';
import type { SessionUsage } from './openclaw-share';
import type { SessionTracker } from './session-tracker';
import { addUsage, emptyUsage, Usage } from '../contracts/usage';

/** One agent's usage over all its sessions' transcripts, in all and by `provider/model`. */
export interface AgentUsage {
  usage: Usage;
  runs: number;
  toolCalls: number;
  byModel: Map<string, Usage>;
}

/** What one session adds to its agent's tally. */
interface Contribution {
  completed: number;
  failed: number;
  running: boolean;
  last: number | null;
}

/**
 * An agent's runs, running sessions and last activity, kept as running sums: a changed session
 * replaces its own contribution, so a poll's cost follows the sessions that changed, not the history.
 */
export class AgentTally {
  private completed = 0;
  private failed = 0;
  private readonly running = new Set<string>();
  private lastActive: number | null = null;
  /**
   * The session with the most recent activity among those with runs: how its last run ended makes the agent `error`.
   */
  private latest: { key: string; at: number; failed: boolean } | null = null;
  private readonly contributions = new Map<string, Contribution>();

  update(tracker: SessionTracker): void {
    const key = tracker.meta.key;
    const before = this.contributions.get(key);
    const last = tracker.lastActivity;
    const after: Contribution = {
      completed: tracker.runCount - tracker.failedRuns,
      failed: tracker.failedRuns,
      running: tracker.running,
      last,
    };
    this.contributions.set(key, after);
    this.completed += after.completed - (before?.completed ?? 0);
    this.failed += after.failed - (before?.failed ?? 0);
    if (after.running) this.running.add(key);
    else this.running.delete(key);
    if (last !== null && (this.lastActive === null || last > this.lastActive)) this.lastActive = last;
    if (tracker.runCount > 0 && last !== null && (!this.latest || this.latest.key === key || last >= this.latest.at)) {
      this.latest = { key, at: last, failed: tracker.lastRunFailed };
    }
  }

  /**
   * The agent now: `active` while a run is in progress, `error` when the last run of its most recent
   * session failed, `active` again within `staleMs` of its last activity, otherwise `idle`.
   */
  agent(id: string, roster: RosterAgent | undefined, now: number, staleMs: number): OpenClawAgent {
    const running = [...this.running].sort();
    const lastRunFailed = this.latest?.failed ?? false;
    const recent = this.lastActive !== null && now - this.lastActive <= staleMs;
    return {
      id,
      name: roster?.name ?? null,
      emoji: roster?.emoji ?? null,
      model: roster?.model ?? null,
      status: running.length ? 'active' : lastRunFailed ? 'error' : recent ? 'active' : 'idle',
      lastActive: this.lastActive,
      runsCompleted: this.completed,
      runsFailed: this.failed,
      running,
      lastRunFailed,
    };
  }
}

/** Whether two agents read the same, field by field (their arrays element by element). */
export function sameAgent(a: OpenClawAgent | undefined, b: OpenClawAgent | undefined): boolean {
  if (!a || !b) return a === b;
  return (Object.keys(a) as (keyof OpenClawAgent)[]).every((key) => {
    const [x, y] = [a[key], b[key]];
    return Array.isArray(x) && Array.isArray(y) ? x.length === y.length && x.every((v, i) => v === y[i]) : x === y;
  });
}

export function usageByAgent(trackers: Iterable<SessionUsage>): Map<string, AgentUsage> {
  const agents = new Map<string, AgentUsage>();
  for (const tracker of trackers) {
    const id = tracker.meta.agentId;
    let agent = agents.get(id);
    if (!agent) agents.set(id, (agent = { usage: emptyUsage(), runs: 0, toolCalls: 0, byModel: new Map() }));
    agent.runs += tracker.runCount;
    agent.toolCalls += tracker.toolCalls;
    addUsage(agent.usage, tracker.totals);
    for (const bucket of tracker.buckets.values()) {
      const model = agent.byModel.get(bucket.model) ?? emptyUsage();
      addUsage(model, bucket);
      agent.byModel.set(bucket.model, model);
    }
  }
  return agents;
}
