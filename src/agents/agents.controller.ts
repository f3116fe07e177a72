import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AgentsService } from './agents.service';
import { AgentIdParams, ListAgentsQuery } from './dto/agent-query.dto';
import { AgentDetailDto, AgentListDto } from './dto/agent.dto';

@ApiTags('agents')
@Controller('api/agents')
export class AgentsController {
  constructor(private readonly agents: AgentsService) {}

  /** Every agent of the workspace, normalised. */
  @Get()
  list(@Query() query: ListAgentsQuery): AgentListDto {
    return { agents: this.agents.list(query.status) };
  }

  /**
   * One agent with its raw state.
   * @throws {404} Agent not found.
   */
  @Get(':id')
  get(@Param() params: AgentIdParams): AgentDetailDto {
    return this.agents.get(params.id);
  }
}
