import { Matches } from 'class-validator';
import { AGENT_ID_PATTERN } from '../contracts/ids';

/** The `:id` of routes about one agent, which the agents and metrics APIs both have. */
export class AgentIdParams {
  /** An agent's folder name: letters, digits, `_`, `.` and `-`, at most 128 characters, not starting with a dot. */
  @Matches(AGENT_ID_PATTERN, {
    message: 'id must be an agent id: letters, digits, "_", "." and "-", at most 128 characters, not starting with "."',
  })
  id!: string;
}
