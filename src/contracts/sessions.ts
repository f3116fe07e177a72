import type { Usage } from './usage';

/** An OpenClaw session as the API shows it, and as session events carry it. */
export interface SessionView extends Usage {
  key: string;
  session_id: string;
  agent_id: string;
  status: string;
  model: string | null;
  provider: string | null;
  run_count: number;
  failed_runs: number;
  started_at: string | null;
  updated_at: string | null;
  ended_at: string | null;
  last_activity_at: string | null;
  parent_key: string | null;
  spawned_by: string | null;
  stuck: boolean;
}
