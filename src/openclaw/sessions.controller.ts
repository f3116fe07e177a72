import { Controller, Get, Param, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ErrorDto } from '../common/error.dto';
import { SessionKeyParams, SessionListQuery, TranscriptQuery, UsageQuery } from './dto/session-query.dto';
import { SessionDetailDto, SessionListDto, TranscriptDto, UsageDto } from './dto/session.dto';
import { SessionsService } from './sessions.service';

@ApiTags('sessions')
@ApiBadRequestResponse({ type: ErrorDto, description: 'A bad parameter; `details` names it.' })
@Controller('api')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  /** OpenClaw sessions, newest activity first. */
  @Get('sessions')
  list(@Query() query: SessionListQuery): SessionListDto {
    return this.sessions.list(query);
  }

  /** One session with its runs, tool calls and subagent sessions. */
  @Get('sessions/:key')
  @ApiNotFoundResponse({ type: ErrorDto, description: 'Session not found.' })
  @ApiServiceUnavailableResponse({
    type: ErrorDto,
    description: "OpenClaw's files for the session's agent cannot be read now; the message says why.",
  })
  get(@Param() params: SessionKeyParams): Promise<SessionDetailDto> {
    return this.sessions.get(params.key);
  }

  /** The session's messages, oldest first; the next_before of a page gives the page before it. Needs the token when MC_API_TOKEN is set. */
  @Get('sessions/:key/transcript')
  @ApiBearerAuth()
  @ApiUnauthorizedResponse({ type: ErrorDto, description: 'MC_API_TOKEN is set and the request does not carry it.' })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'Session not found.' })
  @ApiServiceUnavailableResponse({
    type: ErrorDto,
    description: "OpenClaw's files for the session's agent cannot be read now; the message says why.",
  })
  transcript(@Param() params: SessionKeyParams, @Query() query: TranscriptQuery): Promise<TranscriptDto> {
    return this.sessions.transcript(params.key, query);
  }

  /** Tokens and cost by agent, model or UTC day, from the sessions' transcripts. */
  @Get('usage')
  usage(@Query() query: UsageQuery): UsageDto {
    return this.sessions.usage(query);
  }
}
