import { MAX_DURATION_SECONDS, withinBounds } from '../common/figure-bounds';
import { AgentStatus, FINISHED_TASK_STATUSES, normalizeStatus } from '../contracts/fleet';

/** A status change read from a `status_changed` event. */
export interface StatusChange {
  at: number;
  to: AgentStatus;
}

/**
 * Seconds spent `active` and `idle` within [start, end], given the status at `start` and the
 * changes reported (in any order; ones outside the window are clamped to its edges).
 * Returns the status at `end` too, which is the next window's starting status.
 */
export function timeInStatus(
  startStatus: AgentStatus,
  changes: StatusChange[],
  start: number,
  end: number,
): { active: number; idle: number; endStatus: AgentStatus } {
  const totals = { active: 0, idle: 0 };
  let status = startStatus;
  let since = start;
  for (const change of [...changes].sort((a, b) => a.at - b.at)) {
    const at = Math.min(Math.max(change.at, start), end);
    if (status === 'active' || status === 'idle') totals[status] += at - since;
    status = change.to;
    since = at;
  }
  if (status === 'active' || status === 'idle') totals[status] += end - since;
  return { active: totals.active / 1000, idle: totals.idle / 1000, endStatus: status };
}

/** The new status in a status_changed event's data: `to`, `status` or `new_status`, normalised. */
export function reportedStatus(data: Record<string, unknown>): AgentStatus | null {
  const raw = [data.to, data.status, data.new_status].find((v) => typeof v === 'string') as string | undefined;
  return raw === undefined ? null : normalizeStatus(raw);
}

/** A task_completed event's own duration in seconds: `data.duration` (seconds) or `data.duration_ms`, within a week. */
export function reportedDuration(data: Record<string, unknown>): number | null {
  const seconds = Number(data.duration);
  if (data.duration !== undefined && data.duration !== null && withinBounds(seconds, MAX_DURATION_SECONDS))
    return seconds;
  const ms = Number(data.duration_ms);
  if (data.duration_ms !== undefined && data.duration_ms !== null && withinBounds(ms, MAX_DURATION_SECONDS * 1000))
    return ms / 1000;
  return null;
}

export function rates(completed: number, failed: number): { error_rate: number; success_rate: number } {
  const finished = completed + failed;
  return { error_rate: finished ? failed / finished : 0, success_rate: finished ? completed / finished : 1 };
}

/**
 * 0..1: 40% the share of agents online (active or idle), 40% the task success rate, 20% the share
 * of the interval's events that were not errors (`error`, `task_failed`). Each part is 1 when there
 * is nothing to judge it by.
 */
export function healthScore(
  online: number,
  agents: number,
  successRate: number,
  errorEvents: number,
  events: number,
): number {
  const onlineShare = agents ? online / agents : 1;
  const cleanShare = events ? 1 - errorEvents / events : 1;
  return Math.round((0.4 * onlineShare + 0.4 * successRate + 0.2 * cleanShare) * 1000) / 1000;
}

/** Agents by normalised status; an agent in error counts as offline, since it is not working either. */
export function fleetCounts(agents: { status: AgentStatus }[]) {
  const by = (status: AgentStatus) => agents.filter((a) => a.status === status).length;
  return {
    total_agents: agents.length,
    active_agents: by('active'),
    idle_agents: by('idle'),
    offline_agents: by('offline') + by('error'),
    error_agents: by('error'),
  };
}

/** Top-level tasks of the queue that are neither completed, failed nor cancelled. */
export function pendingTasks(tasks: { status: string }[]): number {
  return tasks.filter((t) => !FINISHED_TASK_STATUSES.has(t.status)).length;
}
