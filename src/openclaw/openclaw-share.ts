import type { OpenClawAgent } from '../contracts/fleet';
import type { ModelPrice } from '../contracts/usage';
import type { UsageBucket } from './session-tracker';
import type { SessionView } from '../contracts/sessions';
import type { Usage } from '../contracts/usage';

export interface OpenClawHealth {
  home: string;
  state: 'ok' | 'not found' | 'partial' | 'off';
  agents: number;
  sessions: number;
  schema_versions: Record<string, number | null>;
  problems: string[];
  last_poll_at: string | null;
  last_poll_ms: number | null;
}

/**
 * A session's usage as running sums: what usage figures are built from, on the instance that reads
 * OpenClaw (its SessionTracker) and on a cluster's followers (the leader's share).
 */
export interface SessionUsage {
  meta: { key: string; agentId: string };
  runCount: number;
  toolCalls: number;
  totals: Usage;
  buckets: { values(): Iterable<UsageBucket> };
}

/** One session key as shared: its usage, and every session id it has had (transcripts are read by id). */
export interface SharedSession extends SessionUsage {
  buckets: UsageBucket[];
  sessionIds: string[];
}

/** A session's sums as the leader shares them. */
export function sharedSession(
  { meta, runCount, toolCalls, totals, buckets }: SessionUsage,
  sessionIds: string[],
): SharedSession {
  return {
    meta: { key: meta.key, agentId: meta.agentId },
    runCount,
    toolCalls,
    totals,
    buckets: [...buckets.values()],
    sessionIds,
  };
}

/** What followers of a cluster serve of OpenClaw: the leader's reading of it, as JSON (see FleetViewSync). */
export interface OpenClawView {
  health: OpenClawHealth;
  ready: boolean;
  agents: OpenClawAgent[];
  sessions: SessionView[];
  usage: SharedSession[];
  prices: [string, ModelPrice][];
  /** Each agent's store layout, so that a follower can read transcripts on request. */
  layouts: [string, 'sqlite' | 'legacy'][];
}

/** The leader's view as a follower reads it. */
export class SharedOpenClaw {
  readonly prices: Map<string, ModelPrice>;
  readonly layouts: Map<string, 'sqlite' | 'legacy'>;
  private readonly sessions: Map<string, SharedSession>;

  constructor(readonly view: OpenClawView) {
    this.prices = new Map(view.prices);
    this.layouts = new Map(view.layouts);
    this.sessions = new Map(view.usage.map((s) => [s.meta.key, s]));
  }

  sessionIds(key: string): string[] {
    return this.sessions.get(key)?.sessionIds ?? [];
  }

  usage(): Iterable<SessionUsage> {
    return this.sessions.values();
  }
}
