import { Transform } from 'class-transformer';
import { IsIn, IsOptional } from 'class-validator';
import { AGENT_STATUSES, AgentStatus } from '../../contracts/fleet';

export class ListAgentsQuery {
  /** Only agents with this normalised status. */
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? value.toLowerCase() : value))
  @IsIn(AGENT_STATUSES, { message: `status must be one of: ${AGENT_STATUSES.join(', ')}` })
  status?: AgentStatus;
}
