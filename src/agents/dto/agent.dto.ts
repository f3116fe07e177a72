import { ApiProperty } from '@nestjs/swagger';
import { Agent, AGENT_STATUSES, AgentSource, AgentStatus } from '../../contracts/fleet';

const AGENT_SOURCES: AgentSource[] = ['openclaw', 'workspace'];

/** Task figures derived from the agent's own files. */
export class AgentMetricsDto {
  tasks_completed!: number;
  tasks_failed!: number;
  tasks_in_progress!: number;
  /** failed / (completed + failed); 0 when there is nothing yet. */
  error_rate!: number;
  /** completed / (completed + failed); 1 when there is nothing yet. */
  success_rate!: number;
}

export class AgentDto {
  /** The agent's folder name under mission-control/agents/. */
  id!: string;
  /** From state.json `name`, `agent` or `codename`, agent.json `name`, the SOUL.md heading, else the id. */
  name!: string;
  codename!: string | null;
  role!: string | null;
  @ApiProperty({
    enum: AGENT_STATUSES,
    description: 'Normalised status; offline when last_active is older than MC_STALE_MINUTES.',
  })
  status!: AgentStatus;
  /** The status exactly as the agent wrote it, or null. */
  raw_status!: string | null;
  current_tasks!: string[];
  tasks_completed!: number;
  tasks_failed!: number;
  /** ISO 8601. */
  last_active!: string | null;
  metrics!: AgentMetricsDto;
  /** Where the agent is known from: OpenClaw's own records, the workspace's mission-control folder, or both. */
  @ApiProperty({ enum: AGENT_SOURCES, isArray: true })
  sources!: AgentSource[];
  /** `provider/model`, from openclaw.json or the agent's files. */
  model!: string | null;
  /** The identity emoji from openclaw.json. */
  emoji!: string | null;
}

export class AgentDetailDto extends AgentDto {
  @ApiProperty({ type: 'object', additionalProperties: true, description: "The agent's state.json as written." })
  state!: Record<string, unknown>;
}

export class AgentListDto {
  agents!: AgentDto[];
}

/** The agent as the API and the gateway show it (the gateway's `agent_status` adds `state`). */
export function toAgentDto(agent: Agent): AgentDto {
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
    metrics: taskRates(agent),
    sources: agent.sources,
    model: agent.model,
    emoji: agent.emoji,
  };
}

function taskRates(agent: Agent): AgentMetricsDto {
  const finished = agent.tasks_completed + agent.tasks_failed;
  return {
    tasks_completed: agent.tasks_completed,
    tasks_failed: agent.tasks_failed,
    tasks_in_progress: agent.tasks_in_progress,
    error_rate: finished ? agent.tasks_failed / finished : 0,
    success_rate: finished ? agent.tasks_completed / finished : 1,
  };
}
