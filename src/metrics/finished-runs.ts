/** Run ids remembered per agent as finished; beyond this the oldest are forgotten. */
const MAX_FINISHED_PER_AGENT = 10_000;

/**
 * The runs (tasks) each agent finished, by id, so that a run reported finished again (a sender that
 * retries, a plugin that replays) counts once. A new task_started of the same id is a new attempt,
 * whose end counts again.
 */
export class FinishedRuns {
  private readonly byAgent = new Map<string, Set<string>>();

  started(agentId: string, runId: string): void {
    this.byAgent.get(agentId)?.delete(runId);
  }

  /** Whether this end is the run's first; false for one already counted. */
  finish(agentId: string, runId: string): boolean {
    let ids = this.byAgent.get(agentId);
    if (!ids) this.byAgent.set(agentId, (ids = new Set()));
    if (ids.has(runId)) return false;
    ids.add(runId);
    if (ids.size > MAX_FINISHED_PER_AGENT) ids.delete(ids.values().next().value as string);
    return true;
  }

  clear(): void {
    this.byAgent.clear();
  }
}

/** The id of the run an event is about: `data.task_id`, else the plugin's `data.run_id`. */
export function runIdOf(data: Record<string, unknown>): string | null {
  const id = data.task_id ?? data.run_id;
  return id === undefined || id === null ? null : String(id);
}
