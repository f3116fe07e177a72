import { Agent, normalizeStatus } from '../contracts/fleet';
import { isPlainObject } from '../common/json';

/** What one agent folder holds, already parsed; any part may be missing. */
export interface AgentSources {
  state?: Record<string, unknown>;
  agentJson?: Record<string, unknown>;
  soul?: string;
  /** Newest modification time (ms) of state.json or agent.json, if either exists. */
  modifiedMs?: number;
}

/** When an agent last active at `lastActive` goes quiet: from then on it shows as offline. */
export function quietAfter(lastActive: string | null, staleMs: number): number {
  return lastActive === null ? Number.NEGATIVE_INFINITY : Date.parse(lastActive) + staleMs;
}

/** Builds the normalised agent. `now` and `staleMs` decide whether it has gone quiet. */
export function normalizeAgent(id: string, sources: AgentSources, now: number, staleMs: number): Agent {
  const state = sources.state ?? {};
  const meta = sources.agentJson ?? {};
  const heading = parseSoulHeading(sources.soul);
  const stats = firstObject(state.stats, state.statistics, state.metrics);
  const metaMetrics = firstObject(meta.metrics, meta.stats);

  const rawStatus = firstString(state.status, meta.status);
  const lastActive =
    firstDate(
      state.lastActive,
      state.last_active,
      stats.lastActive,
      stats.last_active,
      meta.lastActive,
      meta.last_active,
      metaMetrics.last_active,
      metaMetrics.lastActive,
    ) ?? (sources.modifiedMs !== undefined ? new Date(sources.modifiedMs).toISOString() : null);
  const stale = now > quietAfter(lastActive, staleMs);

  const currentTasks = readCurrentTasks(state);
  const count = (...keys: string[]) =>
    firstCount(...keys.map((k) => stats[k]), ...keys.map((k) => state[k]), ...keys.map((k) => metaMetrics[k]));

  const completed = count('tasksCompleted', 'tasks_completed', 'completed');
  const failed = count('tasksFailed', 'tasks_failed', 'failed');
  const inProgress = count('tasksActive', 'tasks_active', 'tasksInProgress', 'tasks_in_progress');
  return {
    id,
    name: firstString(state.name, state.agent, state.codename, meta.name, heading?.name) ?? id,
    codename: firstString(state.codename, meta.codename),
    role: firstString(state.role, meta.role, heading?.role),
    status: stale ? 'offline' : normalizeStatus(rawStatus),
    raw_status: rawStatus,
    current_tasks: currentTasks,
    tasks_completed: completed ?? 0,
    tasks_failed: failed ?? 0,
    tasks_in_progress: inProgress ?? currentTasks.length,
    task_counts_reported: completed !== null || failed !== null,
    current_work_reported: inProgress !== null || currentTasks.length > 0,
    last_active: lastActive,
    state,
    sources: ['workspace'],
    model: firstString(state.model, meta.model),
    emoji: firstString(state.emoji, meta.emoji),
  };
}

/** `# Gary - Marketing Lead` → {name: "Gary", role: "Marketing Lead"}. */
export function parseSoulHeading(soul: string | undefined): { name: string; role: string | null } | null {
  const match = soul?.match(/^\s*#\s+(.+?)\s*$/m);
  if (!match) return null;
  const [name, ...role] = match[1].split(/\s+[-–—:|]\s+/);
  const clean = (s: string) => s.replace(/[*_`]/g, '').trim();
  return clean(name) ? { name: clean(name), role: role.length ? clean(role.join(' - ')) || null : null } : null;
}

function readCurrentTasks(state: Record<string, unknown>): string[] {
  const raw = state.current_tasks ?? state.currentTasks ?? state.current_task ?? state.currentTask;
  const list = Array.isArray(raw) ? raw : raw === undefined || raw === null ? [] : [raw];
  return list.map(describeTask).filter((t): t is string => t !== null);
}

function describeTask(task: unknown): string | null {
  if (typeof task === 'string') return task.trim() || null;
  if (typeof task === 'number') return String(task);
  if (isPlainObject(task)) {
    return firstString(task.description, task.title, task.name, task.task, task.text, task.summary, task.id);
  }
  return null;
}

function firstObject(...values: unknown[]): Record<string, unknown> {
  return (values.find(isPlainObject) as Record<string, unknown> | undefined) ?? {};
}

function firstString(...values: unknown[]): string | null {
  for (const value of values) {
    if (typeof value === 'string' && value.trim()) return value.trim();
  }
  return null;
}

function firstCount(...values: unknown[]): number | null {
  for (const value of values) {
    const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof n === 'number' && Number.isFinite(n) && n >= 0) return Math.floor(n);
  }
  return null;
}

/** ISO strings, date-only strings, or epoch seconds/milliseconds; anything else is skipped. */
export function firstDate(...values: unknown[]): string | null {
  for (const value of values) {
    let ms = NaN;
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) ms = value < 1e12 ? value * 1000 : value;
    else if (typeof value === 'string' && value.trim()) ms = Date.parse(value.trim());
    if (Number.isFinite(ms) && Math.abs(ms) <= 8.64e15) return new Date(ms).toISOString();
  }
  return null;
}
