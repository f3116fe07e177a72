import { Injectable } from '@nestjs/common';
import { AgentNotFoundException } from './agent-not-found.exception';
import { FleetService } from './fleet.service';
import { Agent, AgentStatus } from '../workspace/workspace.types';
import { AgentDetailDto, AgentDto, AgentMetricsDto } from './dto/agent.dto';

@Injectable()
export class AgentsService {
  constructor(private readonly fleet: FleetService) {}

  list(status?: AgentStatus): AgentDto[] {
    return this.fleet
      .listAgents()
      .filter((agent) => !status || agent.status === status)
      .map((agent) => toAgentDto(agent));
  }

  get(id: string): AgentDetailDto {
    const agent = this.fleet.getAgent(id);
    if (!agent) throw new AgentNotFoundException(id);
    return { ...toAgentDto(agent), state: agent.state };
  }
}

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
