/** The four statuses every agent is normalised to, whatever its files say. */
export const AGENT_STATUSES = ['active', 'idle', 'error', 'offline'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

/** An agent as Mission Control understands it, built from its folder's files. */
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

/**
 * What a folder name must look like to be an agent id, and what an id in a URL must look like.
 * No slashes and no leading dot, so an id can never name anything outside its folder.
 */
export const AGENT_ID_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
