import type { AgentStatus } from '../workspace/workspace.types';
import type { RosterAgent } from './openclaw-config';
import type { SessionTracker } from './session-tracker';
import { addUsage, emptyUsage, Usage } from './transcript-line';

/** An agent as OpenClaw's own records show it. */
export interface OpenClawAgent {
  id: string;
  name: string | null;
  emoji: string | null;
  model: string | null;
  status: AgentStatus;
  /** Epoch ms of the last activity of any of its sessions. */
  lastActive: number | null;
  runsCompleted: number;
  runsFailed: number;
  /** Keys of its sessions with a run in progress. */
  running: string[];
  /** Whether the last run of its most recently active session failed. */
  lastRunFailed: boolean;
}

/** One agent's usage over all its sessions' transcripts, in all and by `provider/model`. */
export interface AgentUsage {
  usage: Usage;
  runs: number;
  toolCalls: number;
  byModel: Map<string, Usage>;
}

/**
 * An agent from its roster entry and its sessions, or from `previous` when none of its sessions changed
 * (its sums stand; only the roster's fields are taken again).
 */
export function summariseAgent(id: string, roster: RosterAgent | undefined, sessions: SessionTracker[] | OpenClawAgent): OpenClawAgent {
  const named = { name: roster?.name ?? null, emoji: roster?.emoji ?? null, model: roster?.model ?? null };
  if (!Array.isArray(sessions)) return { ...sessions, ...named, running: [...sessions.running] };
  const agent: OpenClawAgent = { id, ...named, status: 'idle', lastActive: null, runsCompleted: 0, runsFailed: 0, running: [], lastRunFailed: false };
  let latest: SessionTracker | null = null;
  for (const tracker of sessions) {
    agent.runsCompleted += tracker.runCount - tracker.failedRuns;
    agent.runsFailed += tracker.failedRuns;
    if (tracker.running) agent.running.push(tracker.meta.key);
    const last = tracker.lastActivity;
    if (last !== null && (agent.lastActive === null || last > agent.lastActive)) agent.lastActive = last;
    if (tracker.runCount > 0 && (!latest || (last ?? 0) > (latest.lastActivity ?? 0))) latest = tracker;
  }
  agent.lastRunFailed = latest?.lastRunFailed ?? false;
  agent.running.sort();
  return agent;
}

/**
 * `active` while a run is in progress, `error` when the last run of its most recent session failed,
 * `active` again within `staleMs` of its last activity, otherwise `idle`.
 */
export function withStatus(agent: OpenClawAgent, now: number, staleMs: number): OpenClawAgent {
  const recent = agent.lastActive !== null && now - agent.lastActive <= staleMs;
  return { ...agent, status: agent.running.length ? 'active' : agent.lastRunFailed ? 'error' : recent ? 'active' : 'idle' };
}

export function usageByAgent(trackers: Iterable<SessionTracker>): Map<string, AgentUsage> {
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
