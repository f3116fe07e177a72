import { ApiProperty } from '@nestjs/swagger';
import { AGENT_STATUSES, AgentSource, AgentStatus, AgentTaskRates, AgentView } from '../../contracts/fleet';

const AGENT_SOURCES: AgentSource[] = ['openclaw', 'workspace'];

/** Task figures derived from the agent's own files. */
export class AgentMetricsDto implements AgentTaskRates {
  tasks_completed!: number;
  tasks_failed!: number;
  tasks_in_progress!: number;
  /** failed / (completed + failed); 0 when there is nothing yet. */
  error_rate!: number;
  /** completed / (completed + failed); 1 when there is nothing yet. */
  success_rate!: number;
}

export class AgentDto implements AgentView {
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
