import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiTooManyRequestsResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Requires } from '../common/access';
import { ErrorDto } from '../common/error.dto';
import { ApiInsufficientStorageResponse } from '../common/insufficient-storage.exception';
import { QuickValidationPipe } from '../common/quick-validation.pipe';
import {
  CreateEventBatchDto,
  CreateEventDto,
  EventTypeAliasPipe,
  explainInvalidEvents,
  isValidEvent,
  isValidEventBatch,
} from './dto/create-event.dto';
import { EventDto, EventPageDto, StoredEventsDto } from './dto/event.dto';
import { EventQuery } from './dto/event-query.dto';
import { EventsService } from './events.service';

const BUSY =
  'MC_INGEST_MAX_MB of event requests are already in progress: nothing was stored; send it again after `Retry-After` seconds.';

@ApiTags('events')
@ApiBadRequestResponse({
  type: ErrorDto,
  description: 'A bad field or parameter; `details` names it (and `invalid_indexes` the bad events of a batch).',
})
// Event bodies are typed Readonly<Dto>, a mapped type that leaves no class in the metadata, so the app's
// ValidationPipe leaves them to QuickValidationPipe.
// Posting events needs the ingest role (or admin): the OpenClaw plugin's token, readable by agents on its host.
@Controller()
export class EventsController {
  constructor(private readonly events: EventsService) {}

  /** Reports one event. The answer comes once it is committed. */
  @Post('api/events')
  @Requires('ingest')
  @ApiInsufficientStorageResponse()
  @ApiBody({ type: CreateEventDto })
  @ApiUnauthorizedResponse({ type: ErrorDto, description: 'MC_API_TOKEN is set and the request lacks it.' })
  @ApiTooManyRequestsResponse({ type: ErrorDto, description: BUSY })
  async create(
    @Body(new EventTypeAliasPipe(false), new QuickValidationPipe(CreateEventDto, isValidEvent, explainInvalidEvents))
    body: Readonly<CreateEventDto>,
  ): Promise<EventDto> {
    return (await this.events.ingest([body]))[0];
  }

  /** Reports up to 1000 events at once: all are stored, or none when any is bad. */
  @Post('api/events/batch')
  @Requires('ingest')
  @ApiInsufficientStorageResponse()
  @HttpCode(201)
  @ApiBody({ type: CreateEventBatchDto })
  @ApiUnauthorizedResponse({ type: ErrorDto, description: 'MC_API_TOKEN is set and the request lacks it.' })
  @ApiTooManyRequestsResponse({ type: ErrorDto, description: BUSY })
  async createBatch(
    @Body(
      new EventTypeAliasPipe(true),
      new QuickValidationPipe(CreateEventBatchDto, isValidEventBatch, explainInvalidEvents),
    )
    body: Readonly<CreateEventBatchDto>,
  ): Promise<StoredEventsDto> {
    const stored = await this.events.ingest(body.events);
    return { stored: stored.length, ids: stored.map((e) => e.id) };
  }

  /** The event log, newest first, with filters and cursor pagination. */
  @Get('api/system/events')
  list(@Query() query: EventQuery): Promise<EventPageDto> {
    return this.events.query(query);
  }
}
