import { Body, Controller, Headers, HttpCode, Ip, Param, Post } from '@nestjs/common';
import {
  ApiBadGatewayResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { Actor, ControlAction } from '../common/access';
import { ErrorDto } from '../common/error.dto';
import { Principal } from '../contracts/roles';
import {
  AbortResultDto,
  AbortSessionDto,
  ActionKeyParams,
  MessageResultDto,
  SessionMessageDto,
} from './session-action.dto';
import { SessionActionsService } from './session-actions.service';

@ApiTags('sessions')
@ApiBearerAuth()
@ApiHeader({
  name: 'Idempotency-Key',
  required: false,
  description: 'A retry with the same key (and token) happens once and gets the first answer; kept 24 h in memory.',
})
@ApiBadRequestResponse({ type: ErrorDto, description: 'A bad parameter or Idempotency-Key; `details` names it.' })
@ApiUnauthorizedResponse({ type: ErrorDto, description: 'Tokens are configured and the request carries none.' })
@ApiForbiddenResponse({
  type: ErrorDto,
  description:
    'No token is configured (control actions are off), the token is not an operator, or the gateway refused for a missing scope (`missing_scope`).',
})
@ApiNotFoundResponse({ type: ErrorDto, description: 'The gateway has no such session.' })
@ApiUnprocessableEntityResponse({ type: ErrorDto, description: 'The Idempotency-Key was used for another request.' })
@ApiBadGatewayResponse({ type: ErrorDto, description: 'The gateway refused: `gateway_code` and its message.' })
@ApiServiceUnavailableResponse({
  type: ErrorDto,
  description:
    'The gateway is not connected (`gateway_state`), none is configured, or this instance is not the leader.',
})
@Controller('api')
export class SessionActionsController {
  constructor(private readonly actions: SessionActionsService) {}

  /** Stops the session's active run (OpenClaw's sessions.abort, on the gateway that holds it). Needs an operator token. */
  @Post('sessions/:key/abort')
  @HttpCode(200)
  @ControlAction()
  @ApiConflictResponse({
    type: ErrorDto,
    description: 'Nothing is running in the session (`status: "no-active-run"`).',
  })
  abort(
    @Param() params: ActionKeyParams,
    @Body() body: AbortSessionDto,
    @Actor() actor: Principal | null,
    @Ip() ip: string,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<AbortResultDto> {
    return this.actions.abort(params.key, body, { actor, ip, idempotencyKey });
  }

  /** Sends a message into the session: a new turn, a steer into the active run, or an interrupt. Needs an operator token. */
  @Post('sessions/:key/messages')
  @HttpCode(200)
  @ControlAction()
  send(
    @Param() params: ActionKeyParams,
    @Body() body: SessionMessageDto,
    @Actor() actor: Principal | null,
    @Ip() ip: string,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<MessageResultDto> {
    return this.actions.send(params.key, body, { actor, ip, idempotencyKey });
  }
}
