import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiTags } from '@nestjs/swagger';
import { ErrorDto } from '../common/error.dto';
import { AgentsService } from './agents.service';
import { AgentIdParams } from '../common/agent-id.dto';
import { ListAgentsQuery } from './dto/agent-query.dto';
import { AgentDetailDto, AgentListDto } from './dto/agent.dto';

@ApiTags('agents')
@ApiBadRequestResponse({ type: ErrorDto, description: 'A bad parameter; `details` names it.' })
@Controller('api/agents')
export class AgentsController {
  constructor(private readonly agents: AgentsService) {}

  /** Every agent of the workspace, normalised. */
  @Get()
  list(@Query() query: ListAgentsQuery): AgentListDto {
    return { agents: this.agents.list(query.status) };
  }

  /** One agent with its raw state. */
  @Get(':id')
  @ApiNotFoundResponse({ type: ErrorDto, description: 'Agent not found.' })
  get(@Param() params: AgentIdParams): AgentDetailDto {
    return this.agents.get(params.id);
  }
}
