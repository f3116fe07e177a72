import { IsOptional, Matches } from 'class-validator';
import { PageQuery } from '../../common/page-query.dto';
import { IsReadableIsoDate } from '../../common/iso-date';
import { AGENT_ID_PATTERN, EVENT_TYPE_PATTERN } from '../../contracts/ids';

export class EventQuery extends PageQuery {
  /** Only events of this event_type. */
  @IsOptional()
  @Matches(EVENT_TYPE_PATTERN, { message: 'type must be an event type such as task_completed' })
  type?: string;

  /** Only events about this agent. */
  @IsOptional()
  @Matches(AGENT_ID_PATTERN, { message: 'agent_id must be an agent id' })
  agent_id?: string;

  /** ISO 8601: only events at or after this time. */
  @IsOptional()
  @IsReadableIsoDate({ message: 'since must be an ISO 8601 date-time' })
  since?: string;

  /** ISO 8601: only events at or before this time. */
  @IsOptional()
  @IsReadableIsoDate({ message: 'until must be an ISO 8601 date-time' })
  until?: string;
}
