/** The four statuses every agent is normalised to, whatever its files say. */
export const AGENT_STATUSES = ['active', 'idle', 'error', 'offline'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

const STATUS_WORDS: Record<string, AgentStatus> = {
  active: 'active',
  operational: 'active',
  working: 'active',
  busy: 'active',
  running: 'active',
  online: 'active',
  idle: 'idle',
  waiting: 'idle',
  available: 'idle',
  standby: 'idle',
  error: 'error',
  failed: 'error',
  crashed: 'error',
  blocked: 'error',
};

/** A status as an agent or an event words it, normalised; words it does not know read as offline. */
export function normalizeStatus(raw: string | null): AgentStatus {
  return (raw && STATUS_WORDS[raw.trim().toLowerCase()]) || 'offline';
}

/** An agent as Mission Control understands it: the workspace's, OpenClaw's, or both merged (the fleet's). */
export interface Agent {
  id: string;
  name: string;
  codename: string | null;
  role: string | null;
  status: AgentStatus;
  raw_status: string | null;
  current_tasks: string[];
  tasks_completed: number;
  tasks_failed: number;
  tasks_in_progress: number;
  /** Whether any file gave task counts (else metrics count the agent's task events instead). */
  task_counts_reported: boolean;
  /** Whether any file said what the agent is working on (else metrics count its open task_started events). */
  current_work_reported: boolean;
  /** ISO 8601, or null when no file says and there is no state file to date it by. */
  last_active: string | null;
  /** The whole state.json as the agent wrote it (empty when there is none). */
  state: Record<string, unknown>;
  /** Where Mission Control knows the agent from. */
  sources: AgentSource[];
  /** `provider/model`, when a file or OpenClaw's config says. */
  model: string | null;
  emoji: string | null;
}

export type AgentSource = 'openclaw' | 'workspace';

/** Task figures derived from the agent's own files. */
export interface AgentTaskRates {
  tasks_completed: number;
  tasks_failed: number;
  tasks_in_progress: number;
  /** failed / (completed + failed); 0 when there is nothing yet. */
  error_rate: number;
  /** completed / (completed + failed); 1 when there is nothing yet. */
  success_rate: number;
}

/** An agent as the API and the gateway show it (the gateway's `agent_status` adds `state`). */
export interface AgentView extends Pick<
  Agent,
  | 'id'
  | 'name'
  | 'codename'
  | 'role'
  | 'status'
  | 'raw_status'
  | 'current_tasks'
  | 'tasks_completed'
  | 'tasks_failed'
  | 'last_active'
  | 'sources'
  | 'model'
  | 'emoji'
> {
  metrics: AgentTaskRates;
}

export function agentView(agent: Agent): AgentView {
  const finished = agent.tasks_completed + agent.tasks_failed;
  return {
    id: agent.id,
    name: agent.name,
    codename: agent.codename,
    role: agent.role,
    status: agent.status,
    raw_status: agent.raw_status,
    current_tasks: agent.current_tasks,
    tasks_completed: agent.tasks_completed,
    tasks_failed: agent.tasks_failed,
    last_active: agent.last_active,
    metrics: {
      tasks_completed: agent.tasks_completed,
      tasks_failed: agent.tasks_failed,
      tasks_in_progress: agent.tasks_in_progress,
      error_rate: finished ? agent.tasks_failed / finished : 0,
      success_rate: finished ? agent.tasks_completed / finished : 1,
    },
    sources: agent.sources,
    model: agent.model,
    emoji: agent.emoji,
  };
}

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

export interface OfficePosition {
  zone: string | null;
  x: number | null;
  y: number | null;
}

/** current_office_state.json: its own fields kept, positions read from either form. */
export interface OfficeState {
  positions: Record<string, OfficePosition>;
  raw: Record<string, unknown>;
}

export interface Task {
  id: string;
  text: string;
  description: string;
  status: string;
  raw_status: string | null;
  priority: string | null;
  assigned_to: string | null;
  created_by: string | null;
  created_at: string | null;
  updated_at: string | null;
  due: string | null;
  completed_at: string | null;
  tags: string[];
  notes: string | null;
  parent_id: string | null;
  subtasks: Task[];
}

export interface TaskQueue {
  /** Which file the tasks came from, or null when there is neither. */
  source: 'TASK_QUEUE.json' | 'TASK_QUEUE.md' | null;
  tasks: Task[];
}

/** Statuses a task no longer waits in. */
export const FINISHED_TASK_STATUSES = new Set(['completed', 'failed', 'cancelled']);

/** The statuses the queue's own are normalised to; one the normaliser does not know is kept as written. */
export const TASK_STATUSES = ['pending', 'in_progress', 'review', ...FINISHED_TASK_STATUSES];
/** P0–P3; a priority the normaliser does not know is kept as written. */
export const TASK_PRIORITIES = ['P0', 'P1', 'P2', 'P3'];
