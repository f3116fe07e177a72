import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsPositive, IsString, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import { IsReadableIsoDate } from '../../common/iso-date';
import { decimalInteger } from '../../common/validation';
import { AGENT_ID_PATTERN } from '../../contracts/ids';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** OpenClaw's stored run statuses (queued, running, done, failed, killed, timeout) and the reader's idle and interrupted. */
export const SESSION_STATUSES = [
  'queued',
  'running',
  'idle',
  'done',
  'failed',
  'killed',
  'timeout',
  'interrupted',
] as const;
const ACTIVE_MINUTES_MESSAGE = 'active_minutes must be a positive number of minutes, at most 525600 (a year)';

/**
 * OpenClaw session keys (`agent:<id>:<rest>`) as OpenClaw writes them: any text, since every key the list
 * gives must open. A key is only looked up among the sessions read, never used as a path; its length is
 * bounded by what a request line can carry (Node's 16 KiB of headers).
 */
export const MAX_SESSION_KEY_LENGTH = 16 * 1024;

export class SessionListQuery {
  /** Only this agent's sessions. */
  @IsOptional()
  @Matches(AGENT_ID_PATTERN, { message: 'agent_id must be an agent id' })
  agent_id?: string;

  /** Only sessions with this status. */
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? value.toLowerCase() : value))
  @IsIn(SESSION_STATUSES, { message: `status must be one of: ${SESSION_STATUSES.join(', ')}` })
  status?: (typeof SESSION_STATUSES)[number];

  /** Only sessions active in the last N minutes. */
  @IsOptional()
  @Type(() => Number)
  @IsPositive({ message: ACTIVE_MINUTES_MESSAGE })
  @Max(525_600, { message: ACTIVE_MINUTES_MESSAGE })
  active_minutes?: number;

  /** 1 to 500, default 100. */
  @IsOptional()
  @Transform(decimalInteger)
  @IsInt({ message: 'limit must be a whole number from 1 to 500' })
  @Min(1, { message: 'limit must be a whole number from 1 to 500' })
  @Max(500, { message: 'limit must be a whole number from 1 to 500' })
  limit: number = 100;

  /** The `next_cursor` of the previous page. */
  @IsOptional()
  @Transform(trim)
  @MaxLength(1000, { message: 'cursor is not a cursor this service gave out' })
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'cursor is not a cursor this service gave out' })
  cursor?: string;
}

export class SessionKeyParams {
  /** The session key, e.g. `agent:main:main` (URL-encoded). */
  @IsString({ message: 'key must be a session key such as agent:main:main' })
  @Length(1, MAX_SESSION_KEY_LENGTH, { message: 'key must be a session key such as agent:main:main' })
  key!: string;
}

export class TranscriptQuery {
  /** 1 to 500 transcript lines, default 100. */
  @IsOptional()
  @Transform(decimalInteger)
  @IsInt({ message: 'limit must be a whole number from 1 to 500' })
  @Min(1, { message: 'limit must be a whole number from 1 to 500' })
  @Max(500, { message: 'limit must be a whole number from 1 to 500' })
  limit: number = 100;

  /** Only lines before this position (`next_before` of the previous page). */
  @IsOptional()
  @Transform(decimalInteger)
  @IsInt({ message: 'before must be a whole number, a transcript position' })
  @Min(0, { message: 'before must be a whole number, a transcript position' })
  before?: number;
}

export class UsageQuery {
  @IsIn(['agent', 'model', 'day'], { message: 'group_by must be agent, model or day' })
  group_by: 'agent' | 'model' | 'day' = 'agent';

  /** ISO 8601: from this UTC day on. */
  @IsOptional()
  @IsReadableIsoDate({ message: 'since must be an ISO 8601 date or date-time' })
  since?: string;

  /** ISO 8601: up to and including this UTC day. */
  @IsOptional()
  @IsReadableIsoDate({ message: 'until must be an ISO 8601 date or date-time' })
  until?: string;

  /** Only this agent. */
  @IsOptional()
  @Matches(AGENT_ID_PATTERN, { message: 'agent_id must be an agent id' })
  agent_id?: string;
}
