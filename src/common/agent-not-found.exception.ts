import { NotFoundException } from '@nestjs/common';

export class AgentNotFoundException extends NotFoundException {
  constructor(agentId: string) {
    super({ message: 'Agent not found', agent_id: agentId });
  }
}
