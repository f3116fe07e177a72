import { Injectable } from '@nestjs/common';
import { AgentNotFoundException } from '../common/agent-not-found.exception';
import { FleetService } from './fleet.service';
import { agentView, AgentStatus } from '../contracts/fleet';
import { AgentDetailDto, AgentDto } from './dto/agent.dto';

@Injectable()
export class AgentsService {
  constructor(private readonly fleet: FleetService) {}

  list(status?: AgentStatus): AgentDto[] {
    return this.fleet
      .listAgents()
      .filter((agent) => !status || agent.status === status)
      .map((agent) => agentView(agent));
  }

  get(id: string): AgentDetailDto {
    const agent = this.fleet.getAgent(id);
    if (!agent) throw new AgentNotFoundException(id);
    return { ...agentView(agent), state: agent.state };
  }
}
