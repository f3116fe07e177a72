import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsISO8601,
  IsObject,
  IsOptional,
  Matches,
  registerDecorator,
  ValidateNested,
  ValidationOptions,
} from 'class-validator';
import { ApiProperty } from '@nestjs/swagger';
import { AGENT_ID_PATTERN } from '../../workspace/workspace.types';

export const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9_.:-]{0,63}$/;
export const MAX_EVENT_DATA_BYTES = 16 * 1024;
export const MAX_BATCH_EVENTS = 1000;

/** The value, as JSON, takes at most `max` bytes of UTF-8. */
function MaxJsonBytes(max: number, options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'maxJsonBytes',
      target: target.constructor,
      propertyName,
      options: { message: `${propertyName} must be at most ${max} bytes as JSON`, ...options },
      validator: { validate: (value: unknown) => value === undefined || Buffer.byteLength(JSON.stringify(value) ?? '') <= max },
    });
}

export class CreateEventDto {
  /** task_started, task_completed, task_failed, message_sent, message_received, error, status_changed, or any short identifier. */
  @Matches(EVENT_TYPE_PATTERN, { message: 'event_type must be a short identifier: a lower-case letter, then up to 63 of a-z 0-9 _ . : -' })
  event_type!: string;

  /** The agent the event is about; it need not have a folder in the workspace. */
  @IsOptional()
  @Matches(AGENT_ID_PATTERN, { message: 'agent_id must be an agent id: letters, digits, "_", "." and "-", at most 128 characters' })
  agent_id?: string | null;

  /** ISO 8601; the time of arrival when absent. */
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true }, { message: 'timestamp must be an ISO 8601 date-time' })
  timestamp?: string;

  /** A JSON object of at most 16 KiB (`duration`, `duration_ms`, `task_id`, `response_time`, `status` are read by the metrics). */
  @IsOptional()
  @IsObject({ message: 'data must be a JSON object' })
  @MaxJsonBytes(MAX_EVENT_DATA_BYTES)
  @ApiProperty({ type: 'object', additionalProperties: true })
  data?: Record<string, unknown>;
}

export class CreateEventBatchDto {
  /** 1 to 1000 events, stored all together or not at all. */
  @IsArray({ message: 'events must be a list' })
  @ArrayMinSize(1, { message: 'events must hold at least one event' })
  @ArrayMaxSize(MAX_BATCH_EVENTS, { message: `events must hold at most ${MAX_BATCH_EVENTS} events` })
  @ValidateNested({ each: true })
  @Type(() => CreateEventDto)
  events!: CreateEventDto[];
}
