import { BadRequestException, PipeTransform } from '@nestjs/common';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  isObject,
  IsOptional,
  registerDecorator,
  ValidateNested,
  ValidationArguments,
} from 'class-validator';
import { ApiProperty } from '@nestjs/swagger';
import { eventFigureProblems, eventFiguresFit, plausibleTime } from '../../common/figure-bounds';
import { isReadableIsoDate } from '../../common/iso-date';
import { jsonOf } from '../../common/json';
import { FieldError, invalidRequest, nestsDeeperThan } from '../../common/validation';
import { AGENT_ID_PATTERN, EVENT_TYPE_PATTERN } from '../../contracts/ids';

export const MAX_EVENT_DATA_BYTES = 16 * 1024;
export const MAX_BATCH_EVENTS = 1000;
export const MAX_EVENT_DATA_DEPTH = 32;
const EVENT_TYPE_FORM = 'a short identifier: a lower-case letter, then up to 63 of a-z 0-9 _ . : -';

interface FieldRule {
  /** Absent (undefined or null) is allowed. */
  optional?: boolean;
  /** A message made from the value names what in it is wrong. */
  checks: { name: string; valid: (value: unknown) => boolean; message: string | ((value: unknown) => string) }[];
}

/**
 * The rules of one event, declared once: they make CreateEventDto's validation decorators and the
 * direct checks that QuickValidationPipe runs instead of class-transformer and class-validator.
 */
const EVENT_RULES: Record<keyof CreateEventDto, FieldRule> = {
  event_type: {
    checks: [
      {
        name: 'eventType',
        valid: (v) => typeof v === 'string' && EVENT_TYPE_PATTERN.test(v),
        message: `event_type must be ${EVENT_TYPE_FORM} (it may be sent as type)`,
      },
    ],
  },
  agent_id: {
    optional: true,
    checks: [
      {
        name: 'agentId',
        valid: (v) => typeof v === 'string' && AGENT_ID_PATTERN.test(v),
        message: 'agent_id must be an agent id: letters, digits, "_", "." and "-", at most 128 characters',
      },
    ],
  },
  timestamp: {
    optional: true,
    checks: [
      {
        name: 'isoTimestamp',
        valid: (v) => isReadableIsoDate(v, true),
        message: 'timestamp must be an ISO 8601 date-time',
      },
      {
        name: 'plausibleTime',
        // One message at a time: a date that cannot be read is the check above's.
        valid: (v) => !isReadableIsoDate(v, true) || plausibleTime(Date.parse(v as string)),
        message: "timestamp must be from 2000-01-01 to 24 hours after the server's clock",
      },
    ],
  },
  data: {
    optional: true,
    checks: [
      { name: 'isObject', valid: (v) => isObject(v) && !Array.isArray(v), message: 'data must be a JSON object' },
      {
        name: 'maxDepth',
        valid: (v) => !nestsDeeperThan(v, MAX_EVENT_DATA_DEPTH),
        message: `data must nest at most ${MAX_EVENT_DATA_DEPTH} levels`,
      },
      {
        name: 'maxJsonBytes',
        valid: (v) => Buffer.byteLength(jsonOf(v) ?? '') <= MAX_EVENT_DATA_BYTES,
        message: `data must be at most ${MAX_EVENT_DATA_BYTES} bytes as JSON`,
      },
      {
        name: 'figuresInBounds',
        valid: (v) => !isObject(v) || eventFiguresFit(v as Record<string, unknown>),
        message: (v) => eventFigureProblems(v as Record<string, unknown>).join('; '),
      },
    ],
  },
};

/** Validates the property by its entry in EVENT_RULES. */
function EventField(target: object, property: string): void {
  const rule = EVENT_RULES[property as keyof CreateEventDto];
  if (rule.optional) IsOptional()(target, property);
  for (const { name, valid, message } of rule.checks) {
    const text = typeof message === 'string' ? message : (args: ValidationArguments) => message(args.value);
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: property,
      options: { message: text },
      validator: { validate: valid },
    });
  }
}

/** What CreateEventDto's decorators accept. */
export function isValidEvent(value: unknown): value is CreateEventDto {
  if (!isObject(value) || Array.isArray(value)) return false;
  return Object.entries(EVENT_RULES).every(([field, rule]) => {
    const v = (value as Record<string, unknown>)[field];
    return (rule.optional && v == null) || rule.checks.every((check) => check.valid(v));
  });
}

export class CreateEventDto {
  /**
   * task_started, task_completed, task_failed, message_sent, message_received, error, status_changed, or any short identifier.
   * It may be sent as `type`, the name the stored event gives it (both given: the same value).
   */
  @EventField
  event_type!: string;

  /** The agent the event is about; it need not have a folder in the workspace. */
  @EventField
  agent_id?: string | null;

  /** ISO 8601; the time of arrival when absent. */
  @EventField
  timestamp?: string;

  /**
   * A JSON object of at most 16 KiB (`duration`, `duration_ms`, `task_id`, `response_time`, `status` are read by the metrics;
   * those figures and the plugin's `input_tokens`, `output_tokens`, `cache_read_tokens`, `cache_write_tokens`, `cost_usd`
   * must be numbers within bounds: see src/common/figure-bounds.ts).
   */
  @EventField
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

/** The 400 for an event, or a batch, that the direct check refuses: which events are not event objects. */
export function explainInvalidEvents(body: unknown): BadRequestException {
  const events = isObject(body) ? (body as Record<string, unknown>).events : undefined;
  if (!Array.isArray(events))
    return new BadRequestException({
      message: 'Invalid request: the body must be an event object',
      details: [{ field: 'body', messages: ['must be an event object'] }],
    });
  const indexes = events.flatMap((event, i) => (isValidEvent(event) ? [] : [i]));
  const details = indexes.map((i) => ({
    field: `events.${i}`,
    messages: ['must be an event object with an event_type'],
  }));
  return new BadRequestException({
    message: `Invalid request: ${details.map((d) => `${d.field}: ${d.messages[0]}`).join('; ')}`,
    details,
    invalid_indexes: indexes,
  });
}

/** What CreateEventBatchDto's decorators accept. */
export function isValidEventBatch(body: unknown): body is CreateEventBatchDto {
  const events = isObject(body) ? (body as Record<string, unknown>).events : undefined;
  return Array.isArray(events) && events.length >= 1 && events.length <= MAX_BATCH_EVENTS && events.every(isValidEvent);
}

/** What is wrong with an event's `type`, the other name of its event_type, or null. */
function typeAliasProblem(event: Record<string, unknown>): string | null {
  const type = event.type;
  if (typeof type !== 'string' || !EVENT_TYPE_PATTERN.test(type))
    return `type must be ${EVENT_TYPE_FORM} (it is another name for event_type)`;
  if (event.event_type !== undefined && event.event_type !== type)
    return 'type is another name for event_type: give one of them, or the same value in both';
  return null;
}

/** The event with `type` as its event_type, or as it is. */
function withEventType(event: unknown): unknown {
  if (!isObject(event) || Array.isArray(event) || !Object.hasOwn(event, 'type')) return event;
  const { type, ...rest } = event as Record<string, unknown>;
  return { ...rest, event_type: type };
}

/**
 * Before the event checks: `type` is taken for `event_type` (the name events are listed with), in one event
 * or each event of a batch. A bad `type`, or one that differs from the event_type given, is a 400 naming it.
 */
export class EventTypeAliasPipe implements PipeTransform<unknown, unknown> {
  constructor(private readonly batch: boolean) {}

  transform(body: unknown): unknown {
    if (!isObject(body) || Array.isArray(body)) return body;
    if (!this.batch) {
      if (!Object.hasOwn(body, 'type')) return body;
      const problem = typeAliasProblem(body as Record<string, unknown>);
      if (problem) throw invalidRequest([{ field: 'type', messages: [problem] }]);
      return withEventType(body);
    }
    const events = (body as Record<string, unknown>).events;
    if (!Array.isArray(events) || !events.some((e) => isObject(e) && Object.hasOwn(e, 'type'))) return body;
    const aliased = events.map(withEventType);
    const details: FieldError[] = [];
    const indexes: number[] = [];
    events.forEach((event, i) => {
      const aliasing = isObject(event) && Object.hasOwn(event, 'type');
      const problem = aliasing ? typeAliasProblem(event as Record<string, unknown>) : null;
      if (problem) details.push({ field: `events.${i}.type`, messages: [problem] });
      else if (!isValidEvent(aliased[i]))
        details.push({ field: `events.${i}`, messages: ['must be an event object with an event_type'] });
      else return;
      indexes.push(i);
    });
    if (details.some((d) => d.field.endsWith('.type'))) throw invalidRequest(details, { invalid_indexes: indexes });
    return { ...body, events: aliased };
  }
}
