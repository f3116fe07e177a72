import { AGENT_STATUSES } from '../contracts/fleet';

export type StatusState = 'running' | 'stopped' | 'failed';

/** What status.json holds that its log line tells. */
export interface StatusSummary {
  state: StatusState;
  reason?: string;
  started_at: string;
  counts: { agents: number; agents_by_status: Record<string, number>; tasks: number; events_logged: number };
  workspace: { watching: boolean };
}

/** A running time as people say it: 40 s, 12 min, 3 h 5 min, 2 d 4 h. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

/**
 * The status's log line: `running since <start>: …`; at the end, how it ended, how long it ran and
 * from when (`stopped by SIGTERM after 3 h 5 min, running since <start>: …`); or why the start failed.
 */
export function statusLine(status: StatusSummary, startedAt: Date, now = Date.now()): string {
  const ran = formatDuration(now - startedAt.getTime());
  if (status.state === 'failed') return `failed to start after ${ran}: ${status.reason ?? 'unknown reason'}`;
  const head =
    status.state === 'running'
      ? `running since ${status.started_at}`
      : `stopped${status.reason ? ` by ${status.reason}` : ''} after ${ran}, running since ${status.started_at}`;
  const agents = status.counts.agents_by_status;
  return (
    `${head}: ${status.counts.agents} agents (${AGENT_STATUSES.map((s) => `${agents[s]} ${s}`).join(', ')}), ` +
    `${status.counts.tasks} tasks, ${status.counts.events_logged} events logged, ` +
    `workspace ${status.workspace.watching ? 'watched' : 'missing'}`
  );
}
