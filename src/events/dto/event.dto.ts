import { ApiProperty } from '@nestjs/swagger';

export class EventDto {
  id!: number;
  /** ISO 8601, UTC. */
  timestamp!: string;
  /** The event_type. */
  type!: string;
  agent_id!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true })
  data!: Record<string, unknown>;
}

export class EventPageDto {
  /** Newest first. */
  events!: EventDto[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  next_cursor!: string | null;
}

export class StoredEventsDto {
  /** How many events were stored. */
  stored!: number;
  /** Their ids, in the order sent. */
  ids!: number[];
}
