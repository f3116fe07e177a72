import type { OpenClawAgent } from '../contracts/fleet';
import { Agent } from '../contracts/fleet';

/** The agent as OpenClaw's records show it, in the fleet's shape. */
export function fromOpenClaw(agent: OpenClawAgent): Agent {
  return {
    id: agent.id,
    name: agent.name ?? agent.id,
    codename: null,
    role: null,
    status: agent.status,
    raw_status: null,
    current_tasks: agent.running,
    tasks_completed: agent.runsCompleted,
    tasks_failed: agent.runsFailed,
    tasks_in_progress: agent.running.length,
    // Runs counted from OpenClaw's own records: the forwarding plugin's task events must not count them again.
    task_counts_reported: true,
    current_work_reported: true,
    last_active: agent.lastActive === null ? null : new Date(agent.lastActive).toISOString(),
    state: {},
    sources: ['openclaw'],
    model: agent.model,
    emoji: agent.emoji,
  };
}

/**
 * One agent from both sources, merged by id. What the agent wrote about itself (name, role, task
 * counts it reports) wins; status comes from whichever source saw it active last.
 */
export function mergeAgent(workspace: Agent | undefined, openclaw: OpenClawAgent | undefined): Agent | undefined {
  if (!openclaw) return workspace;
  const native = fromOpenClaw(openclaw);
  if (!workspace) return native;
  const time = (a: Agent) => (a.last_active === null ? -Infinity : Date.parse(a.last_active));
  const fresher = time(native) > time(workspace) ? native : workspace;
  const counts = workspace.task_counts_reported ? workspace : native;
  const work = workspace.current_work_reported ? workspace : native;
  return {
    ...workspace,
    name: workspace.name !== workspace.id ? workspace.name : native.name,
    status: fresher.status,
    raw_status: fresher.raw_status,
    last_active: fresher.last_active ?? workspace.last_active,
    tasks_completed: counts.tasks_completed,
    tasks_failed: counts.tasks_failed,
    task_counts_reported: true,
    current_tasks: work.current_tasks,
    tasks_in_progress: work.tasks_in_progress,
    current_work_reported: true,
    sources: ['openclaw', 'workspace'],
    model: workspace.model ?? native.model,
    emoji: workspace.emoji ?? native.emoji,
  };
}
