import { Transform } from 'class-transformer';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { AGENT_STATUSES, AgentStatus } from '../../contracts/fleet';
import { AGENT_ID_PATTERN } from '../../contracts/ids';

export class AgentIdParams {
  /** An agent's folder name: letters, digits, `_`, `.` and `-`, at most 128 characters, not starting with a dot. */
  @Matches(AGENT_ID_PATTERN, {
    message: 'id must be an agent id: letters, digits, "_", "." and "-", at most 128 characters, not starting with "."',
  })
  id!: string;
}

export class ListAgentsQuery {
  /** Only agents with this normalised status. */
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? value.toLowerCase() : value))
  @IsIn(AGENT_STATUSES, { message: `status must be one of: ${AGENT_STATUSES.join(', ')}` })
  status?: AgentStatus;
}
